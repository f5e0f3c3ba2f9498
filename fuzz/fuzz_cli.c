/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_cli.c — a libFuzzer target for the command line: an input is an
 * argument vector, one argument per line ("grad\n--model\nmodel.txt\n…"),
 * run as `bptt ARGS…` through the command's own entry point, cli_main, in
 * this process.
 *
 * The command ends a refusal through cli_exit, which frees everything the
 * command still owns (src/cli/own.c, own/release) and then calls the exit hook;
 * here the hook longjmps back to this harness instead of exiting, so the
 * whole command (option parsing, every subcommand's checks, the readers,
 * the computations, the messages) runs in-process with libFuzzer's coverage
 * and leak detection, thousands of runs a second rather than a fork each.
 *
 * Each run happens in a directory holding the files of fuzz/cli-files/ (a
 * model, data, a gradient, an LSTM, a model whose state overflows), written
 * afresh every time, with BPTT_MAX_MEMORY=64M, standard output and standard
 * error captured, and 0.1 s of CPU time: a run still going then is
 * cancelled through the library's cancel flag (the command says
 * "interrupted", exit 130) and counts as slow, not as a failure.
 *
 * A failure (libFuzzer keeps the input as a crash): a crash, an ASan,
 * UBSan or LeakSanitizer report, a hang past -timeout, an exit status other
 * than 0 and 2 (1 only for `check`), a refusal whose standard error is
 * empty or does not end in a newline, a temporary file (.NAME.XXXXXX) left
 * in the directory, a refused or cancelled command that wrote or changed a
 * file, a symbolic link replaced by a file (link.txt names model.txt), a
 * replaced file that lost its mode (the fixtures are 0640), a line buffer
 * of the reader past its cap. Inputs that name paths
 * outside the directory (an argument with a '/', except /dev/null and
 * /dev/full) or hidden files are not run. Built and run by `make fuzz`;
 * fuzz/regressions-cli/ holds inputs that once failed. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "io/numio.h"
#include "io/textio.h"

#define MAX_ARGS 48

static char rundir[512];
static int home = -1;          /* the directory libFuzzer works in */
static struct {
	char name[32];
	char *text;
	size_t len;
} fixtures[8];
static size_t nfixtures;

static void load_fixtures(void)
{
	const char *dir = getenv("FUZZ_CLI_FILES");
	if (!dir)
		dir = "../../fuzz/cli-files";
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fuzz_cli: cannot open %s (set FUZZ_CLI_FILES)\n", dir);
		exit(1);
	}
	struct dirent *e;
	while ((e = readdir(d)) && nfixtures < 8) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		rewind(f);
		char *buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			fclose(f);
			free(buf);
			continue;
		}
		fclose(f);
		snprintf(fixtures[nfixtures].name, sizeof fixtures[0].name, "%s", e->d_name);
		fixtures[nfixtures].text = buf;
		fixtures[nfixtures].len = (size_t)n;
		nfixtures++;
	}
	closedir(d);
}

/* What is in the directory after a refusal: the fixtures as they were and
 * the captured standard output, nothing else. NULL when so. */
static const char *refused_dir_ok(void)
{
	static char why[128];
	DIR *d = opendir(".");
	if (!d)
		return NULL;
	struct dirent *e;
	const char *bad = NULL;
	while (!bad && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "out.txt") ||
		    !strcmp(n, "link.txt"))
			continue;
		size_t i = 0;
		while (i < nfixtures && strcmp(fixtures[i].name, n))
			i++;
		if (i == nfixtures) {
			snprintf(why, sizeof why, "a refused command left the file '%s'", n);
			bad = why;
			break;
		}
		FILE *f = fopen(n, "rb");
		char *now = malloc(fixtures[i].len + 1);
		size_t got = f && now ? fread(now, 1, fixtures[i].len + 1, f) : 0;
		if (got != fixtures[i].len || memcmp(now, fixtures[i].text, got)) {
			snprintf(why, sizeof why, "a refused command changed '%s'", n);
			bad = why;
		}
		free(now);
		if (f)
			fclose(f);
	}
	closedir(d);
	return bad;
}

/* Empties the directory (the current one) and writes the fixtures again.
 * Returns 1 when a temporary file of bt_write_atomic was left behind
 * (".NAME.XXXXXX"). */
static int reset_dir(void)
{
	int left = 0;
	DIR *d = opendir(".");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			const char *n = e->d_name;
			if (!strcmp(n, ".") || !strcmp(n, ".."))
				continue;
			size_t len = strlen(n);
			if (n[0] == '.' && len > 8 && n[len - 7] == '.')
				left = 1;
			if (unlink(n) != 0)
				rmdir(n);
		}
		closedir(d);
	}
	for (size_t i = 0; i < nfixtures; i++) {
		FILE *f = fopen(fixtures[i].name, "wb");
		if (f) {
			fwrite(fixtures[i].text, 1, fixtures[i].len, f);
			fclose(f);
			chmod(fixtures[i].name, 0640);
		}
	}
	if (symlink("model.txt", "link.txt") != 0)
		abort();
	return left;
}

/* The output rules after any run: link.txt still a link, every fixture
 * (replaced or not) still of mode 0640, the reader's line buffer within
 * its cap. NULL, or what is wrong. */
static const char *outputs_ok(void)
{
	struct stat st;
	if (lstat("link.txt", &st) != 0 || !S_ISLNK(st.st_mode))
		return "link.txt is no longer a symbolic link";
	for (size_t i = 0; i < nfixtures; i++)
		if (stat(fixtures[i].name, &st) == 0 && (st.st_mode & 07777) != 0640)
			return "a replaced file lost its mode";
	size_t buffer, allowed;
	bt_textio_line_use(&buffer, &allowed);
	if (buffer > allowed + 1 + BT_NUMIO_PAD)
		return "the reader's line buffer passed its cap";
	return NULL;
}

static void remove_rundir(void)
{
	if (home >= 0 && fchdir(home) == 0 && chdir(rundir) == 0) {
		reset_dir();
		for (size_t i = 0; i < nfixtures; i++)
			unlink(fixtures[i].name);
		if (fchdir(home) == 0)
			rmdir(rundir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_fixtures();
	snprintf(rundir, sizeof rundir, "%s/bptt-fuzz-cli.%ld",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	if (mkdir(rundir, 0700) != 0 && errno != EEXIST) {
		perror(rundir);
		exit(1);
	}
	home = open(".", O_RDONLY | O_DIRECTORY);
	atexit(remove_rundir);
	setenv("BPTT_MAX_MEMORY", "64M", 1);
	return 0;
}

/* ---- one run ------------------------------------------------------------------ */

static jmp_buf back;

/* The command's exit: what it owned is freed already (cli_exit). */
static void harness_exit(int status)
{
	longjmp(back, status + 1);
}

static void out_of_time(int sig)
{
	(void)sig;
	bt_cancel_request();
}

/* No path outside the directory; no name that looks like a temporary
 * file of bt_write_atomic, which would be taken for one left behind. */
static int allowed(const char *a)
{
	if (a[0] == '.' && strcmp(a, ".") && strcmp(a, ".."))
		return 0;
	return !strchr(a, '/') || !strcmp(a, "/dev/null") || !strcmp(a, "/dev/full");
}

static void fail(const char *why, int argc, char **argv, const char *err)
{
	fprintf(stderr, "fuzz_cli: %s; the command was: bptt", why);
	for (int i = 1; i < argc; i++)
		fprintf(stderr, " '%s'", argv[i]);
	fprintf(stderr, "\nits standard error:\n%s\n", err ? err : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the argument vector: "bptt", then one argument per line */
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (size > 0 && buf[size - 1] == '\n')
		buf[size - 1] = '\0';
	int argc = 0;
	argv[argc++] = "bptt";
	for (char *p = buf; argc <= MAX_ARGS;) {
		argv[argc++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		if (!allowed(argv[i])) {
			free(buf);
			return -1;
		}

	if (chdir(rundir) != 0) {
		free(buf);
		return 0;
	}
	reset_dir();
	/* what the command changes in the process, to put back */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGVTALRM, SIGALRM};
	struct sigaction saved[5], sa;
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], NULL, &saved[i]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = out_of_time;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGVTALRM, &sa, NULL);
	struct itimerval cpu = {{0, 0}, {0, 100000}}, off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_VIRTUAL, &cpu, NULL);
	FILE *real_out = stdout, *real_err = stderr;
	char *err = NULL;
	size_t errlen = 0;
	FILE *out = fopen("out.txt", "w"), *errf = open_memstream(&err, &errlen);
	if (!out || !errf)
		abort();
	stdout = out;
	stderr = errf;
	cli_exit_hook = harness_exit;

	volatile int status;
	int j = setjmp(back);
	if (j == 0)
		status = cli_main(argc, argv);
	else
		status = j - 1;

	setitimer(ITIMER_VIRTUAL, &off, NULL);
	cli_exit_hook = NULL;
	fclose(stdout);
	fclose(stderr);
	stdout = real_out;
	stderr = real_err;
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &saved[i], NULL);
	int slow = status == 128 + SIGINT && bt_cancel_requested();
	bt_cancel_reset();
	bt_set_progress(NULL, NULL);
	bt_set_memory_limit(0);

	char why[160] = "";
	const char *dir_bad = status == 2 || slow ? refused_dir_ok() : NULL;
	if (dir_bad)
		snprintf(why, sizeof why, "%s", dir_bad);
	else if (slow) {
		/* a long computation, cancelled: fine */
	} else if (status == 1 && argc > 1 && !strcmp(argv[1], "check")) {
		/* a check that disagrees */
	} else if (status != 0 && status != 2) {
		snprintf(why, sizeof why, "exit status %d", status);
	} else if (status == 2 && (errlen == 0 || err[errlen - 1] != '\n')) {
		snprintf(why, sizeof why, "exit status 2 without a message ending in a newline");
	}
	const char *rules = outputs_ok();
	if (rules && !why[0])
		snprintf(why, sizeof why, "%s", rules);
	if (reset_dir())
		snprintf(why, sizeof why, "a temporary file was left behind");
	if (fchdir(home) != 0)
		abort();
	if (why[0])
		fail(why, argc, argv, err);
	free(err);
	free(buf);
	return slow ? -1 : 0;
}
