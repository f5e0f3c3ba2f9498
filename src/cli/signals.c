/* SPDX-License-Identifier: GPL-3.0-or-later */
/* signals.c — SIGINT, SIGTERM and SIGHUP, and how far the command got.
 *
 * The first SIGINT (SIGTERM, SIGHUP) asks the library to stop at its next
 * poll; the command then says how far it got, leaves every output as it
 * was, and ends by the signal. A second one ends the command at once, if
 * it comes at least REPEAT_S seconds after the first: timeout(1) sends its
 * signal twice, to the process and then to its process group, and a
 * handler run between the two must not take that for a second request. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"

#define REPEAT_S 0.5
static volatile sig_atomic_t got_signal;
static struct timespec first_signal;
static const char *prog_what;
static size_t prog_done, prog_total;
static char prog_context[160];

void progress_context(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prog_context, sizeof prog_context, fmt, ap);
	va_end(ap);
}

static void on_signal(int sig)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);   /* async-signal-safe */
	if (got_signal) {
		if ((double)(t.tv_sec - first_signal.tv_sec) +
		    1e-9 * (double)(t.tv_nsec - first_signal.tv_nsec) < REPEAT_S)
			return;   /* the same request, delivered twice */
		/* the second one: at once, but without a temporary file */
		bt_write_atomic_abort();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	first_signal = t;
	got_signal = sig;
	bt_cancel_request();
}

static int on_progress(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	prog_what = what;
	prog_done = done;
	prog_total = total;
	return 0;
}

int interrupted_by(void)
{
	return got_signal;
}

void die_interrupted(void)
{
	fprintf(stderr, "%s: interrupted", cli_name());
	if (prog_context[0])
		fprintf(stderr, " at %s", prog_context);
	if (prog_what)
		fprintf(stderr, " after %zu of %zu %s", prog_done, prog_total, prog_what);
	fprintf(stderr, "; nothing written\n");
	end_by_signal();
}

void die_interrupted_msg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: interrupted ", cli_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	end_by_signal();
}

void end_by_signal(void)
{
	int sig = got_signal ? got_signal : SIGINT;
	fflush(NULL);
	release_all();
	if (cli_exit_hook)
		cli_exit_hook(128 + sig);
	signal(sig, SIG_DFL);
	raise(sig);
	exit(128 + sig);
}

void signals_install(void)
{
	/* a signal ignored when the command started (nohup, a
	 * background job of a script) stays ignored */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		/* a write blocked on a pipe or FIFO resumes (the flag
		 * is polled; an EINTR would fail the write) */
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[s], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[s], &sa, NULL);
	}
	bt_set_progress(on_progress, NULL);
}

void signals_reset(void)
{
	prog_what = NULL;
	prog_done = prog_total = 0;
	prog_context[0] = '\0';
	got_signal = 0;
}
