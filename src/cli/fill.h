/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fill.h — text filled to HELP_WIDTH columns, counted in characters (a
 * UTF-8 continuation byte takes no column): the command's --help and the
 * lessons' (fill.c). */
#ifndef BT_FILL_H
#define BT_FILL_H

#include <stddef.h>
#include <stdio.h>

#define HELP_WIDTH 80

int fill_width(const char *s, size_t n);
int fill_is_blank(char c);
void fill_words(FILE *f, const char *s, size_t a, size_t b, int *col,
		int indent, int *first);
int fill_symbol_word(const char *w, size_t n);
void fill_track_brackets(const char *w, size_t n, unsigned *keep, int *open);
void fill_put(FILE *f, const char *s, size_t n, int col, int indent);
int fill_indent_of(const char *s);
void fill_text(FILE *f, const char *s);
void fill_entry(FILE *f, const char *lhs, int col, const char *text);

#endif
