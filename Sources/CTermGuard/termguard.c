#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <ncurses.h>
#include "termguard.h"

/* endwin() at most once per tg_install(), from whichever handler gets there first. */
static volatile int tg_restored = 1;

static void tg_restore_once(void) {
    if (__atomic_exchange_n(&tg_restored, 1, __ATOMIC_SEQ_CST) == 0) {
        endwin();
    }
}

/* ---- crash guard ------------------------------------------------------------------------- */

#define TG_NCRASH 6
static const int tg_crash_sigs[TG_NCRASH] = { SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT };
static struct sigaction tg_crash_prev[TG_NCRASH];
static int tg_crash_installed = 0;

static void tg_crash_handler(int sig, siginfo_t *info, void *ctx) {
    tg_restore_once();
    for (int i = 0; i < TG_NCRASH; i++) {
        if (tg_crash_sigs[i] != sig) continue;
        struct sigaction prev = tg_crash_prev[i];
        sigaction(sig, &prev, NULL); /* a repeat goes straight to the previous handler */
        if (prev.sa_flags & SA_SIGINFO) {
            if (prev.sa_sigaction != NULL) prev.sa_sigaction(sig, info, ctx);
        } else if (prev.sa_handler == SIG_DFL) {
            /* Blocked while we run: delivered with the default action as soon as we return. */
            raise(sig);
        } else if (prev.sa_handler != SIG_IGN) {
            prev.sa_handler(sig);
        }
        return;
    }
}

void tg_install(void) {
    __atomic_store_n(&tg_restored, 0, __ATOMIC_SEQ_CST);
    if (tg_crash_installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = tg_crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < TG_NCRASH; i++) {
        sigaction(tg_crash_sigs[i], &sa, &tg_crash_prev[i]);
    }
    tg_crash_installed = 1;
}

void tg_uninstall(void) {
    __atomic_store_n(&tg_restored, 1, __ATOMIC_SEQ_CST);
    if (!tg_crash_installed) return;
    for (int i = 0; i < TG_NCRASH; i++) {
        sigaction(tg_crash_sigs[i], &tg_crash_prev[i], NULL);
    }
    tg_crash_installed = 0;
}

/* ---- exit signals ------------------------------------------------------------------------ */

#define TG_NEXIT 3
static const int tg_exit_sigs[TG_NEXIT] = { SIGTERM, SIGHUP, SIGINT };
static struct sigaction tg_exit_prev[TG_NEXIT];
static int tg_exit_caught[TG_NEXIT];
static int tg_exit_pipe[2] = { -1, -1 };
static volatile int tg_exit_count = 0;

static void tg_exit_handler(int sig) {
    int saved = errno;
    if (__atomic_fetch_add(&tg_exit_count, 1, __ATOMIC_SEQ_CST) >= 1) {
        /* Second exit signal: the loop did not finish in time. Restore and die by the signal. */
        tg_restore_once();
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        raise(sig); /* pending (blocked in this handler), delivered on return */
    } else if (tg_exit_pipe[1] >= 0) {
        unsigned char b = (unsigned char)sig;
        ssize_t n = write(tg_exit_pipe[1], &b, 1);
        (void)n;
    }
    errno = saved;
}

int tg_exit_signals_install(void) {
    if (tg_exit_pipe[0] >= 0) return tg_exit_pipe[0];
    if (pipe2(tg_exit_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        tg_exit_pipe[0] = tg_exit_pipe[1] = -1;
        return -1;
    }
    __atomic_store_n(&tg_exit_count, 0, __ATOMIC_SEQ_CST);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tg_exit_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < TG_NEXIT; i++) {
        tg_exit_caught[i] = 0;
        struct sigaction cur;
        if (sigaction(tg_exit_sigs[i], NULL, &cur) != 0) continue;
        if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN) continue; /* nohup, bg jobs */
        if (sigaction(tg_exit_sigs[i], &sa, &tg_exit_prev[i]) == 0) tg_exit_caught[i] = 1;
    }
    return tg_exit_pipe[0];
}

int tg_exit_signals_next(void) {
    if (tg_exit_pipe[0] < 0) return 0;
    unsigned char b = 0;
    ssize_t n = read(tg_exit_pipe[0], &b, 1);
    return n == 1 ? (int)b : 0;
}

void tg_exit_signals_uninstall(void) {
    if (tg_exit_pipe[0] < 0) return;
    for (int i = 0; i < TG_NEXIT; i++) {
        if (tg_exit_caught[i]) sigaction(tg_exit_sigs[i], &tg_exit_prev[i], NULL);
        tg_exit_caught[i] = 0;
    }
    close(tg_exit_pipe[0]);
    close(tg_exit_pipe[1]);
    tg_exit_pipe[0] = tg_exit_pipe[1] = -1;
}

/* ---- window size ------------------------------------------------------------------------- */

static struct sigaction tg_winch_prev;
static int tg_winch_caught = 0;

static void tg_winch_handler(int sig, siginfo_t *info, void *ctx) {
    int saved = errno;
    if (tg_winch_prev.sa_flags & SA_SIGINFO) {
        if (tg_winch_prev.sa_sigaction != NULL) tg_winch_prev.sa_sigaction(sig, info, ctx);
    } else if (tg_winch_prev.sa_handler != SIG_DFL && tg_winch_prev.sa_handler != SIG_IGN && tg_winch_prev.sa_handler != NULL) {
        tg_winch_prev.sa_handler(sig);
    }
    if (tg_exit_pipe[1] >= 0) {
        unsigned char b = (unsigned char)sig;
        ssize_t n = write(tg_exit_pipe[1], &b, 1);
        (void)n;
    }
    errno = saved;
}

void tg_winch_install(void) {
    if (tg_winch_caught) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = tg_winch_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGWINCH, &sa, &tg_winch_prev) == 0) tg_winch_caught = 1;
}

void tg_winch_uninstall(void) {
    if (!tg_winch_caught) return;
    sigaction(SIGWINCH, &tg_winch_prev, NULL);
    tg_winch_caught = 0;
}

/* ---- suspend ----------------------------------------------------------------------------- */

int tg_suspend_self(void) {
    struct sigaction dfl, prev;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &prev); /* ncurses installs its own SIGTSTP handler: bypass it */
    sigset_t tstp, oldmask;
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &tstp, &oldmask);
    /* The stop takes effect before kill() returns (the signal is unblocked in this thread);
     * we continue here on SIGCONT. In an orphaned process group the stop is discarded and we
     * simply continue. */
    int rc = kill(getpid(), SIGTSTP);
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    sigaction(SIGTSTP, &prev, NULL);
    return rc == 0 ? 0 : -1;
}
