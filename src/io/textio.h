/* SPDX-License-Identifier: GPL-3.0-or-later */
/* textio.h — what the text reader shows of itself to its tests and fuzz
 * targets (the readers and writers themselves are in bt.h). */
#ifndef BT_IO_TEXTIO_H
#define BT_IO_TEXTIO_H

#include <stddef.h>

/* Since the last call: the largest line buffer the readers allocated and
 * the longest line they allowed (the buffer may exceed it by the NUL and
 * BT_NUMIO_PAD bytes, never more); both are then set to 0. */
void bt_textio_line_use(size_t *buffer, size_t *allowed);

/* The lines where the last data file that bt_data_read accepted declares
 * its blocks X, Y and M (0: no M), for a message about a block that does
 * not fit a model. One record for the process: not for threads. */
void bt_textio_data_lines(long lines[3]);

/* Token s as a message shows it, into dst (room for BT_SHOWN_SIZE bytes):
 * at most BT_SHOWN_MAX bytes of it (then "..."), the bytes that are not
 * printable ASCII as \xHH, so that a file cannot set a terminal's title or
 * bury the reason after a long token. Returns dst. */
#define BT_SHOWN_MAX 40
#define BT_SHOWN_SIZE (BT_SHOWN_MAX * 4 + 4)
char *bt_text_shown(char *dst, const char *s);

#endif
