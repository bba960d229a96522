/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quarantine policy: rpz-client-ip triggers (lengths at the last value and one past),
 * query types, the allow list (subtree), and the zone and prefix file loaders.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_quarantine.h"
#include "dg_test.h"

/* rpz-client-ip owner text to `addr/len`, or NULL when refused. */
static const char *
rpz(const char *owner)
{
	static char out[DG_OPTOUT_PREFIX_STRLEN];
	struct dg_optout_prefix p;
	const char *why = NULL;

	if (dg_quarantine_rpz_prefix_parse(owner, strlen(owner), &p, &why) != 0) {
		CU_ASSERT_PTR_NOT_NULL(why);
		return NULL;
	}
	CU_ASSERT_FATAL(dg_optout_prefix_format(&p, out, sizeof(out)) == 0);
	return out;
}

static void
test_quarantine_rpz_v4(void)
{
	CU_ASSERT_STRING_EQUAL(rpz("24.0.2.0.192"), "192.0.2.0/24");
	CU_ASSERT_STRING_EQUAL(rpz("32.1.0.18.198"), "198.18.0.1/32");    /* the last length */
	CU_ASSERT_PTR_NULL(rpz("33.1.0.18.198"));                          /* one past */
	CU_ASSERT_STRING_EQUAL(rpz("1.0.0.0.128"), "128.0.0.0/1");         /* the first */
	CU_ASSERT_PTR_NULL(rpz("0.0.0.0.0"));                              /* one before */
	CU_ASSERT_PTR_NULL(rpz("8.255.255.255.255"));                     /* host bits */
	CU_ASSERT_STRING_EQUAL(rpz("32.255.255.255.255"), "255.255.255.255/32");
	CU_ASSERT_PTR_NULL(rpz("32.256.0.18.198"));                        /* octet one past */
	CU_ASSERT_PTR_NULL(rpz("24.0.18.198"));                            /* three octets */
	CU_ASSERT_PTR_NULL(rpz("24.0.0.2.0.192"));                         /* five: no v6 */
	CU_ASSERT_PTR_NULL(rpz("24.00.2.0.192"));                          /* leading zero */
	CU_ASSERT_PTR_NULL(rpz("024.0.2.0.192"));
	CU_ASSERT_PTR_NULL(rpz("24.0.2..192"));                            /* empty label */
	CU_ASSERT_PTR_NULL(rpz("24.0.2.0.192."));                          /* trailing dot */
	CU_ASSERT_PTR_NULL(rpz(""));
	CU_ASSERT_PTR_NULL(rpz("x.0.2.0.192"));
}

static void
test_quarantine_rpz_v6(void)
{
	CU_ASSERT_STRING_EQUAL(rpz("64.zz.2.2001"), "2001:2::/64");
	CU_ASSERT_STRING_EQUAL(rpz("128.1.zz.2.2001"), "2001:2::1/128");   /* the last length */
	CU_ASSERT_PTR_NULL(rpz("129.1.zz.2.2001"));                        /* one past */
	CU_ASSERT_STRING_EQUAL(rpz("128.8.7.6.5.4.3.2.1"), "1:2:3:4:5:6:7:8/128");
	CU_ASSERT_STRING_EQUAL(rpz("128.1.zz"), "::1/128");                /* zeros first */
	CU_ASSERT_STRING_EQUAL(rpz("16.zz.FFFF"), "ffff::/16");            /* case, zeros last */
	CU_ASSERT_PTR_NULL(rpz("128.9.8.7.6.5.4.3.2.1"));                  /* nine words */
	CU_ASSERT_PTR_NULL(rpz("128.7.6.5.4.3.2.1"));                      /* seven, no zz */
	CU_ASSERT_PTR_NULL(rpz("128.1.zz.2.zz.2001"));                     /* zz twice */
	CU_ASSERT_PTR_NULL(rpz("128.10000.zz.2001"));                      /* five hex digits */
	CU_ASSERT_PTR_NULL(rpz("128.g.zz.2001"));
	CU_ASSERT_PTR_NULL(rpz("48.1.zz.2.2001"));                         /* host bits */
	CU_ASSERT_PTR_NULL(rpz("0.zz"));
	CU_ASSERT_PTR_NULL(rpz("128"));                                     /* no address */
	CU_ASSERT_PTR_NULL(rpz("128.8.7.6.5.4.3.2.1.0.0"));                /* too many labels */
}

static void
test_quarantine_qtypes(void)
{
	struct dg_quarantine_cfg c = { .action = DG_ACTION_SINKHOLE };
	struct dg_quarantine *q;

	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("A, aaaa TYPE65 255", &c), 0);
	CU_ASSERT_EQUAL(c.n_qtypes, 4);
	CU_ASSERT_EQUAL(c.qtypes[1], 28);
	CU_ASSERT_EQUAL(c.qtypes[2], 65);
	CU_ASSERT_EQUAL(c.qtypes[3], 255);
	CU_ASSERT_EQUAL(dg_quarantine_build(&c, NULL, &q), 0);
	CU_ASSERT(dg_quarantine_wants_type(q, 28));
	CU_ASSERT(!dg_quarantine_wants_type(q, 15));
	CU_ASSERT_STRING_EQUAL(dg_quarantine_meta(q, 0)->identifier, DG_QUARANTINE_IDENT);
	CU_ASSERT_EQUAL(dg_quarantine_meta(q, 0)->action, DG_ACTION_SINKHOLE);
	dg_quarantine_free(q);
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("65535", &c), 0);  /* the last type */
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("65536", &c), -EINVAL); /* one past */
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("A A A A A A A A", &c), 0); /* eight */
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("A A A A A A A A A", &c), -EINVAL);
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("BOGUS", &c), -EINVAL);
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse(" , ", &c), -EINVAL);
	CU_ASSERT_EQUAL(dg_quarantine_qtypes_parse("all", &c), 0);
	CU_ASSERT_EQUAL(c.n_qtypes, 0);
	CU_ASSERT_EQUAL(dg_quarantine_build(&c, NULL, &q), 0);
	CU_ASSERT(dg_quarantine_wants_type(q, 15));
	dg_quarantine_free(q);
	/* a prefix's own action */
	{
		uint8_t v = 9;

		CU_ASSERT_EQUAL(dg_quarantine_opt_parse("action=nxdomain", &v), 0);
		CU_ASSERT_EQUAL(v, DG_QUARANTINE_NXDOMAIN);
		CU_ASSERT_EQUAL(dg_quarantine_opt_parse("action=sinkhole", &v), 0);
		CU_ASSERT_EQUAL(v, DG_QUARANTINE_SINKHOLE);
		CU_ASSERT_EQUAL(dg_quarantine_opt_parse("action=drop", &v), -EINVAL);
		CU_ASSERT_EQUAL(dg_quarantine_opt_parse("mode=nxdomain", &v), -EINVAL);
		CU_ASSERT_EQUAL(dg_quarantine_opt_parse("action=nxdomainx", &v), -EINVAL);
		CU_ASSERT_STRING_EQUAL(dg_quarantine_action_name(DG_QUARANTINE_NXDOMAIN),
				       "nxdomain");
		CU_ASSERT_PTR_NULL(dg_quarantine_action_name(DG_QUARANTINE_DEFAULT));
		CU_ASSERT_PTR_NULL(dg_quarantine_action_name(DG_QUARANTINE__MAX)); /* one past */
	}
	CU_ASSERT_EQUAL(dg_quarantine_build(&c, NULL, &q), 0);
	CU_ASSERT_EQUAL(dg_quarantine_meta(q, DG_QUARANTINE_NXDOMAIN)->action, DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(dg_quarantine_meta(q, DG_QUARANTINE_SINKHOLE)->action, DG_ACTION_SINKHOLE);
	CU_ASSERT_PTR_EQUAL(dg_quarantine_meta(q, DG_QUARANTINE__MAX), dg_quarantine_meta(q, 0));
	CU_ASSERT(dg_quarantine_is_meta(q, dg_quarantine_meta(q, DG_QUARANTINE_NXDOMAIN)));
	{
		struct dg_entry_meta other = *dg_quarantine_meta(q, 0);

		CU_ASSERT(!dg_quarantine_is_meta(q, &other));
		CU_ASSERT(!dg_quarantine_is_meta(NULL, &other));
	}
	dg_quarantine_free(q);
	c.action = DG_ACTION_DROP; /* only sinkhole or nxdomain */
	CU_ASSERT_EQUAL(dg_quarantine_build(&c, NULL, &q), -EINVAL);
}

static char *
tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/dg_quar_XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static bool
allowed(const struct dg_quarantine *q, const char *name)
{
	struct dg_name n;

	CU_ASSERT_FATAL(dg_name_from_text(&n, name, strlen(name)) == 0);
	return dg_quarantine_allowed(q, &n);
}

static void
test_quarantine_allow_list(void)
{
	struct dg_quarantine_cfg c = { .action = DG_ACTION_NXDOMAIN };
	struct dg_quarantine *q;
	struct dg_filter *f;
	char err[256];
	char *path = tmpfile_with("# operator's sites\nsupport.ISP.test\n*.portal.test  # x\n\n");

	CU_ASSERT_EQUAL_FATAL(dg_quarantine_allow_load(path, &f, err, sizeof(err)), 0);
	unlink(path);
	CU_ASSERT_EQUAL(dg_quarantine_build(&c, f, &q), 0);
	CU_ASSERT_EQUAL(dg_quarantine_allow_count(q), 2);
	CU_ASSERT(allowed(q, "support.isp.test"));
	CU_ASSERT(allowed(q, "a.b.Support.isp.test"));
	CU_ASSERT(allowed(q, "portal.test"));
	CU_ASSERT(!allowed(q, "isp.test"));
	CU_ASSERT(!allowed(q, "xsupport.isp.test"));
	dg_quarantine_free(q);
	path = tmpfile_with("ok.test\ntwo names.test\n");
	CU_ASSERT_EQUAL(dg_quarantine_allow_load(path, &f, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: one name per line"));
	unlink(path);
	path = tmpfile_with("# nothing\n");
	CU_ASSERT_EQUAL(dg_quarantine_allow_load(path, &f, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(f);
	unlink(path);
	CU_ASSERT_EQUAL(dg_quarantine_allow_load("/nonexistent/x", &f, err, sizeof(err)),
			-ENOENT);
}

static void
test_quarantine_rpz_load(void)
{
	struct dg_optout_prefix *v = NULL;
	char err[256], t[DG_OPTOUT_PREFIX_STRLEN];
	size_t n = 0;
	char *path = tmpfile_with(
		"$TTL 300\n"
		"@ SOA ns. admin. ( 1 3600\n"
		"  600 86400 300 )\n"
		"  NS ns.\n"
		"evil.example CNAME .\n"
		"24.0.2.0.192.rpz-client-ip CNAME . ; a relative trigger\n"
		"32.1.0.18.198.rpz-client-ip.rpz.test. 60 IN A 198.18.254.1\n"
		"64.zz.2.2001.RPZ-CLIENT-IP CNAME rpz-drop.\n"
		"32.9.0.18.198.rpz-client-ip CNAME rpz-passthru.\n"
		"24.0.2.0.192.rpz-ip CNAME .\n");

	CU_ASSERT_EQUAL_FATAL(dg_quarantine_rpz_load(path, &v, &n, err, sizeof(err)), 0);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	dg_optout_prefix_format(&v[0], t, sizeof(t));
	CU_ASSERT_STRING_EQUAL(t, "192.0.2.0/24");
	dg_optout_prefix_format(&v[1], t, sizeof(t));
	CU_ASSERT_STRING_EQUAL(t, "198.18.0.1/32");
	dg_optout_prefix_format(&v[2], t, sizeof(t));
	CU_ASSERT_STRING_EQUAL(t, "2001:2::/64");
	/* a plain prefix file appends */
	path = tmpfile_with("198.19.0.0/16\n");
	CU_ASSERT_EQUAL(dg_quarantine_file_load(path, &v, &n, err, sizeof(err)), 0);
	unlink(path);
	CU_ASSERT_EQUAL(n, 4);
	free(v);
	v = NULL;
	n = 0;
	path = tmpfile_with("24.0.2.0.192.rpz-client-ip CNAME .\n33.1.0.18.198.rpz-client-ip "
			    "CNAME .\n");
	CU_ASSERT_EQUAL(dg_quarantine_rpz_load(path, &v, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: rpz-client-ip trigger: IPv4 prefix length"));
	unlink(path);
	free(v);
}

DG_TEST_MAIN("quarantine",
	DG_TEST(test_quarantine_rpz_v4),
	DG_TEST(test_quarantine_rpz_v6),
	DG_TEST(test_quarantine_qtypes),
	DG_TEST(test_quarantine_allow_list),
	DG_TEST(test_quarantine_rpz_load))
