/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Restart and memory benchmark of lib/filter, DPDK-free:
 *
 *   bench_image LIST [--dir DIR] [--rounds N]
 *
 * LIST is a domain list, e.g. `build/tools/bench/mklist 10000000 > /tmp/list-10M.txt`.
 * In one run: the input hash rate (dg_filter_hash over the list file), the cold parse
 * (dg_lists_load) and build, the image save (atomic, fsync'ed), the image load from the
 * page cache and after the file's pages are dropped (POSIX_FADV_DONTNEED on that file
 * only), the loaded snapshot checked against the built one, lookup rates of both, and
 * memory: the builder, the peak of a build, the snapshot alone, and the peak of a
 * rebuild while a snapshot is held (a reload), all as RSS above the process before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_bench.h"
#include "dg_filter.h"
#include "dg_filter_image.h"
#include "dg_lists.h"

enum { BURST = 32, NQ = 1 << 18 };

/* VmRSS or VmHWM of this process, bytes. */
static uint64_t
vm(const char *key)
{
	char line[256];
	uint64_t kb = 0;
	FILE *in = fopen("/proc/self/status", "r");

	while (in != NULL && fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			kb = strtoull(line + strlen(key) + 1, NULL, 10);
	if (in != NULL)
		fclose(in);
	return kb * 1024;
}

/* Start a new peak: VmHWM back to the current RSS. */
static void
peak_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

static uint64_t
rss_settled(void)
{
	malloc_trim(0);
	return vm("VmRSS:");
}

static double
hash_file(const char *path, uint64_t *bytes)
{
	static uint8_t buf[1 << 20];
	struct dg_filter_hash h;
	double t0 = dg_bench_now();
	FILE *in = fopen(path, "rb");
	size_t n;

	*bytes = 0;
	if (in == NULL)
		return 0;
	dg_filter_hash_init(&h, 0);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		dg_filter_hash_update(&h, buf, n);
		*bytes += n;
	}
	fclose(in);
	if (dg_filter_hash_digest(&h) == 0)
		fprintf(stderr, "(a zero digest)\n");
	return dg_bench_now() - t0;
}

/* Parse and build; *bld_bytes: RSS the builder holds before the build. */
static struct dg_filter *
parse_build(const char *list, double *t_parse, double *t_build, uint64_t *bld_bytes)
{
	struct dg_filter_builder *b;
	struct dg_filter *f = NULL;
	struct dg_list_opts o;
	uint64_t before = rss_settled();
	double t0 = dg_bench_now();

	dg_list_opts_init(&o);
	o.report = NULL;
	o.defaults.identifier = "BENCH";
	if (dg_filter_builder_create(&b, 0) != 0 ||
	    dg_lists_load(b, list, DG_LIST_AUTO, &o, NULL) != 0) {
		fprintf(stderr, "bench_image: cannot load %s\n", list);
		exit(1);
	}
	*t_parse = dg_bench_now() - t0;
	*bld_bytes = vm("VmRSS:") - before;
	t0 = dg_bench_now();
	if (dg_filter_build(b, &f) != 0) {
		fprintf(stderr, "bench_image: build failed\n");
		exit(1);
	}
	*t_build = dg_bench_now() - t0;
	dg_filter_builder_free(b);
	return f;
}

/* Queries: listed names, then names that are not (the same shapes, other labels). */
struct qset {
	struct dg_name *n;
	const struct dg_name **p;
	unsigned int cnt;
};

static int
take(const uint8_t *w, uint8_t len, enum dg_match_mode pos, const struct dg_entry_meta *m,
     void *arg)
{
	struct qset *q = arg;

	(void)pos;
	(void)m;
	if (q->cnt >= NQ / 2 || dg_bench_rnd() % 8 != 0)
		return q->cnt >= NQ / 2;
	dg_name_from_wire(&q->n[q->cnt], w, len, NULL);
	q->p[q->cnt] = &q->n[q->cnt];
	q->cnt++;
	return 0;
}

static void
make_queries(const struct dg_filter *f, struct qset *q)
{
	static const char *const tlds[] = { "com", "net", "org", "info", "xyz", "top" };
	char text[64];

	q->n = malloc(sizeof(*q->n) * NQ);
	q->p = malloc(sizeof(*q->p) * NQ);
	q->cnt = 0;
	if (q->n == NULL || q->p == NULL)
		exit(1);
	dg_filter_walk(f, take, q);
	while (q->cnt < NQ) {
		uint64_t r = dg_bench_rnd();

		snprintf(text, sizeof(text), "%sq%llx.%s", r % 4 ? "" : "www.",
			 (unsigned long long)(r >> 20), tlds[r % 6]);
		dg_name_from_text(&q->n[q->cnt], text, strlen(text));
		q->p[q->cnt] = &q->n[q->cnt];
		q->cnt++;
	}
}

/* Million names per second of one pass of bulk lookups over queries [lo, hi). */
static double
rate(const struct dg_filter *f, const struct qset *q, unsigned int lo, unsigned int hi,
     uint64_t *verdicts)
{
	struct dg_match out[BURST];
	double t0 = dg_bench_now();
	uint64_t v = 0;

	for (unsigned int i = lo; i < hi; i += BURST)
		v += dg_filter_lookup_bulk(f, q->p + i, hi - i < BURST ? hi - i : BURST, 20000,
					   out);
	*verdicts = v;
	return (hi - lo) / (dg_bench_now() - t0) / 1e6;
}

/*
 * Hits and misses on the built and the loaded snapshot, taking turns for @p rounds
 * (machine noise hits all alike); the best pass of each.
 */
static void
rates(const struct dg_filter *f, const struct dg_filter *g, const struct qset *q, int rounds)
{
	const struct dg_filter *snap[2] = { f, g };
	double best[2][2] = { { 0 } };
	uint64_t v[2][2];

	for (int r = 0; r < rounds + 1; r++)
		for (int s = 0; s < 2; s++)
			for (int k = 0; k < 2; k++) {
				double x = rate(snap[s], q, k ? NQ / 2 : 0, k ? NQ : NQ / 2, &v[s][k]);

				/* the first round warms the queries */
				if (r > 0 && x > best[s][k])
					best[s][k] = x;
			}
	printf("lookups M/s     built: hits %.2f, misses %.2f; loaded: hits %.2f, misses %.2f "
	       "(bulk, best of %d turns)\n", best[0][0], best[0][1], best[1][0], best[1][1],
	       rounds);
	if (v[0][0] != v[1][0] || v[0][1] != v[1][1])
		printf("(verdict counts differ: %llu/%llu vs %llu/%llu)\n",
		       (unsigned long long)v[0][0], (unsigned long long)v[0][1],
		       (unsigned long long)v[1][0], (unsigned long long)v[1][1]);
}

/* The same answer for every query (meta content and entry name). */
static unsigned int
differ(const struct dg_filter *a, const struct dg_filter *b, const struct qset *q)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < q->cnt; i++) {
		struct dg_match ma, mb;
		int ra = dg_filter_lookup(a, q->p[i], 20000, &ma);
		int rb = dg_filter_lookup(b, q->p[i], 20000, &mb);

		bad += ra != rb || (ra && (ma.meta->action != mb.meta->action ||
					   ma.ident_id != mb.ident_id || ma.label != mb.label ||
					   strcmp(ma.meta->identifier, mb.meta->identifier) != 0));
	}
	return bad;
}

static double
load(const char *path, int cold, struct dg_filter **out)
{
	double t0;
	int fd;

	if (cold) {
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
	}
	t0 = dg_bench_now();
	if (dg_filter_load_image(path, NULL, out) != 0) {
		fprintf(stderr, "bench_image: load failed\n");
		exit(1);
	}
	return dg_bench_now() - t0;
}

int
main(int argc, char **argv)
{
	const char *list = NULL, *dir = "/tmp";
	int rounds = 3;
	char path[4096];
	uint64_t bytes, bld, base;
	double t_hash, t_parse, t_build, t_save, t_warm = 1e9, t_cold, load_avg[3];
	struct dg_filter *f, *g;
	struct dg_filter_info in;
	struct qset q;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (argv[i][0] != '-' && list == NULL)
			list = argv[i];
		else
			list = NULL, i = argc;
	}
	if (list == NULL || rounds < 1) {
		fprintf(stderr, "usage: %s LIST [--dir DIR] [--rounds N]\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bench_image.%d.img", dir, (int)getpid());
	getloadavg(load_avg, 3);
	printf("bench_image %s: load average %.2f\n", list, load_avg[0]);

	hash_file(list, &bytes); /* warm the page cache */
	t_hash = hash_file(list, &bytes);
	printf("input hash      %8.3f s  %7.2f GB/s over %llu bytes (dg_filter_hash, from the page cache)\n",
	       t_hash, bytes / t_hash / 1e9, (unsigned long long)bytes);

	base = rss_settled();
	peak_reset();
	f = parse_build(list, &t_parse, &t_build, &bld);
	dg_filter_info(f, &in);
	double e = (double)in.entries;
	uint64_t peak = vm("VmHWM:") - base, steady = rss_settled() - base;

	printf("entries         %llu\n", (unsigned long long)in.entries);
	printf("parse           %8.3f s  (dg_lists_load into a builder)\n", t_parse);
	printf("build           %8.3f s  (dg_filter_build)\n", t_build);
	printf("builder         %8.1f B/entry RSS after the parse\n", bld / e);
	printf("build peak      %8.1f B/entry RSS peak of parse + build\n", peak / e);
	printf("snapshot        %8.1f B/entry RSS (builder freed); info.total_bytes %.1f B/entry "
	       "(bloom %.1f, table %.1f, arena %.1f, meta+top %.1f)\n", steady / e,
	       in.total_bytes / e, in.bloom_bytes / e, in.table_bytes / e, in.arena_bytes / e,
	       (in.meta_bytes + in.top_bytes) / e);

	double t0 = dg_bench_now();

	if (dg_filter_save(f, path, NULL) != 0) {
		fprintf(stderr, "bench_image: save to %s failed\n", path);
		return 1;
	}
	t_save = dg_bench_now() - t0;
	FILE *img = fopen(path, "rb");

	fseek(img, 0, SEEK_END);
	printf("save            %8.3f s  %llu bytes, %.1f B/entry (temp file, fsync, rename, fsync dir)\n",
	       t_save, (unsigned long long)ftell(img), ftell(img) / e);
	fclose(img);
	for (int r = 0; r < rounds; r++) {
		double t = load(path, 0, &g);

		t_warm = t < t_warm ? t : t_warm;
		dg_filter_free(g);
	}
	malloc_trim(0);
	t_cold = load(path, 1, &g);
	printf("load            %8.3f s  from the page cache (best of %d); %.3f s after dropping "
	       "the file's pages\n", t_warm, rounds, t_cold);
	make_queries(f, &q);
	unsigned int bad = differ(f, g, &q);

	printf("check           %u of %u queries answered differently by the loaded image\n", bad,
	       q.cnt);
	rates(f, g, &q, rounds);
	free(q.n);
	free(q.p);
	dg_filter_free(f);

	/* A reload: the loaded snapshot serves while the lists are parsed and built again. */
	uint64_t held = rss_settled() - base;

	peak_reset();
	f = parse_build(list, &t_parse, &t_build, &bld);
	peak = vm("VmHWM:") - base;
	printf("reload peak     %8.1f B/entry RSS with one snapshot held (%.1f B/entry): %.2fx\n",
	       peak / e, held / e, (double)peak / (double)held);
	dg_filter_free(f);
	dg_filter_free(g);
	unlink(path);
	getloadavg(load_avg, 3);
	printf("load average at the end: %.2f\n", load_avg[0]);
	return bad != 0;
}
