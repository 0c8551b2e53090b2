#ifndef CNCURSES_H
#define CNCURSES_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Swift cannot import curses macros and its mutable globals are rejected in Swift 6 mode;
   these functions expose what the TUI needs. */
WINDOW *minimo_stdscr(void);
int minimo_lines(void);
int minimo_cols(void);
int minimo_color_pair(int n);
attr_t minimo_attr_bold(void);
attr_t minimo_attr_reverse(void);
attr_t minimo_attr_underline(void);
attr_t minimo_attr_dim(void);
int minimo_set_escdelay(int ms);
/* The library version string, e.g. "ncurses 6.4.20221231". */
const char *minimo_curses_version(void);
/* Whether the linked library was built with wide-character support. */
int minimo_has_wide_chars(void);
#endif
