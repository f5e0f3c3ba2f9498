/* SPDX-License-Identifier: GPL-3.0-or-later */
/* signals.c — SIGINT, SIGTERM and SIGHUP, and how far the command got.
 *
 * The first SIGINT (SIGTERM, SIGHUP) asks the library to stop at its next
 * poll; the command then says how far it got, leaves every output as it
 * was, and ends by the signal. A computation that does not poll (one long
 * BLAS call, an allocation being filled) cannot do that: DEADLINE_S after
 * the signal the command ends anyway, removing its temporary files, so
 * that one signal stops any command within a second (bptt train turns
 * this off: it stops after a step and writes its model). A blocked read or
 * write (a FIFO without a writer) is interrupted (no SA_RESTART).
 *
 * A second signal ends the command at once, if it comes at least REPEAT_S
 * seconds after the first: timeout(1) sends its signal twice, to the
 * process and then to its process group, and a handler run between the
 * two must not take that for a second request. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"

#define REPEAT_S 0.5
#define DEADLINE_S 0.8
static volatile sig_atomic_t got_signal, deadline_on = 1;
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

/* The end of a command that did not stop in time (why: the line said), or
 * of a second request (why NULL: the user knows): its temporary files
 * removed, the signal's own exit. Async-signal-safe. */
static void end_now(int sig, const char *why)
{
	static const char tail[] = "; nothing written\n";
	const char *name = cli_name();
	bt_write_atomic_abort();
	if (why && write(STDERR_FILENO, name, strlen(name)) >= 0 &&
	    write(STDERR_FILENO, why, strlen(why)) >= 0 &&
	    write(STDERR_FILENO, tail, sizeof tail - 1) >= 0) {
	}
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void on_deadline(int alrm)
{
	(void)alrm;
	if (got_signal && deadline_on)
		end_now(got_signal, ": interrupted, and stopped at once (the computation "
			"under way does not look for a signal)");
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
		end_now(sig, NULL);
		return;
	}
	first_signal = t;
	got_signal = sig;
	bt_cancel_request();
	if (deadline_on) {
		struct itimerval it;
		memset(&it, 0, sizeof it);
		it.it_value.tv_usec = (suseconds_t)(DEADLINE_S * 1e6);
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

void signals_no_deadline(void)
{
	struct itimerval it;
	memset(&it, 0, sizeof it);
	deadline_on = 0;
	setitimer(ITIMER_REAL, &it, NULL);
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
	drop_stdout();   /* "nothing written": a report begun is not sent */
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
	signals_no_deadline();
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
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a read or write blocked on a pipe or FIFO returns
	 * (EINTR), and the command stops */
	sa.sa_flags = 0;
	sa.sa_handler = on_signal;
	for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++)
		if (sigaction(sigs[s], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[s], &sa, NULL);
	sa.sa_handler = on_deadline;
	sigaction(SIGALRM, &sa, NULL);
	deadline_on = 1;
	bt_set_progress(on_progress, NULL);
}

void signals_reset(void)
{
	prog_what = NULL;
	prog_done = prog_total = 0;
	prog_context[0] = '\0';
	got_signal = 0;
}
