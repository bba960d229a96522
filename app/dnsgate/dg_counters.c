/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter of the appliance, once: name, help, type, scope and where it is kept.
 * Adding a counter is adding a row here; every output shows it.
 */
#include <stddef.h>

#include <rte_cycles.h>

#include "dg_counters.h"
#include "dg_counters_pvt.h"
#include "dg_feeds.h"
#include "dg_outputs.h"

static const char *
action_of(unsigned int i)
{
	return dg_action_name((enum dg_action)i);
}

static const char *
reason_of(unsigned int i)
{
	return dg_fwd_reason_name((enum dg_fwd_reason)i);
}

static const char *
untracked_of(unsigned int i)
{
	return dg_tcp_untracked_name((enum dg_tcp_untracked)i);
}

static const char *
unread_of(unsigned int i)
{
	return dg_tcp_unread_name((enum dg_tcp_unread)i);
}

static const char *
resp_of(unsigned int i)
{
	return dg_resp_reason_name((enum dg_resp_reason)i);
}

static const char *
trigger_of(unsigned int i)
{
	return dg_hit_trigger_name((enum dg_hit_trigger)i);
}

static const char *
encdns_of(unsigned int i)
{
	return dg_encdns_counter_name((enum dg_encdns_counter)i);
}

#define U64 sizeof(uint64_t)
#define ROW(n, t, sc, s, o, h, ...) \
	{ .name = n, .help = h, .type = DG_METRIC_##t, .scope = DG_METRIC_##sc, .src = s, \
	  .off = o, .stride = U64, __VA_ARGS__ }
/* Kinds of row, by where the value is kept. */
#define WORKER(n, t, f, h, ...) ROW(n, t, GLOBAL, SRC_WORKER, offsetof(struct dg_worker, f), h, \
				    __VA_ARGS__)
#define PORT(n, t, f, h, ...) ROW(n, t, PORT, SRC_WORKER_PORT, \
				  offsetof(struct dg_port_counters, f), h, __VA_ARGS__)
#define LINK(n, f, h) ROW(n, COUNTER, PORT, SRC_LINK, offsetof(struct dg_link_port, f), h)
#define NIC(n, f, h, ...) ROW("nic." n, COUNTER, PORT, SRC_NIC, offsetof(struct rte_eth_stats, f), \
			      "the NIC's " h " (rte_eth_stats " #f ")", __VA_ARGS__)
#define TCP(n, f, h, ...) ROW("tcp." n, COUNTER, GLOBAL, SRC_TCP, offsetof(struct dg_tcp_stats, f), \
			      h, __VA_ARGS__)
#define HITLOG(n, f, h) ROW("hitlog." n, COUNTER, GLOBAL, SRC_HITLOG, \
			   offsetof(struct dg_hitlog_stats, f), h)
#define DNSTAP(n, f, h) ROW("dnstap." n, COUNTER, GLOBAL, SRC_DNSTAP, \
			   offsetof(struct dg_dnstap_stats, f), h)
#define GET(n, t, sc, fn, h, ...) ROW(n, t, sc, SRC_GET, 0, h, .get = fn, __VA_ARGS__)
#define AT(n, t, s, type, f, h) ROW(n, t, GLOBAL, s, offsetof(type, f), h)
#define FEED(n, t, f, h) ROW("feed." n, t, GLOBAL, SRC_FEED, offsetof(struct dg_feed_status, f), \
			     h, .label = "zone", .each = dg_counters_each_feed)
#define ARRAY(lab, lo, hi, fn) .label = lab, .first = lo, .count = hi, .label_of = fn
#define TICKS .unit = DG_METRIC_UNIT_TICKS
#define COLUMN .flags = DG_METRIC_F_COLUMN

static const struct dg_metric table[] = {
	GET("uptime_seconds", GAUGE, GLOBAL, dg_counters_uptime, "time since the workers started",
	    TICKS),
	AT("generation", GAUGE, SRC_CONTROL, struct dg_control, generation,
	   "the serving snapshot's generation: each list change makes one"),
	WORKER("shed", COUNTER, cyc.shed,
	       "subscriber frames forwarded uninspected because their queue was behind"),
	WORKER("shed_episodes", COUNTER, cyc.shed_episodes,
	       "overload episodes: a queue behind until it drained"),
	WORKER("shed_seconds", COUNTER, cyc.shed_tsc, "time spent shedding, in episodes ended",
	       TICKS),
	PORT("rx", COUNTER, rx, "frames received", COLUMN),
	PORT("tx", COUNTER, tx, "frames the NIC accepted to send", COLUMN),
	PORT("dropped", COUNTER, dropped, "frames the NIC did not accept (TX queue full)",
	     COLUMN),
	GET("link_up", GAUGE, PORT, dg_counters_link_up, "1 while the link is up and not held down"),
	GET("link_held_down", GAUGE, PORT, dg_counters_link_held,
	    "1 while held down because the peer lost link (link_propagate)"),
	GET("link_propagate", GAUGE, PORT, dg_counters_link_propagate,
	    "1 where the port follows its peer's link faults"),
	LINK("link_changes", changes, "link transitions seen on the wire"),
	LINK("link_held_downs", held_downs, "times taken down for the peer"),
	LINK("link_failures", failures, "link down/up requests the driver refused"),
	NIC("ipackets", ipackets, "frames received"),
	NIC("opackets", opackets, "frames sent"),
	NIC("ibytes", ibytes, "bytes received"),
	NIC("obytes", obytes, "bytes sent"),
	NIC("imissed", imissed, "frames lost for want of room in an RX queue", COLUMN),
	NIC("ierrors", ierrors, "erroneous frames received"),
	NIC("oerrors", oerrors, "frames it failed to send"),
	NIC("rx_nombuf", rx_nombuf, "RX mbuf allocation failures", COLUMN),
	ROW("nic.xstats", COUNTER, PORT, SRC_GET, 0,
	    "the NIC's extended statistics, by name (rte_eth_xstats)", .label = "name",
	    .each = dg_counters_each_xstat),
	AT("watchdog.pings", COUNTER, SRC_APP, struct dg_app, wd.pings, "WATCHDOG=1 sent to systemd"),
	AT("watchdog.withheld", COUNTER, SRC_APP, struct dg_app, wd.withheld,
	   "watchdog checks that found a worker stalled (no ping sent)"),
	WORKER("loops", COUNTER, loops, "worker loop iterations (the watchdog's proof of life)"),
	WORKER("cycles.busy", COUNTER, cyc.busy_tsc,
	       "TSC cycles of loop iterations that received frames"),
	WORKER("cycles.work", COUNTER, cyc.work_tsc,
	       "TSC cycles in dnsgate's own code (parse, lookup, forge) of those iterations"),
	WORKER("cycles.frames", COUNTER, cyc.busy_pkts, "frames received in those iterations"),
	WORKER("queries", COUNTER, fc.queries,
	       "DNS queries whose name was read (a bad checksum too), opt-out excluded "
	       "(the published share's denominator)"),
	WORKER("optout_queries", COUNTER, fc.optout, "queries from opted-out subscribers"),
	GET("filtered", COUNTER, GLOBAL, dg_counters_filtered,
	    "listed queries answered, dropped or logged (every verdict but allow)"),
	WORKER("answered", COUNTER, fc.answered, "forged answers sent"),
	WORKER("truncated", COUNTER, fc.truncated, "answers sent with TC=1 and no records"),
	WORKER("reassembled", COUNTER, fc.reassembled,
	       "datagrams reassembled from fragments and decided"),
	WORKER("quarantined", COUNTER, fc.quarantined,
	       "queries of quarantined subscribers answered (or dropped) under quarantine; "
	       "not filtered"),
	WORKER("quarantine_allowed", COUNTER, fc.quarantine_allowed,
	       "queries of quarantined subscribers forwarded by the quarantine allow list"),
	WORKER("verdict", COUNTER, fc.verdict, "listed queries by what was done to them",
	       ARRAY("action", 0, DG_ACTION_COUNT, action_of)),
	WORKER("dropped", COUNTER, fc.drop, "listed queries dropped, by reason",
	       ARRAY("reason", 1, DG_FWD__MAX, reason_of)),
	WORKER("forward", COUNTER, fc.fwd, "frames forwarded unchanged, by their first defect",
	       ARRAY("reason", 1, DG_FWD__MAX, reason_of)),
	WORKER("response.inspected", COUNTER, fc.resp_inspected,
	       "network-side responses from the DNS port read whole, UDP and TCP "
	       "(docs/response-policy.md)"),
	WORKER("response.malformed", COUNTER, fc.resp_bad,
	       "network-side responses not read, forwarded unchanged, by reason",
	       ARRAY("reason", 1, DG_RESP__MAX, resp_of)),
	WORKER("response.listed", COUNTER, fc.resp_trigger,
	       "listed responses (allow excluded), by what matched",
	       ARRAY("trigger", 0, DG_HIT_TRIGGER_COUNT, trigger_of)),
	WORKER("response.verdict", COUNTER, fc.resp_verdict,
	       "listed responses by what was done to them (allow: shielded by the question)",
	       ARRAY("action", 0, DG_ACTION_COUNT, action_of)),
	WORKER("response.rewritten", COUNTER, fc.resp_rewritten,
	       "responses replaced by the forged answer to their question"),
	WORKER("response.optout", COUNTER, fc.resp_optout,
	       "listed responses to opted-out subscribers, forwarded"),
	WORKER("response.bad_checksum", COUNTER, fc.resp_fwd_bad_sum,
	       "listed responses with a wrong IPv4 or UDP checksum, forwarded"),
	TCP("flows", flows, "TCP/53 flows tracked from their SYN"),
	TCP("messages", messages, "DNS messages completed in client streams"),
	TCP("answered", answered, "TCP/53 flows answered in the stream"),
	TCP("dropped", dropped, "client segments with bytes dropped on answered flows"),
	TCP("evicted_idle", evicted_idle, "flows removed after tcp_idle"),
	TCP("bad_rst", bad_rst, "RSTs ignored: not at the receiver's next sequence number"),
	TCP("untracked", untracked, "client segments forwarded unfollowed, by reason",
	    ARRAY("reason", 0, DG_TCP_UNTRACKED__MAX, untracked_of)),
	TCP("responses", responses,
	    "DNS responses read whole in server segments (response policy over TCP)"),
	TCP("response_unread", resp_unread,
	    "server data segments forwarded without their responses read, by reason",
	    ARRAY("reason", 0, DG_TCP_UNREAD__MAX, unread_of)),
	TCP("response_dropped", resp_dropped,
	    "server segments with bytes dropped on flows answered by dnsgate"),
	WORKER("encdns", COUNTER, ec.c,
	       "encrypted DNS (DoT, DoQ, DoH) and the canary, by event (docs/encrypted-dns.md)",
	       ARRAY("event", 0, DG_ENCDNS_C__MAX, encdns_of)),
	ROW("doh_endpoint", COUNTER, GLOBAL, SRC_GET, 0,
	    "DoH ClientHellos by listed endpoint (name or prefix; those seen)",
	    .label = "endpoint", .each = dg_counters_each_doh_endpoint),
	HITLOG("written", written, "hit log records written (handed to the kernel)"),
	HITLOG("failed", failed, "hit log records lost: malformed, or a write error"),
	WORKER("hitlog.not_queued", COUNTER, fc.log_lost,
	       "hit log records lost in a worker: its ring to the writer thread was full"),
	HITLOG("reopens", reopens, "hit log files reopened (SIGHUP, dnsgatectl log rotate)"),
	HITLOG("rotations", rotations, "hit log files rotated (size, time or asked)"),
	HITLOG("compressed", compressed, "rotated hit log files gzipped"),
	HITLOG("removed", removed, "rotated hit log files removed beyond rotate_keep"),
	HITLOG("archive_errors", archive_errors,
	       "hit log rotations, compressions or removals that failed"),
	DNSTAP("written", written, "dnstap payloads handed to the socket or the file"),
	DNSTAP("lost_queue_full", lost_full,
	       "dnstap payloads dropped: the queue to its writer thread was full"),
	DNSTAP("lost_no_reader", lost_io,
	       "dnstap payloads dropped: no reader connected (or no file), or a write failed"),
	DNSTAP("bad", bad, "dnstap records that could not be encoded, or answers not rebuilt"),
	DNSTAP("connects", connects, "times the dnstap writer (re)opened its socket or file"),
	WORKER("dnstap.samples_not_queued", COUNTER, fc.sample_lost,
	       "sampled benign queries lost in a worker: its sample ring was full"),
	AT("history.intervals", COUNTER, SRC_OUTPUTS, struct dg_outputs, intervals,
	   "stats history intervals stored"),
	AT("history.errors", COUNTER, SRC_OUTPUTS, struct dg_outputs, history_errors,
	   "stats history writes that failed (the interval is kept open)"),
	AT("history.set_aside", COUNTER, SRC_OUTPUTS, struct dg_outputs, history_set_aside,
	   "damaged stats history files moved aside (a new one started)"),
	AT("control.reloads_ok", COUNTER, SRC_CONTROL, struct dg_control, reloads_ok,
	   "list reloads that went into service"),
	AT("control.reloads_failed", COUNTER, SRC_CONTROL, struct dg_control, reloads_failed,
	   "list reloads refused (the old lists kept serving)"),
	AT("feed.applied", COUNTER, SRC_FEEDS, struct dg_feeds, applied,
	   "feed results that reached the serving snapshot"),
	AT("feed.apply_failed", COUNTER, SRC_FEEDS, struct dg_feeds, apply_failed,
	   "feed deltas that failed (a reload follows)"),
	FEED("checks", COUNTER, checks, "SOA checks answered, by feed zone"),
	FEED("axfr", COUNTER, axfr, "full zone transfers applied, by feed zone"),
	FEED("ixfr", COUNTER, ixfr, "incremental zone transfers applied, by feed zone"),
	FEED("failures", COUNTER, failures, "checks and transfers that failed, by feed zone"),
	FEED("notifies", COUNTER, notifies, "NOTIFY messages accepted, by feed zone"),
	FEED("notifies_refused", COUNTER, notifies_refused,
	     "NOTIFY messages refused (source, zone or signature), by feed zone"),
	FEED("records", GAUGE, records, "resource records in the zone, by feed zone"),
	FEED("policies", GAUGE, policies, "entries the zone makes, by feed zone"),
	AT("ctl.accepted", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, accepted,
	   "control socket connections admitted"),
	AT("ctl.denied", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, denied,
	   "control socket connections refused: credentials"),
	AT("ctl.full", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, full,
	   "control socket connections refused: too many clients"),
	AT("ctl.requests", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, requests,
	   "control requests handled"),
	AT("ctl.too_long", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, too_long,
	   "control requests dropped: too long"),
	AT("ctl.timeouts", COUNTER, SRC_CTL_SERVER, struct dg_ctl_server_stats, timeouts,
	   "control requests dropped: time limit"),
	AT("audit.written", COUNTER, SRC_AUDIT, struct dg_ctl_audit_stats, written,
	   "audit log records written"),
	AT("audit.failed", COUNTER, SRC_AUDIT, struct dg_ctl_audit_stats, failed,
	   "audit log records not written"),
	ROW("identifier", COUNTER, GLOBAL, SRC_GET, 0,
	    "filtered queries by identifier (retired snapshots included)", .label = "identifier",
	    .label2 = "category", .each = dg_counters_each_ident, .flags = DG_METRIC_F_MGMT),
};

/* How each source keeps its counters, for the list. */
static const char *const kept[] = {
	[SRC_GET] = "computed when read", [SRC_WORKER] = "per worker, summed",
	[SRC_WORKER_PORT] = "per worker and port, summed",
	[SRC_TCP] = "per worker's TCP/53 table, summed", [SRC_APP] = "management loop",
	[SRC_LINK] = "management loop, per port", [SRC_NIC] = "NIC (rte_eth_stats)",
	[SRC_OUTPUTS] = "management loop (outputs)",
	[SRC_HITLOG] = "hit log writer thread", [SRC_DNSTAP] = "dnstap writer thread", [SRC_CONTROL] = "management loop (control)",
	[SRC_FEEDS] = "management loop (feeds)", [SRC_FEED] = "feed client, per feed",
	[SRC_CTL_SERVER] = "control socket server", [SRC_AUDIT] = "audit log writer",
};

void
dg_counters_list(FILE *out)
{
	fprintf(out, "| name | type | scope | array of | kept | help |\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct dg_metric *m = &table[i];

		fprintf(out, "| `%s` | %s%s | %s | %s%s%s | %s | %s |\n", m->name,
			m->type == DG_METRIC_COUNTER ? "counter" : "gauge",
			m->unit == DG_METRIC_UNIT_TICKS ? ", seconds" : "",
			m->scope == DG_METRIC_PORT ? "port" : "global", m->label ? m->label : "-",
			m->label2 ? ", " : "", m->label2 ? m->label2 : "",
			m->each == dg_counters_each_xstat ? "NIC (rte_eth_xstats)" :
			m->each == dg_counters_each_ident ? "snapshots (management core)" :
			m->each == dg_counters_each_doh_endpoint ? kept[SRC_WORKER] :
			kept[m->src], m->help);
	}
}

int
dg_counters_init(struct dg_control *ctl, struct dg_ctl_server *srv, char *err, size_t errlen)
{
	struct dg_counters c;

	dg_counters_where(ctl, srv);
	dg_counters_open(&c);
	return dg_metrics_check(&c.reg, err, errlen);
}

void
dg_counters_open(struct dg_counters *c)
{
	dg_counters_reg(c, table, sizeof(table) / sizeof(table[0]));
}
