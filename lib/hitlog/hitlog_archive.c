/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rotated hit log files, off the management core: one thread gzips each (zlib, to a
 * temporary name renamed into place, so a half-written .gz is never taken for a whole
 * one), then removes the oldest rotated files beyond the number kept. The management core
 * only appends a name to a short queue under a mutex the thread holds for a pop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "hitlog_pvt.h"

enum {
	QUEUE_MAX = 1024,    /* rotated files waiting; past this one is left as it is */
	CHUNK = 64 * 1024,
	STAMP_LEN = 21,      /* YYYYMMDDTHHMMSSZ.NNNN */
};

struct hitlog_archive {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *queue[QUEUE_MAX];
	unsigned int head, n;
	bool stop, gzip;
	uint32_t keep;
	char *dir, *base;    /* where rotated files are, and the log's file name */
	uint64_t compressed, removed, errors; /* written by the thread (relaxed atomics) */
};

static void
count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* @p src to @p src.gz, then @p src removed. 0, or -errno. */
static int
compress_file(const char *src)
{
	size_t len = strlen(src);
	char *dst = malloc(len + 8), *tmp = malloc(len + 8), *buf = malloc(CHUNK);
	int in = -1, out = -1, rc = -ENOMEM;
	gzFile gz = NULL;
	ssize_t n;

	if (dst == NULL || tmp == NULL || buf == NULL)
		goto done;
	memcpy(dst, src, len);
	memcpy(dst + len, ".gz", 4);
	memcpy(tmp, dst, len + 3);
	memcpy(tmp + len + 3, ".tmp", 5);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = -errno;
		goto done;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0 || (gz = gzdopen(out, "wb6")) == NULL) {
		rc = out < 0 ? -errno : -ENOMEM;
		goto done;
	}
	out = -1; /* gzclose closes it */
	while ((n = read(in, buf, CHUNK)) > 0)
		if (gzwrite(gz, buf, (unsigned int)n) != (int)n)
			break;
	rc = n == 0 ? 0 : -EIO;
	if (gzclose(gz) != Z_OK && rc == 0)
		rc = -EIO;
	gz = NULL;
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = -errno;
	if (rc == 0)
		unlink(src);
	else
		unlink(tmp);
done:
	if (gz != NULL)
		gzclose(gz);
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	free(dst);
	free(tmp);
	free(buf);
	return rc;
}

/* Is @p name BASE.YYYYMMDDTHHMMSSZ.NNNN or that plus ".gz"? */
static bool
is_rotated(const struct hitlog_archive *a, const char *name)
{
	static const char shape[] = "DDDDDDDDTDDDDDDZ.DDDD";
	size_t bl = strlen(a->base), nl = strlen(name);
	const char *s;

	if (nl <= bl + 1 || strncmp(name, a->base, bl) != 0 || name[bl] != '.')
		return false;
	s = name + bl + 1;
	nl -= bl + 1;
	if (nl != STAMP_LEN && !(nl == STAMP_LEN + 3 && strcmp(s + STAMP_LEN, ".gz") == 0))
		return false;
	for (size_t i = 0; i < STAMP_LEN; i++)
		if (shape[i] == 'D' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Remove the oldest rotated files (their names sort in time order) beyond keep. */
static void
prune(struct hitlog_archive *a)
{
	char **v = NULL, path[4096];
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if (a->keep == 0)
		return;
	d = opendir(a->dir);
	if (d == NULL) {
		count(&a->errors);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_rotated(a, e->d_name))
			continue;
		if (n == cap) {
			char **w = realloc(v, (cap ? 2 * cap : 64) * sizeof(*v));

			if (w == NULL)
				break;
			v = w;
			cap = cap ? 2 * cap : 64;
		}
		if ((v[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i + a->keep < n) {
			snprintf(path, sizeof(path), "%s/%s", a->dir, v[i]);
			if (unlink(path) == 0)
				count(&a->removed);
			else if (errno != ENOENT)
				count(&a->errors);
		}
		free(v[i]);
	}
	free(v);
}

static void *
archive_main(void *arg)
{
	struct hitlog_archive *a = arg;

	for (;;) {
		char *name;
		int rc;

		pthread_mutex_lock(&a->mu);
		while (a->n == 0 && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->n == 0) {
			pthread_mutex_unlock(&a->mu);
			break;
		}
		name = a->queue[a->head];
		a->head = (a->head + 1) % QUEUE_MAX;
		a->n--;
		pthread_mutex_unlock(&a->mu);
		if (a->gzip) {
			rc = compress_file(name);
			/* Gone already: pruned by an earlier job, nothing lost. */
			if (rc == 0)
				count(&a->compressed);
			else if (rc != -ENOENT)
				count(&a->errors);
		}
		prune(a);
		free(name);
	}
	return NULL;
}

int
hitlog_archive_start(struct hitlog_archive **ap, const char *path, uint32_t keep, bool gzip)
{
	struct hitlog_archive *a = calloc(1, sizeof(*a));
	const char *slash = strrchr(path, '/');

	*ap = NULL;
	if (a == NULL)
		return -ENOMEM;
	a->keep = keep;
	a->gzip = gzip;
	a->base = strdup(slash != NULL ? slash + 1 : path);
	a->dir = slash == path ? strdup("/") :
		 slash != NULL ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (a->base == NULL || a->dir == NULL) {
		free(a->base);
		free(a->dir);
		free(a);
		return -ENOMEM;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (pthread_create(&a->thr, NULL, archive_main, a) != 0) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		free(a->base);
		free(a->dir);
		free(a);
		return -EAGAIN;
	}
	*ap = a;
	return 0;
}

void
hitlog_archive_push(struct hitlog_archive *a, const char *name)
{
	char *copy = strdup(name);

	pthread_mutex_lock(&a->mu);
	if (copy == NULL || a->n == QUEUE_MAX) {
		/* The file stays as rotated, uncompressed; a later prune still counts it. */
		count(&a->errors);
		free(copy);
	} else {
		a->queue[(a->head + a->n++) % QUEUE_MAX] = copy;
		pthread_cond_signal(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

void
hitlog_archive_stats(const struct hitlog_archive *a, struct dg_hitlog_stats *s)
{
	s->compressed += __atomic_load_n(&a->compressed, __ATOMIC_RELAXED);
	s->removed += __atomic_load_n(&a->removed, __ATOMIC_RELAXED);
	s->archive_errors += __atomic_load_n(&a->errors, __ATOMIC_RELAXED);
}

void
hitlog_archive_stop(struct hitlog_archive *a, struct dg_hitlog_stats *s)
{
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thr, NULL);
	hitlog_archive_stats(a, s);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->base);
	free(a->dir);
	free(a);
}
