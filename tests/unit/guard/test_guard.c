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

static void
test_guard_share_holds_per_appliance(void)
{
	struct dg_guard *g[2];
	unsigned int ok = 0;

	/* Two workers' shares of 10 per second, burst 4 (clock in ms); RSS may send one
	 * source's flows to either, so alternate: together they allow what one guard does. */
	for (int w = 0; w < 2; w++)
		CU_ASSERT_EQUAL_FATAL(dg_guard_create_share(&g[w], 1024, 10, 4, 1000, 2), 0);
	for (int i = 0; i < 20; i++)
		ok += dg_guard_allow(g[i % 2], a4, 4, 1000);
	CU_ASSERT_EQUAL(ok, 4);
	/* Each share refills every 200 ms: 199 ms later neither, 200 ms later each once. */
	CU_ASSERT_FALSE(dg_guard_allow(g[0], a4, 4, 1199));
	CU_ASSERT_FALSE(dg_guard_allow(g[1], a4, 4, 1199));
	CU_ASSERT_TRUE(dg_guard_allow(g[0], a4, 4, 1200));
	CU_ASSERT_TRUE(dg_guard_allow(g[1], a4, 4, 1200));
	CU_ASSERT_FALSE(dg_guard_allow(g[0], a4, 4, 1200));
	/* Over one second at the steady rate: exactly 10 more between them. */
	ok = 0;
	for (uint64_t t = 1201; t <= 2200; t++)
		ok += dg_guard_allow(g[t % 2], a4, 4, t) + dg_guard_allow(g[(t + 1) % 2], a4, 4, t);
	CU_ASSERT_EQUAL(ok, 10);
	for (int w = 0; w < 2; w++)
		dg_guard_free(g[w]);
	/* More shares than the burst: each still answers once. */
	CU_ASSERT_EQUAL_FATAL(dg_guard_create_share(&g[0], 16, 1, 1, 1000, 3), 0);
	CU_ASSERT_TRUE(dg_guard_allow(g[0], a4, 4, 0));
	CU_ASSERT_FALSE(dg_guard_allow(g[0], a4, 4, 0));
	CU_ASSERT_FALSE(dg_guard_allow(g[0], a4, 4, 2999));
	CU_ASSERT_TRUE(dg_guard_allow(g[0], a4, 4, 3000));
	dg_guard_free(g[0]);
	CU_ASSERT_EQUAL(dg_guard_create_share(&g[0], 16, 1, 1, 1000, 0), -EINVAL);
	CU_ASSERT_EQUAL(dg_guard_create_share(&g[0], 16, 1, 1, 1000, (1u << 16) + 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_guard_create_share(&g[0], 16, 1, 1, 1000, 1u << 16), 0);
	dg_guard_free(g[0]);
}

DG_TEST_MAIN("guard",
	DG_TEST(test_guard_burst_then_rate),
	DG_TEST(test_guard_sources_independent),
	DG_TEST(test_guard_one_slot_shared),
	DG_TEST(test_guard_unlimited_and_bad_args),
	DG_TEST(test_guard_share_holds_per_appliance))
