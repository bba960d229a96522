/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The report's words, dates and periods in English (default) or in the Japanese of the
 * carrier's published report: 「2024 年 4 月～2024 年 6 月」, dates 2024/04/16.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const msgs[RP_LANG_COUNT][RP_M_COUNT] = {
	[RP_LANG_EN] = {
		[RP_M_TITLE] = "DNS filtering report %s",
		[RP_M_PERIOD] = "Period: %s (%s to %s, %s). Appliances: ",
		[RP_M_DBS_ONE] = " (%u database).",
		[RP_M_DBS_MANY] = " (%u databases).",
		[RP_M_H_SHARE] = "Share of DNS queries affected by filtering",
		[RP_M_SHARE_NOTE] = "Filtered queries / all queries, opt-out excluded; %s: no"
			" queries counted.",
		[RP_M_NA] = "n/a",
		[RP_M_H_COUNTS] = "Queries counted",
		[RP_M_COL_MONTH] = "Month",
		[RP_M_COL_DAY] = "Day",
		[RP_M_COL_QUERIES] = "Queries (opt-out excluded)",
		[RP_M_COL_OPTOUT] = "Opt-out queries",
		[RP_M_COL_FILTERED] = "Filtered queries",
		[RP_M_COL_SHARE] = "Share of queries affected",
		[RP_M_TOTAL] = "Total",
		[RP_M_H_IDENTS] = "Malware identifiers filtered in the period",
		[RP_M_COL_IDENT] = "Identifier",
		[RP_M_COL_FQDNS] = "FQDNs",
		[RP_M_COL_BEHAV] = "Behaviour",
		[RP_M_COL_START] = "Filtering start",
		[RP_M_COL_END] = "Filtering end",
		[RP_M_NONE] = "None.",
		[RP_M_UNKNOWN] = "?",
		[RP_M_OPEN_START] = "-",
		[RP_M_OPEN_END] = "-",
		[RP_M_H_NEW] = "Identifiers newly registered in the period",
		[RP_M_H_BEHAV] = "Filtered queries by behaviour",
		[RP_M_H_TREND] = "Filtered queries per identifier and month",
		[RP_M_TREND_NOTE] = "Filtered queries of each identifier above, by month.",
		[RP_M_COL_TREND] = "Trend",
		[RP_M_H_QUIET] = "Quiet identifiers: candidates for an end date",
		[RP_M_QUIET_NOTE] = "Still filtered on %s with no filtered query for %u days or"
			" more (counted from the first day of the histories when they start"
			" later).",
		[RP_M_QUIET_NODATA] = "No interval recorded up to the end of the period.",
		[RP_M_COL_LAST_HIT] = "Last filtered query",
		[RP_M_COL_QUIET_DAYS] = "Days without filtered queries",
		[RP_M_NEVER] = "never",
		[RP_M_DAILY] = "Daily figures",
		[RP_M_CH_TITLE] = "Share of DNS queries affected (filtered / all, opt-out"
			" excluded)",
		[RP_M_CH_DAILY] = "daily share (no bar: no queries counted that day)",
		[RP_M_CH_MONTHLY] = "monthly share",
		[RP_M_CSV_HEAD] = "section,period,queries,optout_queries,filtered,share_percent,"
			"identifier,category,fqdns,start,end,hits,new,last_hit,quiet_days",
	},
	[RP_LANG_JA] = {
		[RP_M_TITLE] = "DNS フィルタリング実施状況 %s",
		[RP_M_PERIOD] = "対象期間：%s（%s～%s、%s）。装置：",
		[RP_M_DBS_ONE] = "（データベース %u 件）。",
		[RP_M_DBS_MANY] = "（データベース %u 件）。",
		[RP_M_H_SHARE] = "フィルタリングの影響を受けた DNS クエリの割合",
		[RP_M_SHARE_NOTE] = "影響を受けたクエリの割合＝フィルタリングしたクエリ数÷"
			"全クエリ数（オプトアウト分を除く）。%s：集計したクエリなし。",
		[RP_M_NA] = "集計なし",
		[RP_M_H_COUNTS] = "月別のクエリ数",
		[RP_M_COL_MONTH] = "対象期間",
		[RP_M_COL_DAY] = "日付",
		[RP_M_COL_QUERIES] = "クエリ数（オプトアウト分を除く）",
		[RP_M_COL_OPTOUT] = "オプトアウトのクエリ数",
		[RP_M_COL_FILTERED] = "フィルタリングしたクエリ数",
		[RP_M_COL_SHARE] = "影響を受けたクエリの割合",
		[RP_M_TOTAL] = "合計",
		[RP_M_H_IDENTS] = "フィルタリングを実施したマルウェアの識別子",
		[RP_M_COL_IDENT] = "識別子",
		[RP_M_COL_FQDNS] = "FQDN 数",
		[RP_M_COL_BEHAV] = "挙動",
		[RP_M_COL_START] = "フィルタリング開始日",
		[RP_M_COL_END] = "フィルタリング終了日",
		[RP_M_NONE] = "なし。",
		[RP_M_UNKNOWN] = "不明",
		[RP_M_OPEN_START] = "-",
		[RP_M_OPEN_END] = "なし",
		[RP_M_H_NEW] = "期間中に新たに登録した識別子",
		[RP_M_H_BEHAV] = "挙動別のフィルタリングしたクエリ数",
		[RP_M_H_TREND] = "識別子ごとの月別推移",
		[RP_M_TREND_NOTE] = "上記の識別子ごとの、月別のフィルタリングしたクエリ数。",
		[RP_M_COL_TREND] = "推移",
		[RP_M_H_QUIET] = "フィルタリング終了日の設定候補",
		[RP_M_QUIET_NOTE] = "%s 時点でフィルタリング中で、%u 日以上フィルタリングした"
			"クエリのない識別子（履歴がそれより後に始まるときは履歴の初日から数える）。",
		[RP_M_QUIET_NODATA] = "期間の終わりまでに記録された集計がありません。",
		[RP_M_COL_LAST_HIT] = "最後にフィルタリングしたクエリ",
		[RP_M_COL_QUIET_DAYS] = "クエリのない日数",
		[RP_M_NEVER] = "なし",
		[RP_M_DAILY] = "日別の数値",
		[RP_M_CH_TITLE] = "影響を受けた DNS クエリの割合（フィルタリングしたクエリ数÷"
			"全クエリ数、オプトアウト分を除く）",
		[RP_M_CH_DAILY] = "日別の割合（棒なし：その日はクエリの記録なし）",
		[RP_M_CH_MONTHLY] = "月別の割合",
		[RP_M_CSV_HEAD] = "区分,対象期間,クエリ数,オプトアウトのクエリ数,"
			"フィルタリングしたクエリ数,影響を受けたクエリの割合(%),識別子,挙動,"
			"FQDN 数,フィルタリング開始日,フィルタリング終了日,識別子のクエリ数,新規,"
			"最後にフィルタリングしたクエリ,クエリのない日数",
	},
};

int
rp_lang_parse(const char *s, enum rp_lang *lang)
{
	if (strcmp(s, "en") == 0)
		*lang = RP_LANG_EN;
	else if (strcmp(s, "ja") == 0)
		*lang = RP_LANG_JA;
	else
		return -1;
	return 0;
}

const char *
rp_msg(const struct rp_report *r, enum rp_msg m)
{
	return msgs[r->lang][m];
}

bool
rp_carrier(const struct rp_report *r)
{
	return r->lang == RP_LANG_JA;
}

void
rp_date(const struct rp_report *r, int64_t day, const char *open, char *buf, size_t len)
{
	unsigned int m, d;
	int64_t y;

	if (day < 0) {
		snprintf(buf, len, "%s", open);
		return;
	}
	rp_civil(day, &y, &m, &d);
	snprintf(buf, len, r->lang == RP_LANG_JA ? "%04u/%02u/%02u" : "%04u-%02u-%02u",
		 (unsigned int)(y % 10000), m, d);
}

void
rp_month(const struct rp_report *r, int64_t day, char *buf, size_t len)
{
	unsigned int m, d;
	int64_t y;

	rp_civil(day, &y, &m, &d);
	snprintf(buf, len, r->lang == RP_LANG_JA ? "%04u 年 %u 月" : "%04u-%02u",
		 (unsigned int)(y % 10000), m);
}

void
rp_period(const struct rp_report *r, char *buf, size_t len)
{
	char a[32], b[32];

	rp_month(r, (r->t0 + r->utc_off) / 86400, a, sizeof(a));
	/* The last month: the one holding the period's last day. */
	rp_month(r, (r->t1 + r->utc_off) / 86400 - 1, b, sizeof(b));
	snprintf(buf, len, r->lang == RP_LANG_JA ? "%s～%s" : "%s to %s", a, b);
}

void
rp_row_label(const struct rp_report *r, const struct rp_row *w, char *buf, size_t len)
{
	int64_t day = (w->t0 + r->utc_off) / 86400;

	if (w == &r->total)
		snprintf(buf, len, "%s", rp_msg(r, RP_M_TOTAL));
	else if (w->t1 - w->t0 > 86400)
		rp_month(r, day, buf, len);
	else
		rp_date(r, day, "", buf, len);
}

const char *
rp_behaviour(const struct rp_report *r, const char *category)
{
	const char *t = r->map != NULL && category != NULL ? rp_map_get(r->map, category) :
							     NULL;

	return t != NULL ? t : category;
}

void
rp_share_text(const struct rp_report *r, uint64_t filtered, uint64_t queries, char buf[64])
{
	if (queries == 0)
		snprintf(buf, 64, "%s", rp_msg(r, RP_M_NA));
	else
		rp_share(filtered, queries, buf);
}

static int
cat_cmp(const void *a, const void *b)
{
	const struct rp_cat *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits < y->hits ? 1 : -1;
	if (x->category == NULL || y->category == NULL)
		return (y->category == NULL) - (x->category == NULL); /* NULL first, as SQL */
	return strcmp(x->category, y->category);
}

int
rp_map_cats(struct rp_report *r)
{
	size_t i, j, n = 0;

	if (r->map == NULL)
		return 0;
	for (i = 0; i < r->n_cats; i++) {
		struct rp_cat *c = &r->cats[i];
		const char *t = c->category ? rp_map_get(r->map, c->category) : NULL;

		if (t != NULL) {
			char *copy = strdup(t);

			if (copy == NULL)
				return -1;
			free(c->category);
			c->category = copy;
		}
		/* Two categories with one wording are one behaviour. */
		for (j = 0; j < n; j++) {
			if (c->category != NULL && r->cats[j].category != NULL &&
			    strcmp(c->category, r->cats[j].category) == 0)
				break;
		}
		if (j < n) {
			r->cats[j].hits += c->hits;
			free(c->category);
		} else {
			r->cats[n++] = *c;
		}
	}
	r->n_cats = n;
	qsort(r->cats, n, sizeof(*r->cats), cat_cmp);
	return 0;
}
