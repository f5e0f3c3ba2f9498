/* SPDX-License-Identifier: GPL-3.0-or-later */
/* atomic.c — output files that are never damaged: each is written to a
 * temporary file beside the file it replaces and renamed over it when
 * complete, and the outputs of one command are renamed together, after
 * all of them are written, or none is.
 *
 * What a path names (resolve):
 *   "-" or NULL                 standard output;
 *   /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N
 *                               the descriptor, as the shell opened it
 *                               (`> f` truncated it, `>> f` appends);
 *   an existing non-regular file (a terminal, a FIFO, /dev/null)
 *                               written in place: renaming over it would
 *                               replace the device;
 *   a directory                 refused;
 *   anything else               replaced: the file at the end of its
 *                               symbolic links (the links stay), a new
 *                               file where nothing is.
 * A replaced file keeps its mode (and, for root, its owner); a read-only
 * one is refused unless replacing is forced (bt_outputs_force, as `cp -f`
 * does). The data are synced before the rename and the directory after
 * it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bt.h"

#ifndef S_ISVTX
#define S_ISVTX 01000   /* the sticky bit (XSI) */
#endif

#define MAX_OUTPUTS 4
#define MAX_LINKS 40

enum { TO_FD, TO_PLACE, TO_REPLACE };

typedef struct {
	const char *path;   /* as given */
	int how;            /* TO_* */
	int fd;             /* TO_FD: the descriptor */
	char *target;       /* TO_PLACE, TO_REPLACE: the file (allocated) */
	int exists;         /* TO_REPLACE: the target exists */
	struct stat st;     /* of the target, or of the descriptor's file */
	char *tmp;          /* TO_REPLACE: the temporary file, once made */
} output;

/* The temporary files being written, for bt_write_atomic_abort (a signal
 * handler's last act): the first npending are valid. */
static char pending_tmp[MAX_OUTPUTS][PATH_MAX];
static volatile sig_atomic_t npending;
/* Whether a read-only regular file may be replaced (bt_outputs_force). */
static int force_replace;

void bt_outputs_force(int on)
{
	force_replace = on != 0;
}

void bt_write_atomic_abort(void)
{
	for (sig_atomic_t i = 0; i < npending; i++)
		unlink(pending_tmp[i]);
}

static int refuse(bt_error *err, const char *path, const char *fmt, ...)
{
	if (err) {
		snprintf(err->file, sizeof err->file, "%s", path ? path : "(standard output)");
		err->line = 0;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return BT_EIO;
}

/* The descriptor a path names (/dev/stdout, /dev/fd/N, …), or -1. */
static int descriptor_path(const char *path)
{
	static const char *const prefix[] = {"/dev/fd/", "/proc/self/fd/"};
	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(prefix[i]);
		if (strncmp(path, prefix[i], n) || !path[n])
			continue;
		long fd = 0;
		for (const char *p = path + n; *p; p++) {
			if (*p < '0' || *p > '9' || fd > 1000000)
				return -1;
			fd = 10 * fd + (*p - '0');
		}
		return (int)fd;
	}
	return -1;
}

/* path with its symbolic links followed to the file they end at (a link
 * to nothing: the name it gives), allocated; NULL with errno set. */
static char *follow_links(const char *path)
{
	char *cur = strdup(path);
	for (int hop = 0; cur && hop <= MAX_LINKS; hop++) {
		struct stat ls;
		if (lstat(cur, &ls) != 0 || !S_ISLNK(ls.st_mode))
			return cur;
		char link[PATH_MAX];
		ssize_t k = readlink(cur, link, sizeof link - 1);
		if (k < 0) {
			free(cur);
			return NULL;
		}
		link[k] = '\0';
		const char *slash = strrchr(cur, '/');
		size_t dirlen = link[0] != '/' && slash ? (size_t)(slash - cur) + 1 : 0;
		char *next = malloc(dirlen + (size_t)k + 1);
		if (next) {
			memcpy(next, cur, dirlen);
			memcpy(next + dirlen, link, (size_t)k + 1);
		}
		free(cur);
		cur = next;
	}
	if (cur)
		errno = ELOOP;
	free(cur);
	return NULL;
}

/* The directory of path ("." when it has none), allocated. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/* What o->path names, and whether it can be written: BT_OK, or a
 * refusal naming the path. */
static int resolve(output *o, bt_error *err)
{
	const char *path = o->path;
	o->fd = !path || !strcmp(path, "-") ? 1 : descriptor_path(path);
	if (o->fd >= 0) {
		o->how = TO_FD;
		if (fstat(o->fd, &o->st) != 0)
			return refuse(err, path, "cannot write: descriptor %d is not open", o->fd);
		return BT_OK;
	}
	if (!*path)
		return refuse(err, path, "cannot write: an empty file name");
	o->target = follow_links(path);
	if (!o->target)
		return refuse(err, path, "cannot write: %s", strerror(errno));
	o->exists = stat(o->target, &o->st) == 0;
	if (o->exists && S_ISDIR(o->st.st_mode))
		return refuse(err, path, "cannot write: it is a directory");
	if (o->exists && !S_ISREG(o->st.st_mode)) {
		o->how = TO_PLACE;
		if (access(o->target, W_OK) != 0)
			return refuse(err, path, "cannot write: %s", strerror(errno));
		return BT_OK;
	}
	o->how = TO_REPLACE;
	if (o->exists && !force_replace &&
	    (access(o->target, W_OK) != 0 || !(o->st.st_mode & 0222)))
		return refuse(err, path, "it is read-only (mode %04o): not replaced; "
			      "--force replaces it (keeping the mode), or make it "
			      "writable (chmod u+w)", (unsigned)(o->st.st_mode & 07777));
	const char *slash = strrchr(o->target, '/');
	if (strlen(slash ? slash + 1 : o->target) > NAME_MAX)
		return refuse(err, path, "cannot write: %s", strerror(ENAMETOOLONG));
	char *dir = dir_of(o->target);
	struct stat ds;
	int st = BT_OK;
	if (!dir)
		st = refuse(err, path, "out of memory");
	else if (stat(dir, &ds) != 0)
		st = refuse(err, path, "cannot write: the directory %s: %s", dir, strerror(errno));
	else if (!S_ISDIR(ds.st_mode))
		st = refuse(err, path, "cannot write: %s is not a directory", dir);
	else if (access(dir, W_OK | X_OK) != 0)
		st = refuse(err, path, "cannot write in the directory %s: %s", dir, strerror(errno));
	else if (o->exists && (ds.st_mode & S_ISVTX) && geteuid() != 0 &&
		 o->st.st_uid != geteuid() && ds.st_uid != geteuid())
		/* rename would fail with EPERM, after the work */
		st = refuse(err, path, "cannot replace it: it belongs to another user, in %s, "
			    "a directory where only a file's owner may replace it (sticky)", dir);
	else if (!o->exists) {
		/* a new file: its identity is the directory's and the name */
		o->st.st_dev = ds.st_dev;
		o->st.st_ino = ds.st_ino;
	}
	free(dir);
	return st;
}

/* Whether outputs a and b are the same file (a device such as /dev/null
 * or a terminal may take several). */
static int same_file(const output *a, const output *b)
{
	if (a->st.st_dev != b->st.st_dev || a->st.st_ino != b->st.st_ino)
		return 0;
	if (a->how == TO_REPLACE && b->how == TO_REPLACE && (!a->exists || !b->exists)) {
		if (a->exists != b->exists)
			return 0;
		const char *sa = strrchr(a->target, '/'), *sb = strrchr(b->target, '/');
		return !strcmp(sa ? sa + 1 : a->target, sb ? sb + 1 : b->target);
	}
	return !S_ISCHR(a->st.st_mode) && !S_ISBLK(a->st.st_mode);
}

static void outputs_free(output *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].target);
		free(o[i].tmp);
	}
}

/* Resolves and checks every path; two that name the same file refused. */
static int outputs_resolve(output *o, size_t n, bt_error *err)
{
	if (n > MAX_OUTPUTS)
		return refuse(err, o[0].path, "internal error: more than %d outputs", MAX_OUTPUTS);
	for (size_t i = 0; i < n; i++) {
		int st = resolve(&o[i], err);
		if (st != BT_OK)
			return st;
		for (size_t j = 0; j < i; j++)
			if (same_file(&o[i], &o[j]))
				return refuse(err, o[i].path, "it is also %s: two outputs "
					      "cannot be the same file",
					      o[j].path ? o[j].path : "standard output");
	}
	return BT_OK;
}

int bt_outputs_check(const char *const *paths, size_t n, bt_error *err)
{
	output o[MAX_OUTPUTS];
	memset(o, 0, sizeof o);
	for (size_t i = 0; i < n && i < MAX_OUTPUTS; i++)
		o[i].path = paths[i];
	int st = outputs_resolve(o, n, err);
	outputs_free(o, n < MAX_OUTPUTS ? n : MAX_OUTPUTS);
	return st;
}

/* A new file beside o->target, ".NAME.XXXXXX" in the same directory (NAME
 * cut short when the whole would pass NAME_MAX), with the mode and owner
 * of the file it replaces (a new one: 0666 less the umask), pending for
 * bt_write_atomic_abort: its descriptor, or -1 with err set. */
static int temp_beside(output *o, bt_error *err)
{
	const char *t = o->target, *slash = strrchr(t, '/');
	size_t dirlen = slash ? (size_t)(slash - t) + 1 : 0, base = strlen(t + dirlen);
	if (base > NAME_MAX - 8)
		base = NAME_MAX - 8;
	char *tmp = malloc(dirlen + base + 9);
	if (!tmp) {
		refuse(err, o->path, "out of memory");
		return -1;
	}
	memcpy(tmp, t, dirlen);
	tmp[dirlen] = '.';
	memcpy(tmp + dirlen + 1, t + dirlen, base);
	memcpy(tmp + dirlen + 1 + base, ".XXXXXX", 8);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		refuse(err, o->path, "cannot create a file beside it: %s", strerror(errno));
		free(tmp);
		return -1;
	}
	o->tmp = tmp;
	if (strlen(tmp) < PATH_MAX && npending < MAX_OUTPUTS) {
		memcpy(pending_tmp[npending], tmp, strlen(tmp) + 1);
		npending++;
	}
	mode_t mode;
	if (o->exists) {
		mode = o->st.st_mode & 07777;
		if (fchown(fd, o->st.st_uid, o->st.st_gid) != 0)
			mode &= 0777;   /* no set-id bits for another owner */
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	fchmod(fd, mode);
	return fd;
}

/* fn onto f; then flushed (and, when sync, synced to the disk) and, when
 * close, closed. BT_OK, or the status with err naming path and the cause. */
static int write_stream(FILE *f, int close, int sync, const char *path,
			bt_write_fn fn, const void *ctx, bt_error *err)
{
	errno = 0;
	int st = fn(f, ctx), saved = errno;
	if (fflush(f) != 0 || ferror(f)) {
		saved = errno;
		st = st ? st : BT_EIO;
	}
	if (st == BT_OK && sync && fsync(fileno(f)) != 0) {
		saved = errno;
		st = BT_EIO;
	}
	if (close && fclose(f) != 0 && st == BT_OK) {
		saved = errno;
		st = BT_EIO;
	}
	if (st == BT_ECANCELED)
		refuse(err, path, "interrupted: not written");
	else if (st == BT_EIO && saved && saved != EINTR)
		refuse(err, path, "write failed: %s", strerror(saved));
	else if (st != BT_OK)
		refuse(err, path, "write failed: %s", bt_strerror(st));
	return st;
}

/* Output o written: into its temporary file (TO_REPLACE), in place, or
 * onto its descriptor. */
static int write_one(output *o, bt_write_fn fn, const void *ctx, bt_error *err)
{
	FILE *f;
	if (o->how == TO_FD && (o->fd == 1 || o->fd == 2))
		return write_stream(o->fd == 1 ? stdout : stderr, 0, 0,
				    o->path ? o->path : NULL, fn, ctx, err);
	int fd;
	if (o->how == TO_FD)
		fd = dup(o->fd);
	else if (o->how == TO_PLACE)
		do
			fd = open(o->target, O_WRONLY | O_TRUNC | O_CLOEXEC);
		while (fd < 0 && errno == EINTR && !bt_cancel_requested());
	else
		fd = temp_beside(o, err);
	if (fd < 0) {
		if (o->how == TO_REPLACE)
			return BT_EIO;
		if (errno != EINTR)
			return refuse(err, o->path, "cannot write: %s", strerror(errno));
		refuse(err, o->path, "interrupted: not written");
		return BT_ECANCELED;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return refuse(err, o->path, "cannot write: %s", strerror(errno));
	}
	return write_stream(f, 1, o->how == TO_REPLACE, o->path, fn, ctx, err);
}

/* The directory of path synced (the rename made durable); errors ignored:
 * the file is in place either way. */
static void sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* The temporary files renamed over their targets (all of them were
 * written). */
static int commit(output *o, size_t n, bt_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!o[i].tmp)
			continue;
		if (rename(o[i].tmp, o[i].target) != 0)
			return refuse(err, o[i].path, "cannot write: %s", strerror(errno));
		free(o[i].tmp);
		o[i].tmp = NULL;
		sync_dir(o[i].target);
	}
	return BT_OK;
}

int bt_write_atomic_all(const bt_output *outs, size_t n, bt_error *err)
{
	output o[MAX_OUTPUTS];
	memset(o, 0, sizeof o);
	for (size_t i = 0; i < n && i < MAX_OUTPUTS; i++)
		o[i].path = outs[i].path;
	int st = outputs_resolve(o, n, err);
	/* the files to replace first (they can be undone), then those
	 * written in place */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n && st == BT_OK; i++)
			if ((o[i].how == TO_REPLACE) == (pass == 0))
				st = write_one(&o[i], outs[i].fn, outs[i].ctx, err);
	if (st == BT_OK && bt_cancel_requested()) {
		refuse(err, o[0].path, "interrupted: not written");
		st = BT_ECANCELED;
	}
	if (st == BT_OK)
		st = commit(o, n, err);
	npending = 0;
	for (size_t i = 0; i < n && i < MAX_OUTPUTS; i++)
		if (o[i].tmp)
			unlink(o[i].tmp);
	outputs_free(o, n < MAX_OUTPUTS ? n : MAX_OUTPUTS);
	return st;
}

int bt_write_atomic(const char *path, bt_write_fn fn, const void *ctx,
		    bt_error *err)
{
	bt_output o = {path, fn, ctx};
	return bt_write_atomic_all(&o, 1, err);
}
