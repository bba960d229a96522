/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "dg_guard.h"
#include "dg_test.h"

static const uint8_t a4[4] = { 198, 18, 0, 2 }, b4[4] = { 198, 18, 0, 3 };

static void
test_guard_burst_then_rate(void)
{
	struct dg_guard *g;
	unsigned int ok = 0;

	/* 10 per second, burst 5, clock in ms. */
	CU_ASSERT_EQUAL_FATAL(dg_guard_create(&g, 1024, 10, 5, 1000), 0);
	for (int i = 0; i < 20; i++)
		ok += dg_guard_allow(g, a4, 4, 1000);
	CU_ASSERT_EQUAL(ok, 5);
	/* 100 ms later one more token; 99 ms later not yet. */
	CU_ASSERT_FALSE(dg_guard_allow(g, a4, 4, 1099));
	CU_ASSERT_TRUE(dg_guard_allow(g, a4, 4, 1100));
	CU_ASSERT_FALSE(dg_guard_allow(g, a4, 4, 1100));
	/* Over one second at the steady rate: exactly 10 more. */
	ok = 0;
	for (uint64_t t = 1101; t <= 2100; t++)
		ok += dg_guard_allow(g, a4, 4, t);
	CU_ASSERT_EQUAL(ok, 10);
	dg_guard_free(g);
}

static void
test_guard_sources_independent(void)
{
	struct dg_guard *g;

	CU_ASSERT_EQUAL_FATAL(dg_guard_create(&g, 1 << 16, 1, 1, 1000), 0);
	CU_ASSERT_TRUE(dg_guard_allow(g, a4, 4, 5000));
	CU_ASSERT_FALSE(dg_guard_allow(g, a4, 4, 5000));
	CU_ASSERT_TRUE(dg_guard_allow(g, b4, 4, 5000));
	dg_guard_free(g);
}

static void
test_guard_one_slot_shared(void)
{
	struct dg_guard *g;

	/* One cell: every source shares it, so the limit holds for all together. */
	CU_ASSERT_EQUAL_FATAL(dg_guard_create(&g, 1, 1, 1, 1000), 0);
	CU_ASSERT_TRUE(dg_guard_allow(g, a4, 4, 0));
	CU_ASSERT_FALSE(dg_guard_allow(g, b4, 4, 0));
	dg_guard_free(g);
}

static void
test_guard_unlimited_and_bad_args(void)
{
	struct dg_guard *g;

	CU_ASSERT_EQUAL_FATAL(dg_guard_create(&g, 16, 0, 0, 1000), 0);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_TRUE(dg_guard_allow(g, a4, 4, 0));
	dg_guard_free(g);
	CU_ASSERT_EQUAL(dg_guard_create(&g, 0, 1, 1, 1000), -EINVAL);
	CU_ASSERT_EQUAL(dg_guard_create(&g, (1u << 24) + 1, 1, 1, 1000), -EINVAL);
	CU_ASSERT_EQUAL(dg_guard_create(&g, 1u << 24, 1, 1, 1000), 0);
	dg_guard_free(g);
	CU_ASSERT_EQUAL(dg_guard_create(&g, 16, 1, 0, 1000), -EINVAL);
	CU_ASSERT_EQUAL(dg_guard_create(&g, 16, 1, 1, 0), -EINVAL);
}

DG_TEST_MAIN("guard",
	DG_TEST(test_guard_burst_then_rate),
	DG_TEST(test_guard_sources_independent),
	DG_TEST(test_guard_one_slot_shared),
	DG_TEST(test_guard_unlimited_and_bad_args))
