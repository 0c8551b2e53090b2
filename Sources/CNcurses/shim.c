#include "CNcurses.h"
#include <ncursesw/term.h>

int minimo_terminfo_has_sync(void) {
    char *sync = tigetstr("Sync");
    return sync != NULL && sync != (char *)-1;
}

WINDOW *minimo_stdscr(void) { return stdscr; }
int minimo_lines(void) { return LINES; }
int minimo_cols(void) { return COLS; }
int minimo_color_pair(int n) { return COLOR_PAIR(n); }
attr_t minimo_attr_bold(void) { return A_BOLD; }
attr_t minimo_attr_reverse(void) { return A_REVERSE; }
attr_t minimo_attr_underline(void) { return A_UNDERLINE; }
attr_t minimo_attr_dim(void) { return A_DIM; }
int minimo_set_escdelay(int ms) { return set_escdelay(ms); }
const char *minimo_curses_version(void) { return curses_version(); }
int minimo_has_wide_chars(void) {
#if defined(NCURSES_WIDECHAR) && NCURSES_WIDECHAR
    cchar_t probe;
    wchar_t wc[2] = { L'x', 0 };
    return setcchar(&probe, wc, 0, 0, NULL) == OK;
#else
    return 0;
#endif
}

#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int minimo_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0);
}

int minimo_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) != OK) {
        wchar_t fallback[2] = { L'?', 0 };
        setcchar(&cell, fallback, attrs, pair, NULL);
    }
    /* Writing the bottom-right cell returns ERR (the cursor cannot advance) but draws it. */
    return mvwadd_wch(stdscr, y, x, &cell);
}

static void minimo_restore_at_exit(void) {
    if (stdscr != NULL && !isendwin()) endwin();
}

static void minimo_restore_on_signal(int sig) {
    /* endwin is not async-signal-safe in theory; in practice it only writes the reset
       sequences, and leaving a raw, no-echo terminal behind is worse. */
    if (stdscr != NULL && !isendwin()) endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static volatile sig_atomic_t minimo_exit_signal = 0;

/* SIGHUP, SIGTERM, SIGINT: noted, so the event loop leaves in order (keeping unsaved changes as
   a draft, restoring the terminal) within one turn. A second one while that happens ends the
   process at once. */
static void minimo_note_exit_signal(int sig) {
    if (minimo_exit_signal != 0) {
        minimo_restore_on_signal(sig);
        return;
    }
    minimo_exit_signal = sig;
}

int minimo_exit_signal_received(void) { return minimo_exit_signal; }

void minimo_install_terminal_restore(void) {
    static int installed = 0;
    if (installed) return;
    installed = 1;
    atexit(minimo_restore_at_exit);
    int noted[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof noted / sizeof noted[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = minimo_note_exit_signal;
        sigemptyset(&action.sa_mask);
        sigaction(noted[i], &action, NULL);
    }
    struct sigaction quit;
    memset(&quit, 0, sizeof quit);
    quit.sa_handler = minimo_restore_on_signal;
    sigemptyset(&quit.sa_mask);
    sigaction(SIGQUIT, &quit, NULL);
}

#include <poll.h>
#include <unistd.h>

int minimo_terminal_gone(void) {
    struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
    if (poll(&input, 1, 0) < 0) return 0;
    return (input.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

void minimo_set_input_timeout(int ms) { wtimeout(stdscr, ms); }
int minimo_get_wch(wint_t *code) { return wget_wch(stdscr, code); }
int minimo_move_cursor(int y, int x) { return wmove(stdscr, y, x); }
int minimo_clear_ok(void) { return clearok(curscr, TRUE); }

#include <term.h>
#include <unistd.h>

int minimo_terminal_check(void) {
    int error = 0;
    if (setupterm(NULL, STDOUT_FILENO, &error) != OK) return 1;
    char *cup = tigetstr("cup");
    int can_address = cup != NULL && cup != (char *)-1;
    del_curterm(cur_term);
    cur_term = NULL;
    return can_address ? 0 : 2;
}
