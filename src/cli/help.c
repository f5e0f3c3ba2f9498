/* SPDX-License-Identifier: GPL-3.0-or-later */
/* help.c — the command's documentation, written from its option tables:
 * --help filled to 80 columns, the manual page bptt(1) and the bash
 * completion. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/fill.h"

/* A synopsis breaks only before an option, a bracket or a '|' (not just
 * after one), outside brackets first: a group that no line can hold is
 * broken inside, between its alternatives ("a | b") first, then before any
 * option or bracket, one level of brackets at a time. s[a..b) is written
 * from *col (fresh: nothing yet after the line's lead), wrapped lines
 * starting at column hang; dep[i] is the number of brackets open at s[i];
 * level 2d breaks at depth d, level 2d - 1 at depth d before '|' only. */
static void syn_fill(FILE *f, const char *s, const unsigned char *dep, size_t a,
		     size_t b, int level, int *col, int hang, int *fresh)
{
	int depth = (level + 1) / 2;
	const char *at = level % 2 ? "|" : "[(-|";
	size_t u = a;
	while (u < b) {
		size_t e = u + 1;
		while (e < b && !(s[e] == ' ' && dep[e] == depth && s[e - 1] != '|' &&
				  strchr(at, s[e + 1])))
			e++;
		int w = fill_width(s + u, e - u);
		if (*col + !*fresh + w <= HELP_WIDTH) {
			if (!*fresh)
				fputc(' ', f);
			*col += !*fresh;
		} else if (level < 16 && (*fresh || hang + w > HELP_WIDTH)) {
			syn_fill(f, s, dep, u, e, level + 1, col, hang, fresh);
			u = e + 1;
			continue;
		} else if (!*fresh) {
			fprintf(f, "\n%*s", hang, "");
			*col = hang;
		}
		fwrite(s + u, 1, e - u, f);
		*col += w;
		*fresh = 0;
		u = e + 1;
	}
}

/* The synopsis of c, one line per form (in the table a form after the
 * first starts on a line of its own with "bptt NAME"), wrapped: each form
 * is "bptt NAME ..." after lead (the first) or more (the others), its
 * wrapped lines indented by hang, or when hang is 0 aligned under the
 * form's first word after "bptt NAME". */
static void put_synopsis(FILE *f, const command *c, const char *lead,
			 const char *more, int hang)
{
	char form[1024];
	unsigned char dep[sizeof form];
	const char *s = c->synopsis;
	int n = 0;
	do {
		/* the form, every run of blanks made one blank */
		size_t k = 0;
		while (*s) {
			if (*s == '\n') {
				const char *t = s + fill_indent_of(s + 1) + 1;
				size_t len = strlen(c->name);
				if (!strncmp(t, "bptt ", 5) && !strncmp(t + 5, c->name, len) &&
				    t[5 + len] == ' ') {
					s = t + 5 + len;
					s += fill_indent_of(s);
					break;
				}
			}
			if (*s == ' ' || *s == '\n' || *s == '\t') {
				if (k && form[k - 1] != ' ' && k + 1 < sizeof form)
					form[k++] = ' ';
			} else if (k + 1 < sizeof form) {
				form[k++] = *s;
			}
			s++;
		}
		while (k && form[k - 1] == ' ')
			k--;
		form[k] = '\0';
		int d = 0;
		for (size_t i = 0; i < k; i++) {
			if (form[i] == ']' || form[i] == ')')
				d -= d > 0;
			dep[i] = (unsigned char)(d < 255 ? d : 255);
			if (form[i] == '[' || form[i] == '(')
				d++;
		}
		fprintf(f, "%sbptt %s ", n ? more : lead, c->name);
		int col = fill_width(n ? more : lead, strlen(n ? more : lead)) + 6 +
			  fill_width(c->name, strlen(c->name));
		int fresh = 1;
		syn_fill(f, form, dep, 0, k, 0, &col, hang ? hang : col, &fresh);
		fputc('\n', f);
		n++;
	} while (*s);
}

void print_help(const command *c)
{
	put_synopsis(stdout, c, "usage: ", "       ", 0);
	putchar('\n');
	fill_text(stdout, c->about);
	printf("\noptions:\n");
	for (int j = 0; c->opts[j].name; j++) {
		char lhs[64];
		if (c->opts[j].name[0] != '-' && c->opts[j].metavar)
			snprintf(lhs, sizeof lhs, "%s", c->opts[j].metavar);  /* a positional */
		else
			snprintf(lhs, sizeof lhs, "%s%s%s", c->opts[j].name,
				 c->opts[j].metavar ? " " : "",
				 c->opts[j].metavar ? c->opts[j].metavar : "");
		fill_entry(stdout, lhs, 21, c->opts[j].help);
	}
	if (!strcmp(c->name, "init")) {
		printf("\narchitectures:\n");
		for (size_t i = 0; i < bt_cell_count(); i++)
			fill_entry(stdout, bt_cell_name(bt_cell_at(i)), 13,
				  bt_cell_summary(bt_cell_at(i)));
	}
	printf("\nexit status: 0 success, %s2 bad arguments or a refused file\n",
	       !strcmp(c->name, "check") ? "1 a block disagrees, " : "");
}

void print_main_help(FILE *f, const command *const *cmds, size_t n)
{
	fprintf(f, "usage: bptt COMMAND [OPTIONS]\n\n"
		   "Exact gradients of recurrent networks by backpropagation through time.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < n; i++)
		put_synopsis(f, cmds[i], "  ", "  ", 6);
	fprintf(f, "\n'bptt COMMAND --help' explains each one. Exit status: 0 success,\n"
		   "1 a check that disagrees, 2 bad arguments or a refused file.\n");
}

/* ---- the man page and the bash completion, from the same table --------- */

/* Roff-escapes s: backslashes, hyphens, and a leading dot or quote. */
static void roff(FILE *f, const char *s)
{
	int bol = 1;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

/* The same, with every run of blanks and newlines made one blank. */
static void roff_flat(FILE *f, const char *s)
{
	char buf[1024];
	size_t k = 0;
	for (; *s && k + 1 < sizeof buf; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			if (k && buf[k - 1] != ' ')
				buf[k++] = ' ';
		} else {
			buf[k++] = *s;
		}
	}
	buf[k] = 0;
	roff(f, buf);
}

void print_man(FILE *f, const command *const *cmds, size_t n)
{
	fprintf(f, ".\\\" bptt(1), written by `bptt --man` from the table that also\n"
		   ".\\\" gives `bptt COMMAND --help`, so the two cannot drift apart.\n"
		   ".TH BPTT 1 \"\" \"bptt %s\" \"bptt manual\"\n", bt_version());
	fprintf(f, ".SH NAME\nbptt \\- exact gradients of recurrent networks by backpropagation through time\n");
	fprintf(f, ".SH SYNOPSIS\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, ".B bptt %s\n", cmds[i]->name);
		roff_flat(f, cmds[i]->synopsis);
		fputs("\n.br\n", f);
	}
	fprintf(f, ".B bptt\n\\-\\-help | \\-\\-version\n");
	fprintf(f, ".SH DESCRIPTION\n"
		   "bptt instantiates recurrent networks (vanilla, linear, residual, orthogonal,\n"
		   "GRU, LSTM, attention), computes exact gradients by backpropagation through\n"
		   "time, full and truncated, checks them against finite differences, and\n"
		   "measures what governs gradient flow over time lags. Models, data and\n"
		   "gradients are text files described in\n.BR bptt\\-files (5);\n"
		   "instruments write whitespace\\-separated columns under a\n.B #\nheader line.\n");
	fprintf(f, ".SH COMMANDS\n");
	for (size_t i = 0; i < n; i++) {
		const command *c = cmds[i];
		fprintf(f, ".SS \"bptt %s\"\n", c->name);
		roff(f, c->about);
		fputs("\n.PP\n", f);
		for (int j = 0; c->opts[j].name; j++) {
			fputs(".TP\n.B ", f);
			roff(f, c->opts[j].name);
			if (c->opts[j].metavar) {
				fputs(" \\fI", f);
				roff(f, c->opts[j].metavar);
				fputs("\\fR", f);
			}
			fputc('\n', f);
			roff(f, c->opts[j].help);
			fputc('\n', f);
		}
		if (!strcmp(c->name, "init")) {
			fputs(".PP\nArchitectures:\n", f);
			for (size_t k = 0; k < bt_cell_count(); k++) {
				fprintf(f, ".TP\n.B %s\n", bt_cell_name(bt_cell_at(k)));
				roff(f, bt_cell_summary(bt_cell_at(k)));
				fputc('\n', f);
			}
		}
	}
	fprintf(f, ".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\n"
		   ".B bptt check\nfound a block beyond its tolerance\n.TP\n2\n"
		   "bad arguments, a refused file, an output that could not be written, a\n"
		   "computation that produced a non\\-finite value (the message on standard\n"
		   "error says which, with the file and line for a refused file, the step,\n"
		   "quantity and parameter block for a non\\-finite value), or a request that\n"
		   "needs more memory than the limit (the message gives the sizes and the\n"
		   "estimate)\n.TP\n130, 143, 129\n"
		   "stopped by SIGINT, SIGTERM or SIGHUP: the command says how far it got,\n"
		   "writes nothing and leaves an existing output file as it was (except\n"
		   ".B bptt train,\n"
		   "which writes the model after its last completed step, complete); a second\n"
		   "signal ends it at once\n");
	fprintf(f, ".SH ENVIRONMENT\n.TP\n.B BPTT_MAX_MEMORY\n"
		   "The most memory a request may need, in bytes or with a suffix K, M, G or T\n"
		   "(powers of 1024; e.g. 512M, 4G), or unlimited. Default: the memory\n"
		   "available when the command starts (MemAvailable in /proc/meminfo). A file\n"
		   "whose declared sizes exceed it is refused at that line; a computation whose\n"
		   "estimate exceeds it is refused before anything is allocated.\n"
		   ".TP\n.B BPTT_THREADS\n"
		   "Threads of\n.BR \"bptt check\"\n"
		   "entry by entry, 1 to 64, when --threads is not given. Default: the online\n"
		   "processors, at most 8 (1 for a tiny check). The report is the same for any\n"
		   "number.\n"
		   ".TP\n.B OPENBLAS_NUM_THREADS\n"
		   "When unset, bptt asks OpenBLAS for one thread (faster for these sizes).\n");
	fprintf(f, ".SH SEE ALSO\n.BR bptt\\-files (5),\n.BR gnuplot (1)\n");
}

void print_completion(FILE *f, const command *const *cmds, size_t n)
{
	fprintf(f, "# bash completion for bptt, written by `bptt --completion` from the\n"
		   "# table that also gives `bptt COMMAND --help`.\n"
		   "_bptt()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		   "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W \"");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s ", cmds[i]->name);
	fprintf(f, "--help --version\" -- \"$cur\"))\n\t\treturn\n\tfi\n"
		   "\tcase $prev in\n"
		   "\t-o|--model|--data|--grad) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
		   "\t--arch) COMPREPLY=($(compgen -W \"");
	for (size_t k = 0; k < bt_cell_count(); k++)
		fprintf(f, "%s ", bt_cell_name(bt_cell_at(k)));
	fprintf(f, "\" -- \"$cur\")); return ;;\n"
		   "\t--activation) COMPREPLY=($(compgen -W \"tanh relu sigmoid identity\" -- \"$cur\")); return ;;\n"
		   "\tesac\n\tcase ${COMP_WORDS[1]} in\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s) COMPREPLY=($(compgen -W \"", cmds[i]->name);
		for (int j = 0; cmds[i]->opts[j].name; j++) {
			const optdef *o = &cmds[i]->opts[j];
			if (o->name[0] != '-') {   /* a positional: its choices */
				for (const char *c = o->metavar; c && *c; c++)
					fputc(*c == '|' ? ' ' : *c, f);
				fputc(' ', f);
			} else {
				fprintf(f, "%s ", o->name);
			}
		}
		fprintf(f, "\" -- \"$cur\")) ;;\n");
	}
	fprintf(f, "\tesac\n}\ncomplete -F _bptt bptt\n");
}

