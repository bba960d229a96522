/* SPDX-License-Identifier: BSD-3-Clause */
/* List options: `key=value` words, for configured lists and runtime changes alike. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_control.h"
#include "dg_err.h"

void
dg_control_opts_init(struct dg_control_opts *o)
{
	memset(o, 0, sizeof(*o));
	dg_list_opts_init(&o->list);
}

static int
copy_str(char *dst, const char *key, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n > DG_CONTROL_STR_MAX)
		return dg_errf(err, errlen, -EINVAL, "list option %s: %zu bytes, at most %d",
			       key, n, DG_CONTROL_STR_MAX);
	memcpy(dst, v, n + 1);
	return 0;
}

static int
one_opt(const char *key, size_t klen, const char *v, struct dg_control_opts *o, char *err,
	size_t errlen)
{
	struct dg_entry_meta *m = &o->list.defaults;
	char k[16];
	int x;

	if (klen >= sizeof(k))
		klen = sizeof(k) - 1;
	memcpy(k, key, klen);
	k[klen] = '\0';
	if (strcmp(k, "identifier") == 0 || strcmp(k, "id") == 0) {
		if (copy_str(o->identifier, "identifier", v, err, errlen) < 0)
			return -EINVAL;
		m->identifier = o->identifier;
	} else if (strcmp(k, "category") == 0) {
		if (copy_str(o->category, "category", v, err, errlen) < 0)
			return -EINVAL;
		m->category = o->category;
	} else if (strcmp(k, "action") == 0) {
		if ((x = dg_action_parse(v, strlen(v))) < 0)
			return dg_errf(err, errlen, -EINVAL, "list option action: unknown '%s'", v);
		m->action = (enum dg_action)x;
	} else if (strcmp(k, "mode") == 0 || strcmp(k, "match") == 0) {
		if ((x = dg_match_mode_parse(v, strlen(v))) < 0)
			return dg_errf(err, errlen, -EINVAL, "list option mode: unknown '%s'", v);
		o->list.mode = x;
	} else if (strcmp(k, "start") == 0 || strcmp(k, "end") == 0) {
		int end = k[0] == 'e';

		if (dg_list_parse_day(v, strlen(v), end ? UINT32_MAX : 0,
				      end ? &m->end_day : &m->start_day) < 0)
			return dg_errf(err, errlen, -EINVAL,
				       "list option %s: expected YYYY-MM-DD, got '%s'", k, v);
	} else if (strcmp(k, "sinkhole4") == 0 || strcmp(k, "sinkhole6") == 0) {
		struct dg_config_addr a;
		int six = k[8] == '6';

		if (dg_config_parse_addr(v, &a) < 0 || a.family != (six ? 6 : 4))
			return dg_errf(err, errlen, -EINVAL, "list option %s: bad address '%s'", k,
				       v);
		if (six) {
			memcpy(m->sinkhole6, a.addr, 16);
			m->has_sinkhole6 = 1;
		} else {
			memcpy(m->sinkhole4, a.addr, 4);
			m->has_sinkhole4 = 1;
		}
	} else {
		return dg_errf(err, errlen, -EINVAL, "list option '%s': unknown (identifier, "
			       "category, action, mode, start, end, sinkhole4, sinkhole6)", k);
	}
	return 0;
}

int
dg_control_parse_opts(const char *const *words, size_t n, struct dg_control_opts *o,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = strchr(words[i], '=');

		if (v == NULL)
			return dg_errf(err, errlen, -EINVAL, "list option '%s': expected key=value",
				       words[i]);
		if (one_opt(words[i], (size_t)(v - words[i]), v + 1, o, err, errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

int
dg_control_parse_opts_line(const char *line, struct dg_control_opts *o, char *err,
			   size_t errlen)
{
	char *copy = strdup(line), *save = NULL, *tok;
	int rc = 0;

	if (copy == NULL)
		return dg_errf(err, errlen, -ENOMEM, "out of memory");
	for (tok = strtok_r(copy, " \t", &save); rc == 0 && tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		const char *w = tok;

		rc = dg_control_parse_opts(&w, 1, o, err, errlen);
	}
	free(copy);
	return rc;
}
