/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local days: zone names checked, the date as a wall clock in the zone shows it, the next
 * local midnight (checked against its definition over two years of several zones, DST
 * included), and an entry that starts on a date switching on at that date's local
 * midnight. Zones come from the system's tzdata; the test process is single-threaded, so
 * dg_tz_set() may change zones between checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_filter.h"
#include "dg_test.h"
#include "dg_tz.h"

static char err[256];

/* Days since 1970-01-01 of a calendar date, through the C library (not lib/tz). */
static int64_t
civil_day(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };

	return (int64_t)timegm(&tm) / DG_TZ_DAY;
}

static void
test_tz_check_names(void)
{
	static const char *const good[] = { "UTC", "Asia/Tokyo", "Etc/GMT+9",
					     "America/Argentina/Buenos_Aires",
					     "America/Port-au-Prince" };
	static const char *const bad[] = { "", "/etc/passwd", "../etc/passwd", "Asia/../UTC",
					   "Asia//Tokyo", "Asia/Tokyo/", "./UTC", "Asia/Tok yo",
					   "Asia/Tokyo\n" };
	char name[DG_TZ_NAME_MAX + 1];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(dg_tz_check(good[i], err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(dg_tz_check(bad[i], err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dg_tz_check(NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dg_tz_check("Asia/Tokio", err, sizeof(err)), -ENOENT);
	CU_ASSERT(strstr(err, "no zone 'Asia/Tokio' under ") != NULL);
	CU_ASSERT_EQUAL(dg_tz_check("Asia", err, sizeof(err)), -ENOENT);     /* a directory */
	CU_ASSERT_EQUAL(dg_tz_check("zone.tab", err, sizeof(err)), -ENOENT); /* not TZif */
	/* The longest name (63 bytes) is a name; one more byte is not. */
	memset(name, 'a', DG_TZ_NAME_MAX - 1);
	name[DG_TZ_NAME_MAX - 1] = '\0';
	CU_ASSERT_EQUAL(dg_tz_check(name, err, sizeof(err)), -ENOENT);
	name[DG_TZ_NAME_MAX - 1] = 'a';
	name[DG_TZ_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(dg_tz_check(name, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dg_tz_set("Asia/Tokio", err, sizeof(err)), -ENOENT);
}

/* Tokyo is UTC+9 all year: date D starts at 15:00 UTC on D-1. */
static void
test_tz_tokyo_day_starts_at_1500_utc(void)
{
	const int64_t d = civil_day(2024, 4, 16), jst_midnight = d * DG_TZ_DAY - 9 * 3600;

	CU_ASSERT_EQUAL_FATAL(dg_tz_set("Asia/Tokyo", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_tz_offset(jst_midnight), 9 * 3600);
	CU_ASSERT_EQUAL(dg_tz_day(jst_midnight), d);
	CU_ASSERT_EQUAL(dg_tz_day(jst_midnight - 1), d - 1);
	CU_ASSERT_EQUAL(dg_tz_day(d * DG_TZ_DAY + 15 * 3600 - 1), d);  /* 23:59:59 JST */
	CU_ASSERT_EQUAL(dg_tz_day(d * DG_TZ_DAY + 15 * 3600), d + 1);
	CU_ASSERT_EQUAL(dg_tz_next_midnight(jst_midnight - 1), jst_midnight);
	CU_ASSERT_EQUAL(dg_tz_next_midnight(jst_midnight), jst_midnight + DG_TZ_DAY);
	CU_ASSERT_EQUAL_FATAL(dg_tz_set("UTC", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_tz_day(jst_midnight), d - 1);
	CU_ASSERT_EQUAL(dg_tz_day(d * DG_TZ_DAY), d);
	CU_ASSERT_EQUAL(dg_tz_next_midnight(jst_midnight), d * DG_TZ_DAY);
}

/* Before 1970 the day is floored, not truncated toward zero. */
static void
test_tz_days_before_1970(void)
{
	CU_ASSERT_EQUAL_FATAL(dg_tz_set("UTC", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_tz_day(-1), -1);
	CU_ASSERT_EQUAL(dg_tz_day(-DG_TZ_DAY), -1);
	CU_ASSERT_EQUAL(dg_tz_day(-DG_TZ_DAY - 1), -2);
	CU_ASSERT_EQUAL(dg_tz_next_midnight(-1), 0);
}

/*
 * The next midnight by its definition, for zones with half-hour offsets, DST at 02:00,
 * a 30-minute DST (Lord Howe) and DST at midnight (Havana, Santiago): later than t, on a
 * later date, and the second before it not yet on a later date.
 */
static void
test_tz_next_midnight_definition(void)
{
	static const char *const zones[] = { "UTC", "Asia/Tokyo", "Asia/Kolkata",
					     "America/New_York", "Europe/London",
					     "Australia/Lord_Howe", "America/Havana",
					     "America/Santiago", "Pacific/Kiritimati" };
	const int64_t t0 = civil_day(2023, 1, 1) * DG_TZ_DAY;
	unsigned int bad = 0, n = 0;

	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		CU_ASSERT_EQUAL_FATAL(dg_tz_set(zones[z], err, sizeof(err)), 0);
		/* 7 h 13 min 17 s steps: every hour of the day, over two years */
		for (int64_t t = t0; t < t0 + 2 * 365 * DG_TZ_DAY; t += 7 * 3600 + 13 * 60 + 17) {
			int64_t m = dg_tz_next_midnight(t), d = dg_tz_day(t);

			n++;
			if (!(m > t && m - t <= DG_TZ_DAY + 3600 && dg_tz_day(m) > d &&
			      dg_tz_day(m - 1) <= d))
				bad++;
		}
	}
	CU_ASSERT(n > 20000);
	CU_ASSERT_EQUAL(bad, 0);
}

/* An entry whose start date is D: listed from D's local midnight in the zone, not before. */
static void
test_tz_entry_starts_at_local_midnight(void)
{
	const int64_t d = civil_day(2024, 4, 16), jst_midnight = d * DG_TZ_DAY - 9 * 3600;
	struct dg_entry_meta meta = { .identifier = "TEST-0001", .action = DG_ACTION_SINKHOLE,
				      .mode = DG_MATCH_SUBTREE, .start_day = (uint32_t)d,
				      .end_day = DG_FILTER_DAY_OPEN_END };
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_match m;
	struct dg_name n;

	CU_ASSERT_FATAL(dg_name_from_text(&n, "bad.example", 11) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_create(&b, 4) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_add(b, &n, &meta) >= 0);
	CU_ASSERT_FATAL(dg_filter_build(b, &f) == 0);
	dg_filter_builder_free(b);
	CU_ASSERT_EQUAL_FATAL(dg_tz_set("Asia/Tokyo", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, (uint32_t)dg_tz_day(jst_midnight - 1), &m), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, (uint32_t)dg_tz_day(jst_midnight), &m), 1);
	CU_ASSERT_EQUAL_FATAL(dg_tz_set("UTC", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, (uint32_t)dg_tz_day(jst_midnight), &m), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, (uint32_t)dg_tz_day(d * DG_TZ_DAY - 1), &m), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, (uint32_t)dg_tz_day(d * DG_TZ_DAY), &m), 1);
	dg_filter_free(f);
}

DG_TEST_MAIN("tz",
	DG_TEST(test_tz_check_names),
	DG_TEST(test_tz_tokyo_day_starts_at_1500_utc),
	DG_TEST(test_tz_days_before_1970),
	DG_TEST(test_tz_next_midnight_definition),
	DG_TEST(test_tz_entry_starts_at_local_midnight))
