/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The build thread. It reads the configuration and the list files and writes only its own
 * struct; the management loop takes the results at DONE and lets it go on to write the
 * image while the new snapshot already serves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dg_build.h"
#include "dg_err.h"
#include "dg_filter_image.h"

enum { DG_BUILD_NICE = 10 };

static const char sidecar_magic[8] = { 'D', 'G', 'L', 'I', 'S', 'T', 'S', '1' };

struct sidecar_hdr {
	char magic[8];
	uint32_t report_size;
	uint32_t n;
	uint8_t fp[DG_CONTROL_FP_LEN];
};

const char *
dg_build_why_name(enum dg_build_why w)
{
	static const char *const names[] = {
		[DG_BUILD_WHY_START] = "start", [DG_BUILD_WHY_RELOAD] = "reload",
		[DG_BUILD_WHY_FEED] = "feed", [DG_BUILD_WHY_FOLD] = "fold",
		[DG_BUILD_WHY_DAY] = "day", [DG_BUILD_WHY_IMAGE] = "image",
	};

	return (unsigned int)w < sizeof(names) / sizeof(names[0]) ? names[w] : "?";
}

double
dg_build_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
set_state(struct dg_build *b, int s)
{
	pthread_mutex_lock(&b->mu);
	__atomic_store_n(&b->state, s, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

static void
run_full(struct dg_build *b)
{
	const struct dg_config *cfg = b->cfg;
	const char *extra[DG_BUILD_MAX_EXTRA];
	FILE *rep = NULL;

	for (unsigned int i = 0; i < b->n_extra; i++)
		extra[i] = b->extra[i];
	/* Before the parse: a file that changes under it can only make the image stale. */
	if (cfg->image[0] != '\0')
		b->fp_ok = dg_control_fingerprint(cfg, extra, b->n_extra, b->fp, b->save_err,
						  sizeof(b->save_err)) == 0;
	if (cfg->optout_file[0] != '\0') {
		b->rc = dg_optout_load(cfg->optout_file, &b->optout, b->err, sizeof(b->err));
		if (b->rc < 0)
			return;
	}
	/* Before the name lists: a broken file fails the build early. */
	b->rc = dg_response_load(cfg, &b->respip, &b->respip_rep, b->err, sizeof(b->err));
	if (b->rc < 0)
		return;
	if (b->report)
		rep = open_memstream(&b->report_text, &b->report_len);
	b->rc = dg_control_build(cfg, b->more, b->more_arg, rep, &b->res, b->err, sizeof(b->err));
	if (rep != NULL)
		fclose(rep);
	if (b->rc < 0)
		return;
	b->base_active = dg_filter_count_active(b->res.filter, b->today);
	memcpy(b->saved_reports, b->res.reports, b->res.n_lists * sizeof(b->res.reports[0]));
	b->n_saved_reports = b->res.n_lists;
	for (unsigned int i = 0; i < b->n_more_reports; i++)
		b->saved_reports[b->n_saved_reports++] = b->more_reports[i];
}

static void
run_meta(struct dg_build *b)
{
	b->rc = dg_idents_create(&b->meta);
	if (b->rc == 0)
		b->rc = dg_idents_refresh(b->meta, b->walk);
	if (b->rc < 0) {
		dg_errf(b->err, sizeof(b->err), b->rc, "identifier metadata: %s", strerror(-b->rc));
		return;
	}
	b->base_active = dg_filter_count_active(b->walk, b->today);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* PATH.lists, atomically: temp file, fsync, rename. */
static int
save_reports(struct dg_build *b)
{
	struct sidecar_hdr h = { .report_size = sizeof(struct dg_list_report),
				 .n = b->n_saved_reports };
	char path[DG_CONFIG_PATH_MAX + 16], tmp[DG_CONFIG_PATH_MAX + 24];
	int fd, rc;

	memcpy(h.magic, sidecar_magic, sizeof(h.magic));
	memcpy(h.fp, b->fp, sizeof(h.fp));
	snprintf(path, sizeof(path), "%s.lists", b->cfg->image);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return dg_errf(b->save_err, sizeof(b->save_err), -errno, "%s: %s", tmp,
			       strerror(errno));
	rc = write_all(fd, &h, sizeof(h));
	if (rc == 0)
		rc = write_all(fd, b->saved_reports, h.n * sizeof(b->saved_reports[0]));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return dg_errf(b->save_err, sizeof(b->save_err), rc, "%s: %s", path, strerror(-rc));
	}
	return 0;
}

static void
save_image(struct dg_build *b)
{
	double t0 = dg_build_now();
	int rc;

	if (!b->fp_ok)
		return; /* save_err holds why */
	rc = dg_filter_save(b->to_save, b->cfg->image, b->fp);
	if (rc < 0) {
		dg_errf(b->save_err, sizeof(b->save_err), rc, "%s: %s", b->cfg->image,
			strerror(-rc));
		return;
	}
	if (save_reports(b) < 0)
		return;
	b->saved = true;
	b->save_seconds = dg_build_now() - t0;
}

static void *
build_main(void *arg)
{
	struct dg_build *b = arg;
	double t0 = dg_build_now();

	/*
	 * It shares the management core: the loop that drains the hit log and answers the
	 * control socket must win that core whenever it wants it (Linux nice is per thread).
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), DG_BUILD_NICE) < 0)
		fprintf(stderr, "dnsgate: build thread priority: %s\n", strerror(errno));

	if (b->kind == DG_BUILD_FULL)
		run_full(b);
	else
		run_meta(b);
	b->seconds = dg_build_now() - t0;
	set_state(b, DG_BUILD_DONE);
	pthread_mutex_lock(&b->mu);
	while (__atomic_load_n(&b->state, __ATOMIC_ACQUIRE) == DG_BUILD_DONE && !b->joining)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
	if (b->save)
		save_image(b);
	set_state(b, DG_BUILD_FINISHED);
	return NULL;
}

int
dg_build_start(struct dg_build *b)
{
	int rc;

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->state = DG_BUILD_RUNNING;
	b->save = false;
	b->joining = false;
	rc = pthread_create(&b->tid, NULL, build_main, b);
	if (rc != 0) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		return -rc;
	}
	pthread_setname_np(b->tid, "dg-build");
	return 0;
}

int
dg_build_state(struct dg_build *b)
{
	return __atomic_load_n(&b->state, __ATOMIC_ACQUIRE);
}

void
dg_build_release(struct dg_build *b, const struct dg_filter *served, bool save)
{
	pthread_mutex_lock(&b->mu);
	b->to_save = served;
	b->save = save && served != NULL && b->kind == DG_BUILD_FULL && b->rc == 0 &&
		  b->cfg->image[0] != '\0';
	__atomic_store_n(&b->state, DG_BUILD_SAVING, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

void
dg_build_join(struct dg_build *b)
{
	/* Under the lock: a build that finishes after this point must not wait for a release. */
	pthread_mutex_lock(&b->mu);
	b->joining = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->tid, NULL);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	dg_control_result_free(&b->res);
	dg_idents_free(b->meta);
	dg_optout_free(b->optout);
	dg_respip_free(b->respip);
	free(b->report_text);
	b->meta = NULL;
	b->optout = NULL;
	b->respip = NULL;
	b->report_text = NULL;
}

int
dg_build_read_reports(const char *image, const uint8_t *fp, struct dg_list_report *out,
		      unsigned int cap, unsigned int *n)
{
	char path[DG_CONFIG_PATH_MAX + 16];
	struct sidecar_hdr h;
	ssize_t r;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s.lists", image);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, &h, sizeof(h));
	if (r != (ssize_t)sizeof(h) || memcmp(h.magic, sidecar_magic, sizeof(h.magic)) != 0 ||
	    h.report_size != sizeof(*out) || h.n > cap)
		rc = -EBADMSG;
	else if (memcmp(h.fp, fp, sizeof(h.fp)) != 0)
		rc = -ESTALE;
	else if (read(fd, out, h.n * sizeof(*out)) != (ssize_t)(h.n * sizeof(*out)))
		rc = -EBADMSG;
	close(fd);
	if (rc == 0)
		*n = h.n;
	return rc;
}
