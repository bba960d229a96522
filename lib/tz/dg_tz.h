/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TZ_H
#define DG_TZ_H

/**
 * @file
 * Calendar days as the operator's wall clock shows them: entry dates switch on and off
 * at local midnight, and history intervals never span one (the report's days and months
 * are local). The zone is an IANA name (`Asia/Tokyo`) read from the system's zoneinfo
 * (Debian tzdata; $TZDIR if set), selected once per process with dg_tz_set().
 *
 * The conversion is the C library's (localtime_r() with the zone's transitions, daylight
 * saving time included). dg_tz_set() writes the environment: call it on the main thread
 * before any other thread starts. The other functions take the C library's time zone lock:
 * management core only, never a worker (a worker reads the day the management core
 * computed). No DPDK here.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_TZ_NAME_MAX = 64, /**< bytes of a zone name, NUL included */
	DG_TZ_DAY = 86400,   /**< seconds in a day of a fixed offset */
};

/**
 * Check that @p zone names a zone this system has: a relative path of letters, digits and
 * `_+-.` components (no `.` or `..` component), shorter than DG_TZ_NAME_MAX, to a TZif
 * file under $TZDIR or /usr/share/zoneinfo.
 *
 * @param err  Receives a readable reason on failure (may be NULL).
 * @return 0, or -EINVAL (not a zone name), -ENOENT (no such zone, or not a TZif file).
 */
int dg_tz_check(const char *zone, char *err, size_t len);

/**
 * Make @p zone the process's time zone (TZ, then tzset()). Main thread, before any other
 * thread starts.
 *
 * @return 0, or what dg_tz_check() returns, or -ENOMEM.
 */
int dg_tz_set(const char *zone, char *err, size_t len);

/** Seconds east of UTC of the zone's wall clock at unix time @p t. */
int64_t dg_tz_offset(int64_t t);

/** The local date at unix time @p t, as days since 1970-01-01. */
int64_t dg_tz_day(int64_t t);

/**
 * The first unix second after @p t whose local date is later than @p t's: the next local
 * midnight, or the first instant of the next day where daylight saving time skips
 * midnight, or the end of a repeated hour that a fall-back at midnight adds.
 */
int64_t dg_tz_next_midnight(int64_t t);

#ifdef __cplusplus
}
#endif

#endif /* DG_TZ_H */
