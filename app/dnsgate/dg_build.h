/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_BUILD_H
#define DG_BUILD_H

/**
 * @file
 * One job off the management loop, on a thread of its own: a full build of the lists (then,
 * once the result serves, its image saved), or the walk of a base snapshot for its
 * identifiers' metadata and active-entry count (after a start from the image). The
 * management loop polls dg_build_state(); nothing here touches a worker or the serving
 * snapshot.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dg_config.h"
#include "dg_control.h"
#include "dg_lists.h"
#include "dg_optout.h"
#include "dg_respip.h"

enum dg_build_kind {
	DG_BUILD_FULL, /**< lists and feeds' zone files into a new base */
	DG_BUILD_META, /**< identifiers' metadata and active count of @p walk */
};

enum dg_build_state {
	DG_BUILD_RUNNING,
	DG_BUILD_DONE,     /**< results ready; waits for dg_build_release() */
	DG_BUILD_SAVING,   /**< released: the image is being written */
	DG_BUILD_FINISHED, /**< the thread is done: dg_build_join() */
};

/** Why a full build runs, for the operator (status) and for who gets the answer. */
enum dg_build_why {
	DG_BUILD_WHY_START,
	DG_BUILD_WHY_RELOAD,  /**< `reload` */
	DG_BUILD_WHY_FEED,    /**< a feed transferred a whole zone, or a retry */
	DG_BUILD_WHY_FOLD,    /**< the delta grew past [filter] delta_fold */
	DG_BUILD_WHY_DAY,     /**< a new day: the active-entry count */
	DG_BUILD_WHY_IMAGE,   /**< metadata of the base loaded from the image */
};

const char *dg_build_why_name(enum dg_build_why w);

/** Monotonic seconds, for build timings. */
double dg_build_now(void);

enum { DG_BUILD_MAX_EXTRA = DG_CONFIG_MAX_FEEDS };

struct dg_build {
	/* in: set before dg_build_start() */
	enum dg_build_kind kind;
	enum dg_build_why why;
	const struct dg_config *cfg;
	dg_control_more_fn more;               /**< FULL: more sources (feeds), or NULL */
	void *more_arg;
	const struct dg_list_report *more_reports; /**< FULL: what @p more fills, saved beside */
	unsigned int n_more_reports;
	char extra[DG_BUILD_MAX_EXTRA][DG_CONFIG_PATH_MAX + DG_CONFIG_TEXT_MAX + 8];
	unsigned int n_extra;                  /**< FULL: files @p more reads (fingerprint) */
	const struct dg_filter *walk;          /**< META: the base (alive until FINISHED) */
	uint32_t today;
	bool report;                           /**< FULL: keep the rejected-lines report text */
	bool token_set;                        /**< an operator waits (ctl token) */
	uint64_t token;

	/* out: valid from DG_BUILD_DONE */
	int rc;
	char err[DG_CONFIG_ERR_MAX];
	struct dg_control_result res;          /**< FULL: the base (moved out by the caller) */
	struct dg_idents *meta;                /**< META: the metadata (moved out) */
	struct dg_optout *optout;              /**< FULL: the opt-out file's table (moved out) */
	struct dg_respip *respip;              /**< FULL: the response-IP list (moved out) */
	struct dg_respip_report respip_rep;    /**< FULL: what its load read */
	uint64_t base_active;                  /**< entries active on @p today */
	char *report_text;                     /**< rejected-lines report (malloc'd), or NULL */
	size_t report_len;
	uint8_t fp[DG_CONTROL_FP_LEN];
	bool fp_ok;                            /**< the inputs could be fingerprinted */
	double seconds;                        /**< start to DONE */

	/* out: valid from DG_BUILD_FINISHED */
	bool saved;                            /**< the image was written */
	char save_err[DG_CONFIG_ERR_MAX];      /**< why not, "" when not asked */
	double save_seconds;

	/* private */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state;
	bool save;
	bool joining;                          /**< dg_build_join() waits: skip the release */
	const struct dg_filter *to_save;
	struct dg_list_report saved_reports[DG_CONFIG_MAX_LISTS + DG_CONFIG_MAX_FEEDS];
	unsigned int n_saved_reports;
};

/** Start the thread. @return 0, or a negative errno (nothing started). */
int dg_build_start(struct dg_build *b);

/** Where the job is (enum dg_build_state); an acquire load, so DONE's results are seen. */
int dg_build_state(struct dg_build *b);

/** DONE: the results were taken; write the image of @p served (FULL) when @p save. */
void dg_build_release(struct dg_build *b, const struct dg_filter *served, bool save);

/** Wait for the thread and free what the results still own. */
void dg_build_join(struct dg_build *b);

/**
 * Read the response-IP list of @p cfg ([filter] response_ip; dg_response.c). Touches no
 * shared state: the build thread's, and the start's when the base comes from the image
 * (the image holds the name lists only).
 * @param out  The table, NULL when none is configured.
 * @return 0, or a negative errno with `FILE:LINE: reason` (or the options' reason).
 */
int dg_response_load(const struct dg_config *cfg, struct dg_respip **out,
		     struct dg_respip_report *rep, char *err, size_t errlen);

/**
 * The sidecar of an image (PATH.lists): the per-list counts of the build that wrote it, so
 * that `status` tells the truth after a start from the image.
 * @return 0 and *@p n reports read, or a negative errno (-ESTALE: another fingerprint,
 *   -EBADMSG: damaged).
 */
int dg_build_read_reports(const char *image, const uint8_t *fp, struct dg_list_report *out,
			  unsigned int cap, unsigned int *n);

#endif /* DG_BUILD_H */
