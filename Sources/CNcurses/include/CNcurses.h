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
/* 1 when the terminal's terminfo entry has the Sync capability (synchronized output, DEC
   mode 2026), after initscr. */
int minimo_terminfo_has_sync(void);
/* Whether the linked library was built with wide-character support. */
int minimo_has_wide_chars(void);
/* Whether the current LC_CTYPE encodes UTF-8 (after setlocale): decides Unicode or ASCII lines. */
int minimo_locale_is_utf8(void);
/* Writes one character cell (a spacing character plus up to four combining ones) at (y, x) of
   stdscr with the given attributes and colour pair. The cell is placed exactly there whatever
   the terminal thinks of the previous cell's width. */
int minimo_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair);
/* Restores the terminal (endwin) at exit(). SIGHUP (an SSH drop), SIGTERM and SIGINT are
   noted for the event loop, which leaves in order (minimo_exit_signal_received); a second one
   restores the terminal and ends the process at once, as SIGQUIT always does. */
void minimo_install_terminal_restore(void);
/* The signal that asked the TUI to leave (SIGHUP, SIGTERM, SIGINT), or 0. */
int minimo_exit_signal_received(void);
/* 1 when stdin has hung up (the terminal or the SSH connection is gone). */
int minimo_terminal_gone(void);
/* stdin's read timeout for wget_wch, in milliseconds (-1 blocks). */
void minimo_set_input_timeout(int ms);
int minimo_get_wch(wint_t *code);
int minimo_move_cursor(int y, int x);
/* Before initscr (which exits the process on an unknown TERM): 0 when the terminal described by
   TERM can be driven, 1 when terminfo does not know it, 2 when it cannot move the cursor
   (TERM=dumb and the like). */
int minimo_terminal_check(void);
int minimo_clear_ok(void);
#endif
