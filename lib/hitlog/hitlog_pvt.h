/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HITLOG_PVT_H
#define HITLOG_PVT_H

/*
 * The archive thread (hitlog_archive.c), private to the hit log: gzips rotated files and
 * removes the oldest beyond the number kept, off the management core.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dg_hitlog.h"

struct hitlog_archive;

/* Start the thread for the log at @p path. 0, -ENOMEM, or -EAGAIN (no thread). */
int hitlog_archive_start(struct hitlog_archive **a, const char *path, uint32_t keep,
			 bool gzip);

/* Queue rotated file @p name (copied). Never waits for the thread's work. */
void hitlog_archive_push(struct hitlog_archive *a, const char *name);

/* Add the thread's counters to @p s. */
void hitlog_archive_stats(const struct hitlog_archive *a, struct dg_hitlog_stats *s);

/* Finish what is queued, add the final counters to @p s, stop and free. */
void hitlog_archive_stop(struct hitlog_archive *a, struct dg_hitlog_stats *s);

#endif /* HITLOG_PVT_H */
