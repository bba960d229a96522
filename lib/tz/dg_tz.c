/* SPDX-License-Identifier: BSD-3-Clause */
/* Local days through the C library's zone code: TZ set once, localtime_r() afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dg_err.h"
#include "dg_tz.h"

/* Components of [A-Za-z0-9_+-.], none empty, "." or "..". */
static bool
valid_name(const char *z)
{
	size_t n = strlen(z), comp = 0;
	bool dots = true;

	if (n == 0 || n >= DG_TZ_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char ch = z[i];

		if (ch == '/' || ch == '\0') {
			if (comp == 0 || (dots && comp <= 2))
				return false;
			comp = 0;
			dots = true;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' || ch == '.'))
			return false;
		dots &= ch == '.';
		comp++;
	}
	return true;
}

int
dg_tz_check(const char *zone, char *err, size_t len)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	ssize_t got;
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	if (zone == NULL || !valid_name(zone))
		return dg_errf(err, len, -EINVAL, "'%s' is not a zone name (like Asia/Tokyo)",
			       zone ? zone : "");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, zone) >= sizeof(path))
		return dg_errf(err, len, -ENOENT, "no zone '%s' under %s", zone, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dg_errf(err, len, -ENOENT, "no zone '%s' under %s (tzdata)", zone, dir);
	got = read(fd, magic, sizeof(magic));
	close(fd);
	if (got != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return dg_errf(err, len, -ENOENT, "'%s' under %s is not a zone file", zone, dir);
	return 0;
}

int
dg_tz_set(const char *zone, char *err, size_t len)
{
	char tz[DG_TZ_NAME_MAX + 1];
	int rc = dg_tz_check(zone, err, len);

	if (rc < 0)
		return rc;
	/* ":NAME": a file under the zoneinfo directory, never a POSIX rule string. */
	snprintf(tz, sizeof(tz), ":%s", zone);
	if (setenv("TZ", tz, 1) != 0)
		return dg_errf(err, len, -ENOMEM, "cannot set TZ for '%s'", zone);
	tzset();
	return 0;
}

int64_t
dg_tz_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/* Floor division: days before 1970 stay right. */
static int64_t
day_of(int64_t local)
{
	return local >= 0 ? local / DG_TZ_DAY : -((-local + DG_TZ_DAY - 1) / DG_TZ_DAY);
}

int64_t
dg_tz_day(int64_t t)
{
	return day_of(t + dg_tz_offset(t));
}

int64_t
dg_tz_next_midnight(int64_t t)
{
	const int64_t next = (dg_tz_day(t) + 1) * DG_TZ_DAY;
	int64_t c[2], best = INT64_MAX;

	/*
	 * Midnight on the clock is next - offset, with the offset in force at midnight: the
	 * one now, or (a change before midnight) the one at the first guess. The earliest
	 * guess that really is on the next date wins.
	 */
	c[0] = next - dg_tz_offset(t);
	c[1] = next - dg_tz_offset(c[0]);
	for (int i = 0; i < 2; i++)
		if (c[i] > t && c[i] < best && dg_tz_day(c[i]) > dg_tz_day(t))
			best = c[i];
	/* Neither: not reached with real zones, whose offsets move by hours, not days. */
	return best != INT64_MAX ? best : t + DG_TZ_DAY;
}
