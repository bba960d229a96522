/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>

#include "dg_test.h"

int
dg_test_run(const char *suite, const struct dg_test_case *tests, size_t n)
{
	CU_pSuite s;
	unsigned int fails;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return -1;
	s = CU_add_suite(suite, NULL, NULL);
	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return -1;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return (int)fails;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
dg_test_hex(const char *t, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *t != '\0'; t++) {
		if (*t == ';' || *t == '#') {
			while (*t != '\0' && *t != '\n')
				t++;
			if (*t == '\0')
				break;
			continue;
		}
		if (isspace((unsigned char)*t))
			continue;
		int v = hexval((unsigned char)*t);
		if (v < 0 || (hi < 0 && n >= max)) {
			fprintf(stderr, "dg_test_hex: bad vector near '%.16s'\n", t);
			abort();
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		fprintf(stderr, "dg_test_hex: odd number of digits\n");
		abort();
	}
	return n;
}

const char *
dg_test_shared_data(void)
{
	const char *env = getenv("DG_SHARED_DATA");
	struct stat st;

	if (env != NULL && stat(env, &st) == 0 && S_ISDIR(st.st_mode))
		return env;
	return NULL;
}
