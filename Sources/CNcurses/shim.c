#include "CNcurses.h"

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
