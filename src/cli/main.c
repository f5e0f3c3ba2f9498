/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — the `bptt` command: the table of subcommands and the dispatch. */
#include <stdio.h>
#include <string.h>
#include "base/alloc.h"
#include "cli/cli.h"

/* ---- dispatch ------------------------------------------------------------------------ */

static const command *const commands[] = {
	&cmd_init, &cmd_data, &cmd_grad, &cmd_check, &cmd_flow, &cmd_jacobian,
	&cmd_spectrum,
	&cmd_lyapunov,
	&cmd_bias,
	&cmd_clip,
	&cmd_task,
	&cmd_train,
	&cmd_graph,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int cli_main(int argc, char **argv)
{
	/* as the process started: a harness may call this more than once */
	cli_reset();
	if (argc < 2) {
		print_main_help(stderr, commands, NCOMMANDS);
		return EXIT_BAD;
	}
	if (!strcmp(argv[1], "--man")) {
		print_man(stdout, commands, NCOMMANDS);
		return 0;
	}
	if (!strcmp(argv[1], "--completion")) {
		print_completion(stdout, commands, NCOMMANDS);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bptt %s\n"
		       "License GPL-3.0-or-later: GNU GPL version 3 or later "
		       "<https://gnu.org/licenses/gpl.html>.\n"
		       "This is free software: you are free to change and "
		       "redistribute it.\n"
		       "There is NO WARRANTY, to the extent permitted by law.\n",
		       bt_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(argv[2], commands[i]->name)) {
					print_help(commands[i]);
					return 0;
				}
		print_main_help(stdout, commands, NCOMMANDS);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const command *c = commands[i];
		if (strcmp(argv[1], c->name))
			continue;
		for (int j = 2; j < argc; j++)
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				print_help(c);
				return 0;
			}
		return cli_run(c, argc - 2, argv + 2);
	}
	fprintf(stderr, "bptt: unknown command %s (see 'bptt --help')\n", quoted(argv[1]));
	return EXIT_BAD;
}

#ifndef BPTT_NO_MAIN
int main(int argc, char **argv)
{
	bt_heap_for_process();
	return cli_main(argc, argv);
}
#endif

