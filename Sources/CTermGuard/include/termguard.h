/*
 * CTermGuard: restores the terminal when the process dies while curses owns it.
 *
 * Crash guard: tg_install() installs handlers for SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE and
 * SIGABRT. The first crash signal calls endwin() once (leaving raw mode and the alternate screen),
 * then chains to the handler that was installed before (the Swift runtime's backtracer), so the
 * backtrace prints readably on a sane terminal. Install it after curses is initialised.
 *
 * Exit signals: tg_exit_signals_install() catches SIGTERM, SIGHUP and SIGINT (those not ignored
 * at the time) and turns each into one byte (the signal number) on a non-blocking pipe whose read
 * end it returns, so a poll loop wakes up and can quit cleanly on its own thread. A second exit
 * signal, whether or not the first was read, restores the terminal with endwin() and terminates
 * the process with that signal (the escape hatch when the loop is stuck).
 * Install it BEFORE newterm(): ncurses only installs its own SIGINT/SIGTERM handlers (which call
 * exit(1) without running any Swift cleanup) when they are still at their default.
 */
#ifndef CTERMGUARD_H
#define CTERMGUARD_H

/* Installs the crash handlers (idempotent) and re-arms the once-only endwin(). */
void tg_install(void);
/* Puts back the handlers that were there before tg_install (idempotent). */
void tg_uninstall(void);

/* Installs the exit-signal handlers; returns the pipe's read end (non-blocking, close-on-exec),
 * or -1 on failure. Idempotent: a second call returns the same descriptor. */
int tg_exit_signals_install(void);
/* The next caught exit signal's number, or 0 when none is waiting. */
int tg_exit_signals_next(void);
/* Puts back the previous handlers and closes the pipe (idempotent). */
void tg_exit_signals_uninstall(void);

/* Window size changes: a SIGWINCH handler that first runs the previous one (ncurses records the
 * resize for wgetch's KEY_RESIZE), then writes SIGWINCH to the exit-signal pipe, so the loop's
 * ppoll wakes whichever thread the kernel delivered the signal to (on Linux, async main parks
 * the main thread in sigsuspend with every signal unblocked: it takes process signals). Call
 * after newterm and tg_exit_signals_install. */
void tg_winch_install(void);
/* Puts back the previous SIGWINCH handler (idempotent). */
void tg_winch_uninstall(void);

/* Job control from raw mode (where Ctrl-Z is just key 26): with SIGTSTP at its default action and
 * unblocked in this thread, sends SIGTSTP to the process, which stops; returns after SIGCONT
 * (`fg`), with SIGTSTP's previous action and the thread's mask put back. Call endwin() first.
 * Returns 0, or -1 if the signal could not be sent. */
int tg_suspend_self(void);

#endif /* CTERMGUARD_H */
