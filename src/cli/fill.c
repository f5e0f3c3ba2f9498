/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fill.c — help text filled to HELP_WIDTH columns (fill.h), for the
 * command's --help and the lessons'. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "cli/fill.h"

/* ---- help text, at most 80 columns ---------------------------------------
 * Every line of --help fits in HELP_WIDTH columns, counted in characters
 * (a UTF-8 continuation byte takes no column). The tables keep their text
 * as it reads in bptt(1), which groff fills; these functions fill it for
 * the terminal. The lessons' help uses it too (lessons/lesson.h). */


int fill_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

int fill_is_blank(char c)
{
	return c == ' ' || c == '\n' || c == '\t';
}

/* Writes the words of s[a..b) from column *col: a run of blanks between
 * two words of one line is kept, one that holds a newline becomes one
 * blank (none before the first word written, *first), and where the next
 * word would pass HELP_WIDTH the line ends and the next starts with
 * indent blanks. */
void fill_words(FILE *f, const char *s, size_t a, size_t b, int *col,
		      int indent, int *first)
{
	size_t i = a;
	for (;;) {
		size_t gap_at = i;
		int newline = 0;
		while (i < b && fill_is_blank(s[i]))
			newline |= s[i++] == '\n';
		if (i == b)
			return;
		size_t word = i;
		while (i < b && !fill_is_blank(s[i]))
			i++;
		int w = fill_width(s + word, i - word);
		int gap = newline ? 1 : (int)(word - gap_at);
		if (!*first && *col + gap + w > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			*col = indent;
		} else if (!*first) {
			if (newline)
				fputc(' ', f);
			else
				fwrite(s + gap_at, 1, (size_t)gap, f);
			*col += gap;
		}
		fwrite(s + word, 1, i - word, f);
		*col += w;
		*first = 0;
	}
}

/* A word of symbols only ("=", "<=", "...", "|"): no break on either side. */
int fill_symbol_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalnum((unsigned char)w[i]) || (unsigned char)w[i] >= 0x80)
			return 0;
	return 1;
}

/* Follows the brackets a word opens and closes: *open of them are open,
 * and bit k of *keep says whether the k-th holds its line together: a '['
 * or a call's '(' ("N(0, s^2)"), not a parenthesis of prose. */
void fill_track_brackets(const char *w, size_t n, unsigned *keep, int *open)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '(' || w[i] == '[') {
			unsigned k = w[i] == '[' || (i > 0 && (isalnum((unsigned char)w[i - 1]) ||
							       w[i - 1] == '_'));
			if (*open < 32)
				*keep = (*keep & ~(1u << *open)) | k << *open;
			(*open)++;
		} else if ((w[i] == ')' || w[i] == ']') && *open > 0) {
			(*open)--;
		}
	}
}

/* Writes the words of s[0..n), the first one at column col, the line
 * already written up to there, filling lines to HELP_WIDTH, the lines after
 * the first indented by indent blanks (see fill_words). A line does not
 * break next to a word of symbols ("a = b"), before a short word that
 * closes a bracket ("(default 1)"), nor inside brackets that keep together
 * ("N(0, s^2)", "[h; c]"), unless the words so held are wider than a line.
 * Ends the last line. */
void fill_put(FILE *f, const char *s, size_t n, int col, int indent)
{
	size_t i = 0;
	int first = 1, open = 0;
	unsigned keep = 0;
	for (;;) {
		/* the next words that no break may part */
		size_t gap_at = i, start, end;
		while (i < n && fill_is_blank(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		int w = 0;
		for (;;) {
			size_t word = i;
			while (i < n && !fill_is_blank(s[i]))
				i++;
			w += fill_width(s + word, i - word);
			fill_track_brackets(s + word, i - word, &keep, &open);
			end = i;
			size_t next = i;
			int newline = 0;
			while (next < n && fill_is_blank(s[next]))
				newline |= s[next++] == '\n';
			size_t next_end = next;
			while (next_end < n && !fill_is_blank(s[next_end]))
				next_end++;
			int next_w = fill_width(s + next, next_end - next);
			if (next == n ||
			    !((keep & ((open < 32 ? 1u << open : 0u) - 1)) ||
			      fill_symbol_word(s + word, i - word) ||
			      fill_symbol_word(s + next, next_end - next) ||
			      (next_w <= 3 && (memchr(s + next, ')', next_end - next) ||
					       memchr(s + next, ']', next_end - next)))))
				break;
			w += newline ? 1 : (int)(next - i);
			i = next;
		}
		int gap = memchr(s + gap_at, '\n', start - gap_at) ? 1 : (int)(start - gap_at);
		if (!first && col + gap + w > HELP_WIDTH && indent + w <= HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			gap_at = start;
			first = 1;
		}
		fill_words(f, s, gap_at, end, &col, indent, &first);
		i = end;
	}
	fputc('\n', f);
}

/* The number of blanks that start s. */
int fill_indent_of(const char *s)
{
	int k = 0;
	while (s[k] == ' ')
		k++;
	return k;
}

/* Writes a free text, filled to HELP_WIDTH: a blank line stays a blank
 * line; lines that start unindented form a paragraph; an indented line
 * starts an item, continued by the lines indented further than it (whose
 * indent its wrapped lines take), or, when none follow, wrapped under its
 * second column (the text after a run of two blanks: "  name    text"). */
void fill_text(FILE *f, const char *s)
{
	while (*s) {
		const char *eol = s + strcspn(s, "\n");
		int ind = fill_indent_of(s);
		if (s + ind == eol) {   /* a blank line */
			fputc('\n', f);
			s = *eol ? eol + 1 : eol;
			continue;
		}
		const char *end = eol;
		int hang = ind;
		while (*end) {   /* the lines that continue this one */
			const char *next = end + 1;
			int k = fill_indent_of(next);
			if (next[k] == '\n' || !next[k] || (ind == 0 ? k != 0 : k <= ind))
				break;
			if (ind > 0 && end == eol)
				hang = k;
			end = next + strcspn(next, "\n");
		}
		if (ind > 0 && end == eol) {   /* an item alone: under its second column */
			const char *two = strstr(s + ind, "  ");
			if (two && two < eol) {
				const char *text = two + fill_indent_of(two);
				if (text < eol)
					hang = fill_width(s, (size_t)(text - s));
			}
		}
		fprintf(f, "%*s", ind, "");
		fill_put(f, s + ind, (size_t)(end - s - ind), ind, hang);
		s = *end ? end + 1 : end;
	}
}

/* One option (or another two-column entry): the left column from column 2,
 * the description from column col (on the next line when the left column
 * reaches it), wrapped under itself. */
void fill_entry(FILE *f, const char *lhs, int col, const char *text)
{
	int w = 2 + fill_width(lhs, strlen(lhs));
	fprintf(f, "  %s", lhs);
	if (w + 1 > col) {
		fputc('\n', f);
		w = 0;
	}
	fprintf(f, "%*s", col - w, "");
	fill_put(f, text, strlen(text), col, col);
}
