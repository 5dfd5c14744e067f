/*
 * CNcurses: the ncursesw API as Swift can import it. Header-only; every helper is static inline.
 *
 * Only CursesBackend imports this module. See docs SWIFT-NOTES §1 for why each wrapper exists:
 *  - _XOPEN_SOURCE_EXTENDED / NCURSES_WIDECHAR must come before <ncurses.h>, otherwise wint_t,
 *    cchar_t, wget_wch, setcchar are not declared.
 *  - C globals (stdscr, COLORS, ...) are "not concurrency-safe" in Swift 6: read them through
 *    accessors.
 *  - A_* / WA_* / BUTTON*_* / KEY_F(n) are macros with casts and shifts: Swift does not import them.
 *  - ppoll and wcwidth are hidden behind _GNU_SOURCE / _XOPEN_SOURCE in Swift's Glibc module.
 */
#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <wchar.h>
#include <signal.h>
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <ncurses.h>   /* also declares tigetflag/tigetnum; term.h (capability macros) is not needed */

/* ---- libc functions Swift's Glibc module does not show --------------------------------- */
struct timespec;
int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
int wcwidth(wchar_t c);

/* ppoll with a millisecond timeout (< 0: none) and an EMPTY signal mask: every signal the calling
 * thread blocks (SIGWINCH, see CursesTerminal.prepareProcess) is deliverable only while it waits
 * here, atomically, so a SIGWINCH can never slip in between "check" and "sleep". */
static inline int cn_ppoll_unblocked(struct pollfd *fds, nfds_t nfds, int timeout_ms) {
    sigset_t none;
    sigemptyset(&none);
    struct timespec ts;
    struct timespec *tp = NULL;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        tp = &ts;
    }
    return ppoll(fds, nfds, tp, &none);
}

/* Blocks SIGWINCH in the calling thread (threads created later inherit the mask). */
static inline int cn_block_sigwinch(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGWINCH);
    return pthread_sigmask(SIG_BLOCK, &s, NULL);
}

/* Terminal size from the kernel (ioctl is variadic, so Swift cannot call it). 0 on success. */
static inline int cn_tty_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/* ---- globals -> accessors --------------------------------------------------------------- */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline WINDOW *cn_curscr(void) { return curscr; }
static inline FILE *cn_stderr(void) { return stderr; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }

/* ---- attributes (A_* and WA_* are the same bits in ncurses) ----------------------------- */
static const attr_t CN_A_NORMAL = A_NORMAL;
static const attr_t CN_A_STANDOUT = A_STANDOUT;
static const attr_t CN_A_UNDERLINE = A_UNDERLINE;
static const attr_t CN_A_REVERSE = A_REVERSE;
static const attr_t CN_A_BLINK = A_BLINK;
static const attr_t CN_A_DIM = A_DIM;
static const attr_t CN_A_BOLD = A_BOLD;
static const attr_t CN_A_INVIS = A_INVIS;
static const attr_t CN_A_ITALIC = A_ITALIC;
static const attr_t CN_WA_NORMAL = WA_NORMAL;
static const attr_t CN_WA_STANDOUT = WA_STANDOUT;
static const attr_t CN_WA_UNDERLINE = WA_UNDERLINE;
static const attr_t CN_WA_REVERSE = WA_REVERSE;
static const attr_t CN_WA_BLINK = WA_BLINK;
static const attr_t CN_WA_DIM = WA_DIM;
static const attr_t CN_WA_BOLD = WA_BOLD;
static const attr_t CN_WA_INVIS = WA_INVIS;
static const attr_t CN_WA_ITALIC = WA_ITALIC;

/* ---- keys --------------------------------------------------------------------------------- */
static inline int cn_key_f(int n) { return KEY_F(n); }

/* ---- mouse -------------------------------------------------------------------------------- */
static const mmask_t CN_BUTTON1_PRESSED = BUTTON1_PRESSED;
static const mmask_t CN_BUTTON1_RELEASED = BUTTON1_RELEASED;
static const mmask_t CN_BUTTON1_CLICKED = BUTTON1_CLICKED;
static const mmask_t CN_BUTTON4_PRESSED = BUTTON4_PRESSED;
static const mmask_t CN_BUTTON5_PRESSED = BUTTON5_PRESSED;
static const mmask_t CN_ALL_MOUSE_EVENTS = ALL_MOUSE_EVENTS;
static const mmask_t CN_REPORT_MOUSE_POSITION = REPORT_MOUSE_POSITION;

/* Reads the next queued mouse event. Returns OK (0) or ERR. */
static inline int cn_getmouse(int *x, int *y, mmask_t *bstate) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return ERR;
    *x = ev.x;
    *y = ev.y;
    *bstate = ev.bstate;
    return OK;
}

/* ---- cells -------------------------------------------------------------------------------- */
/* Fills a cchar_t from a 0-terminated wide string (one spacing character, then up to
 * CCHARW_MAX-1 non-spacing ones) with an extended colour pair (int, may exceed 32767). */
static inline int cn_setcchar(cchar_t *out, const wchar_t *wch, attr_t attrs, int pair) {
#if NCURSES_EXT_COLORS
    int p = pair;
    return setcchar(out, wch, attrs, 0, &p);
#else
    return setcchar(out, wch, attrs, (short)pair, NULL);
#endif
}
static inline int cn_ccharw_max(void) { return CCHARW_MAX; }

/* ---- colours ------------------------------------------------------------------------------ */
static inline int cn_has_extended_colors(void) {
#if NCURSES_EXT_COLORS
    return 1;
#else
    return 0;
#endif
}
/* init_extended_pair: pair numbers and colour numbers beyond 16 bits (direct colour). */
static inline int cn_init_pair(int pair, int fg, int bg) {
#if NCURSES_EXT_COLORS
    return init_extended_pair(pair, fg, bg);
#else
    return init_pair((short)pair, (short)fg, (short)bg);
#endif
}
/* init_extended_color: r, g, b are 0...1000. */
static inline int cn_init_color(int color, int r, int g, int b) {
#if NCURSES_EXT_COLORS
    return init_extended_color(color, r, g, b);
#else
    return init_color((short)color, (short)r, (short)g, (short)b);
#endif
}
static inline void cn_reset_color_pairs(void) {
#if NCURSES_EXT_COLORS
    reset_color_pairs();
#endif
}

/* terminfo queries (the name is a capability name such as "RGB" or "colors").
 * tigetflag: 1 present, 0 absent, -1 not a boolean. tigetnum: value, -1 absent, -2 not numeric. */
static inline int cn_tigetflag(const char *name) { return tigetflag(name); }
static inline int cn_tigetnum(const char *name) { return tigetnum(name); }

#endif /* CNCURSES_SHIM_H */
