/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TEST_H
#define DG_TEST_H

/**
 * @file
 * Shared helpers for the CUnit suites: one call to run a suite, and annotated hex vectors.
 */

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

struct dg_test_case {
	const char *name;
	void (*fn)(void);
};

#define DG_TEST(fn) { #fn, fn }

/**
 * Register one suite, run it in verbose basic mode and return the number of failures
 * (so main() can return it). Prints CUnit's summary.
 */
int dg_test_run(const char *suite, const struct dg_test_case *tests, size_t n);

#define DG_TEST_MAIN(suite, ...) \
	int main(void) \
	{ \
		static const struct dg_test_case t_[] = { __VA_ARGS__ }; \
		return dg_test_run(suite, t_, sizeof(t_) / sizeof(t_[0])) ? 1 : 0; \
	}

/**
 * Decode an annotated hex vector into @p out: hex digit pairs, whitespace ignored,
 * anything from ';' or '#' to the end of the line is a comment (Unbound's test style).
 * Aborts the test process on malformed input (a bug in the test, not the code).
 *
 * @return bytes written.
 */
size_t dg_test_hex(const char *text, uint8_t *out, size_t max);

/** Directory of the shared data set (../shared/data beside the repo), or NULL if absent. */
const char *dg_test_shared_data(void);

#endif /* DG_TEST_H */
