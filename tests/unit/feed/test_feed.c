/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The feed client against a fake primary built on ldns (its own message encoding and TSIG,
 * served over a socketpair through the client's connect hook): AXFR, IXFR, restart from
 * the zone file, TSIG refused both ways, truncated, backwards and malformed transfers,
 * IXFR fallbacks, NOTIFY checks, and the zone file read by the list loader.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dg_feed.h"
#include "dg_test.h"
#include "feed_pvt.h"

#define KEY "xfr-key"
#define SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define WRONG "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* What the fake primary serves and how it misbehaves. */
struct primary {
	const char *soa;             /* "SERIAL" is put in */
	uint32_t serial;
	const char *const *zone;     /* records below the apex */
	/* IXFR from ixfr_from: deletions and additions, ending at serial */
	uint32_t ixfr_from;
	const char *const *del, *const *add;
	const char *secret;          /* what it signs and verifies with; NULL: no TSIG */
	int refuse_ixfr;             /* answer IXFR with REFUSED */
	int truncate;                /* close after this many answer messages (0: never) */
	int unsigned_reply;          /* answers without TSIG */
	int per_msg;                 /* records per message */
	int delay_ms;                /* pause before each answer message */
	/* seen */
	int queries, last_type;
	uint32_t last_ixfr_serial;
	pthread_mutex_t lock;
};

struct conn {
	struct primary *p;
	int fd;
};

static ldns_rr *
rr(const char *text)
{
	ldns_rr *r = NULL;

	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&r, text, 300, NULL, NULL) == LDNS_STATUS_OK);
	return r;
}

static ldns_rr *
soa(const struct primary *p, uint32_t serial)
{
	char text[256];

	snprintf(text, sizeof(text), p->soa, serial);
	return rr(text);
}

static int
read_msg(int fd, uint8_t *buf, size_t *len)
{
	uint8_t l[2];

	if (recv(fd, l, 2, MSG_WAITALL) != 2)
		return -1;
	*len = (size_t)l[0] << 8 | l[1];
	return recv(fd, buf, *len, MSG_WAITALL) == (ssize_t)*len ? 0 : -1;
}

/* Frame and send one message: 0, or -1 when the client has gone. */
static int
send_pkt(struct conn *c, ldns_pkt *a, ldns_rdf **mac, int later)
{
	int rc = 0;

	uint8_t *wire = NULL, l[2];
	size_t wl = 0;

	if (c->p->secret != NULL && !c->p->unsigned_reply) {
		CU_ASSERT_FATAL(ldns_pkt_tsig_sign_next(a, KEY, c->p->secret, 300, "hmac-sha256.",
							*mac, later) == LDNS_STATUS_OK);
		ldns_rdf_deep_free(*mac);
		*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(a), 3));
	}
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, a, &wl) == LDNS_STATUS_OK);
	l[0] = (uint8_t)(wl >> 8);
	l[1] = (uint8_t)wl;
	if (send(c->fd, l, 2, MSG_NOSIGNAL) != 2 ||
	    send(c->fd, wire, wl, MSG_NOSIGNAL) != (ssize_t)wl)
		rc = -1;
	free(wire);
	return rc;
}

static ldns_pkt *
reply_to(const ldns_pkt *q)
{
	ldns_pkt *a = ldns_pkt_new();

	ldns_pkt_set_id(a, ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION,
			 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	return a;
}

/* The answer records in order, in messages of p->per_msg. */
static void
send_records(struct conn *c, const ldns_pkt *q, ldns_rr_list *l, ldns_rdf **mac)
{
	size_t n = ldns_rr_list_rr_count(l), i = 0;
	int msgs = 0;

	while (i < n) {
		ldns_pkt *a = reply_to(q);

		for (int k = 0; k < c->p->per_msg && i < n; k++, i++)
			ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(l, i)));
		if (c->p->delay_ms > 0)
			usleep((useconds_t)c->p->delay_ms * 1000);
		if (send_pkt(c, a, mac, msgs > 0) < 0)
			i = n;
		ldns_pkt_free(a);
		if (++msgs == c->p->truncate)
			break;
	}
}

static void *
serve(void *arg)
{
	struct conn *c = arg;
	struct primary *p = c->p;
	uint8_t buf[65536];
	size_t len;
	ldns_pkt *q = NULL;
	ldns_rdf *mac = NULL;
	ldns_rr_list *l = ldns_rr_list_new();
	ldns_rr_type t;

	if (read_msg(c->fd, buf, &len) < 0 || ldns_wire2pkt(&q, buf, len) != LDNS_STATUS_OK)
		goto out;
	t = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	pthread_mutex_lock(&p->lock);
	p->queries++;
	p->last_type = t;
	if (t == LDNS_RR_TYPE_IXFR && ldns_pkt_nscount(q) == 1)
		p->last_ixfr_serial = ldns_rdf2native_int32(ldns_rr_rdf(
			ldns_rr_list_rr(ldns_pkt_authority(q), 0), 2));
	pthread_mutex_unlock(&p->lock);
	if (p->secret != NULL) {
		ldns_rdf *qmac = ldns_pkt_tsig(q) ? ldns_rr_rdf(ldns_pkt_tsig(q), 3) : NULL;

		if (qmac == NULL || !ldns_pkt_tsig_verify(q, buf, len, KEY, p->secret, NULL)) {
			/* RFC 8945 5.3.2: NOTAUTH, a TSIG record with error BADSIG, no MAC */
			ldns_pkt *a = reply_to(q);
			static const uint8_t zero[6];
			ldns_rr *tsig = ldns_rr_new();

			ldns_rr_set_owner(tsig, ldns_dname_new_frm_str(KEY));
			ldns_rr_set_type(tsig, LDNS_RR_TYPE_TSIG);
			ldns_rr_set_class(tsig, LDNS_RR_CLASS_ANY);
			ldns_rr_push_rdf(tsig, ldns_dname_new_frm_str("hmac-sha256."));
			ldns_rr_push_rdf(tsig, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TSIGTIME, 6, zero));
			ldns_rr_push_rdf(tsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 300));
			ldns_rr_push_rdf(tsig, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, zero));
			ldns_rr_push_rdf(tsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, ldns_pkt_id(q)));
			ldns_rr_push_rdf(tsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 16));
			ldns_rr_push_rdf(tsig, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2, zero));

			ldns_pkt_set_rcode(a, LDNS_RCODE_NOTAUTH);
			ldns_pkt_set_tsig(a, tsig);
			p->unsigned_reply++;
			send_pkt(c, a, &mac, 0);
			p->unsigned_reply--;
			ldns_pkt_free(a);
			goto out;
		}
		mac = ldns_rdf_clone(qmac);
	}
	if (t == LDNS_RR_TYPE_SOA || (t == LDNS_RR_TYPE_IXFR && p->refuse_ixfr)) {
		ldns_pkt *a = reply_to(q);

		if (t == LDNS_RR_TYPE_SOA)
			ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, soa(p, p->serial));
		else
			ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
		send_pkt(c, a, &mac, 0);
		ldns_pkt_free(a);
		goto out;
	}
	ldns_rr_list_push_rr(l, soa(p, p->serial));
	if (t == LDNS_RR_TYPE_IXFR && p->ixfr_from != 0 && p->last_ixfr_serial == p->ixfr_from) {
		ldns_rr_list_push_rr(l, soa(p, p->ixfr_from));
		for (int i = 0; p->del[i] != NULL; i++)
			ldns_rr_list_push_rr(l, rr(p->del[i]));
		ldns_rr_list_push_rr(l, soa(p, p->serial));
		for (int i = 0; p->add[i] != NULL; i++)
			ldns_rr_list_push_rr(l, rr(p->add[i]));
	} else if (!(t == LDNS_RR_TYPE_IXFR && p->last_ixfr_serial == p->serial)) {
		for (int i = 0; p->zone[i] != NULL; i++)
			ldns_rr_list_push_rr(l, rr(p->zone[i]));
	}
	if (ldns_rr_list_rr_count(l) > 1)
		ldns_rr_list_push_rr(l, soa(p, p->serial));
	send_records(c, q, l, &mac);
out:
	ldns_rr_list_deep_free(l);
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(q);
	close(c->fd);
	free(c);
	return NULL;
}

static int
fake_connect(void *arg, const struct dg_config_feed *f)
{
	int sv[2];
	pthread_t t;
	struct conn *c = malloc(sizeof(*c));

	(void)f;
	if (c == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(c);
		return -ENOMEM;
	}
	c->p = arg;
	c->fd = sv[1];
	pthread_create(&t, NULL, serve, c);
	pthread_detach(t);
	return sv[0];
}

static const char *const zone1[] = {
	"nx.example.com.rpz.example. CNAME .",
	"*.wild.example.com.rpz.example. CNAME *.",
	"s.example.com.rpz.example. A 192.0.2.1",
	"s.example.com.rpz.example. AAAA 2001:db8::1",
	"pass.nx.example.com.rpz.example. CNAME rpz-passthru.",
	"t.example.com.rpz.example. TXT \"paren ( and ; semicolon\"",
	"32.1.2.0.192.rpz-ip.rpz.example. CNAME .",
	"rpz.example. NS ns.rpz.example.",
	NULL,
};
/* serial 1 -> 2: nx goes, drop comes, s moves to another address */
static const char *const del12[] = {
	"nx.example.com.rpz.example. CNAME .",
	"s.example.com.rpz.example. A 192.0.2.1",
	NULL,
};
static const char *const add12[] = {
	"drop.example.com.rpz.example. CNAME rpz-drop.",
	"s.example.com.rpz.example. A 192.0.2.2",
	NULL,
};
static const char *const zone2[] = {
	"*.wild.example.com.rpz.example. CNAME *.",
	"s.example.com.rpz.example. A 192.0.2.2",
	"s.example.com.rpz.example. AAAA 2001:db8::1",
	"pass.nx.example.com.rpz.example. CNAME rpz-passthru.",
	"t.example.com.rpz.example. TXT \"paren ( and ; semicolon\"",
	"32.1.2.0.192.rpz-ip.rpz.example. CNAME .",
	"rpz.example. NS ns.rpz.example.",
	"drop.example.com.rpz.example. CNAME rpz-drop.",
	NULL,
};

static char state_dir[64];

static void
primary_init(struct primary *p, uint32_t serial, const char *const *zone)
{
	memset(p, 0, sizeof(*p));
	p->soa = "rpz.example. 300 IN SOA ns.rpz.example. admin.rpz.example. %u 3600 600 86400 60";
	p->serial = serial;
	p->zone = zone;
	p->secret = SECRET;
	p->per_msg = 3;
	pthread_mutex_init(&p->lock, NULL);
}

static void
feed_cfg(struct dg_config_feed *f, const char *secret)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->zone, sizeof(f->zone), "rpz.example.");
	f->primary.set = true;
	f->primary.a.family = 4;
	f->primary.port = 53;
	memcpy(f->primary.a.addr, "\xc6\x12\x03\x01", 4);
	snprintf(f->tsig_name, sizeof(f->tsig_name), KEY);
	snprintf(f->tsig_algorithm, sizeof(f->tsig_algorithm), "hmac-sha256");
	snprintf(f->tsig_secret, sizeof(f->tsig_secret), "%s", secret);
	f->timeout = 5;
	f->refresh = 3600;
	f->retry = 3600;
	snprintf(f->identifier, sizeof(f->identifier), "FEED-1");
	snprintf(f->action, sizeof(f->action), "given");
	snprintf(f->state_dir, sizeof(f->state_dir), "%s", state_dir);
}

/* What the client logged since start(). */
static char *log_text;
static size_t log_len;

static struct dg_feed_client *
start(const struct dg_config_feed *f, struct primary *p, FILE **log)
{
	struct dg_feed_opts o = { .connect = fake_connect, .connect_arg = p };
	struct dg_feed_client *c = NULL;
	char err[256];

	*log = open_memstream(&log_text, &log_len);
	o.log = *log;
	CU_ASSERT_EQUAL_FATAL(dg_feed_client_create(&c, f, 1, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(dg_feed_client_start(c), 0);
	return c;
}

static void
stop(struct dg_feed_client *c, FILE *log)
{
	dg_feed_client_free(c);
	fclose(log);
	free(log_text);
	log_text = NULL;
}

/* The next result within 5 s, or NULL. */
static struct dg_feed_result *
wait_result(struct dg_feed_client *c)
{
	for (int i = 0; i < 5000; i++) {
		struct dg_feed_result *r = dg_feed_client_poll(c);

		if (r != NULL)
			return r;
		usleep(1000);
	}
	return NULL;
}

/* The status once @p field of it reaches @p want (5 s at most). */
#define WAIT_STATUS(c, st, cond) do { \
	for (int i_ = 0; i_ < 5000; i_++) { \
		dg_feed_client_status(c, 0, &(st)); \
		if (cond) \
			break; \
		usleep(1000); \
	} \
} while (0)

static struct dg_filter *
load_file(const struct dg_config_feed *f, struct dg_filter_builder **bp,
	  struct dg_list_report *rep)
{
	struct dg_filter_builder *b;
	struct dg_filter *flt = NULL;
	struct dg_list_opts o;
	char path[1024];

	dg_feed_list_opts(f, &o);
	CU_ASSERT_EQUAL_FATAL(dg_feed_zone_path(f, path, sizeof(path)), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	CU_ASSERT_EQUAL(dg_lists_load(b, path, DG_LIST_RPZ, &o, rep), 0);
	CU_ASSERT_EQUAL(dg_filter_build(b, &flt), 0);
	*bp = b;
	return flt;
}

static int
verdict(const struct dg_filter *f, const char *text, const struct dg_entry_meta **mp)
{
	struct dg_name n;
	struct dg_match m;

	dg_name_from_text(&n, text, strlen(text));
	if (dg_filter_lookup(f, &n, 20000, &m) == 0)
		return -1;
	if (mp != NULL)
		*mp = m.meta;
	return (int)m.meta->action;
}

static const char *const probes[] = {
	"nx.example.com", "a.nx.example.com", "x.wild.example.com", "wild.example.com",
	"s.example.com", "pass.nx.example.com", "drop.example.com", "t.example.com",
	"a.b.drop.example.com", NULL,
};

/* Two snapshots give the same verdict and sinkhole for every probe name. */
static void
same_verdicts(const struct dg_filter *a, const struct dg_filter *b)
{
	for (int i = 0; probes[i] != NULL; i++) {
		const struct dg_entry_meta *ma = NULL, *mb = NULL;
		int va = verdict(a, probes[i], &ma), vb = verdict(b, probes[i], &mb);

		CU_ASSERT_EQUAL(va, vb);
		if (va >= 0 && vb >= 0) {
			CU_ASSERT_EQUAL(ma->has_sinkhole4, mb->has_sinkhole4);
			CU_ASSERT_EQUAL(memcmp(ma->sinkhole4, mb->sinkhole4, 4), 0);
		}
	}
}

static void
test_feed_axfr_then_ixfr(void)
{
	struct dg_config_feed f;
	struct primary p;
	struct dg_feed_client *c;
	struct dg_feed_result *r;
	struct dg_feed_status st;
	struct dg_filter_builder *b1, *b2;
	struct dg_filter *f1, *f1d, *f2;
	struct dg_list_report rep;
	const struct dg_entry_meta *m = NULL;
	FILE *log;
	char path[1024];

	feed_cfg(&f, SECRET);
	dg_feed_zone_path(&f, path, sizeof(path));
	unlink(path);
	primary_init(&p, 1, zone1);
	c = start(&f, &p, &log);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, DG_FEED_FULL);
	CU_ASSERT_EQUAL(r->serial, 1);
	CU_ASSERT_EQUAL(p.last_type, LDNS_RR_TYPE_AXFR);
	dg_feed_result_free(r);
	dg_feed_client_status(c, 0, &st);
	CU_ASSERT_TRUE(st.has_zone);
	CU_ASSERT_EQUAL(st.serial, 1);
	CU_ASSERT_EQUAL(st.axfr, 1);
	CU_ASSERT_STRING_EQUAL(st.last_kind, "axfr");
	CU_ASSERT_EQUAL(st.records, 9); /* SOA + 8 */
	CU_ASSERT_EQUAL(st.policies, 4);
	CU_ASSERT_FALSE(st.failing);
	/* the zone file, read by the list loader: the same rules */
	f1 = load_file(&f, &b1, &rep);
	CU_ASSERT_EQUAL(rep.loaded, 4);
	CU_ASSERT_EQUAL(rep.not_supported, 1); /* the rpz-ip trigger */
	CU_ASSERT_EQUAL(rep.skipped[DG_LIST_SKIP_UNSUPPORTED], 1); /* the TXT */
	CU_ASSERT_EQUAL(rep.skipped[DG_LIST_SKIP_INVALID], 0);
	CU_ASSERT_EQUAL(verdict(f1, "nx.example.com", &m), DG_ACTION_NXDOMAIN);
	CU_ASSERT_STRING_EQUAL(m->identifier, "FEED-1");
	CU_ASSERT_EQUAL(verdict(f1, "x.wild.example.com", NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(verdict(f1, "wild.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(f1, "s.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_TRUE(m->has_sinkhole4 && m->has_sinkhole6);
	CU_ASSERT_EQUAL(verdict(f1, "pass.nx.example.com", NULL), DG_ACTION_ALLOW);

	/* the primary moves to serial 2: an IXFR, and entry changes */
	pthread_mutex_lock(&p.lock);
	p.serial = 2;
	p.zone = zone2;
	p.ixfr_from = 1;
	p.del = del12;
	p.add = add12;
	pthread_mutex_unlock(&p.lock);
	dg_feed_client_refresh(c);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, DG_FEED_DELTA);
	CU_ASSERT_EQUAL(r->from_serial, 1);
	CU_ASSERT_EQUAL(r->serial, 2);
	CU_ASSERT_EQUAL(p.last_type, LDNS_RR_TYPE_IXFR);
	CU_ASSERT_EQUAL(p.last_ixfr_serial, 1);
	CU_ASSERT_EQUAL(r->n_ops, 4); /* del nx, del s (old address), add drop, add s */
	for (size_t i = 0; i < r->n_ops; i++)
		CU_ASSERT_EQUAL(r->ops[i].del, i < 2);
	/* the ops on top of serial 1 give what the new zone file gives */
	for (size_t i = 0; i < r->n_ops; i++) {
		const struct dg_feed_op *op = &r->ops[i];

		int rc = op->del ? dg_filter_builder_del(b1, &op->name, op->meta.mode, &op->meta) :
				   dg_filter_builder_add(b1, &op->name, &op->meta);

		CU_ASSERT_EQUAL(rc, op->del ? 1 : 0);
	}
	CU_ASSERT_EQUAL(dg_filter_build(b1, &f1d), 0);
	f2 = load_file(&f, &b2, &rep);
	same_verdicts(f1d, f2);
	CU_ASSERT_EQUAL(verdict(f2, "nx.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(f2, "a.b.drop.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(f2, "drop.example.com", NULL), DG_ACTION_DROP);
	CU_ASSERT_EQUAL(verdict(f2, "s.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(memcmp(m->sinkhole4, "\xc0\x00\x02\x02", 4), 0);
	dg_feed_result_free(r);
	dg_feed_client_status(c, 0, &st);
	CU_ASSERT_EQUAL(st.ixfr, 1);
	CU_ASSERT_EQUAL(st.last_from, 1);
	CU_ASSERT_EQUAL(st.policies, 4);
	stop(c, log);
	dg_filter_free(f1);
	dg_filter_free(f1d);
	dg_filter_free(f2);
	dg_filter_builder_free(b1);
	dg_filter_builder_free(b2);

	/* a restart reads the file back and asks IXFR from its serial */
	pthread_mutex_lock(&p.lock);
	p.serial = 3;
	p.ixfr_from = 2;
	p.del = (const char *const[]){ "drop.example.com.rpz.example. CNAME rpz-drop.", NULL };
	p.add = (const char *const[]){ NULL };
	p.last_type = 0;
	pthread_mutex_unlock(&p.lock);
	c = start(&f, &p, &log);
	dg_feed_client_status(c, 0, &st);
	CU_ASSERT_TRUE(st.has_zone);
	CU_ASSERT_TRUE(st.serial == 2 || st.serial == 3);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, DG_FEED_DELTA);
	CU_ASSERT_EQUAL(r->from_serial, 2);
	CU_ASSERT_EQUAL(p.last_type, LDNS_RR_TYPE_IXFR);
	CU_ASSERT_EQUAL(p.last_ixfr_serial, 2);
	CU_ASSERT_EQUAL(r->n_ops, 1);
	CU_ASSERT_TRUE(r->n_ops == 1 && r->ops[0].del && r->ops[0].meta.action == DG_ACTION_DROP);
	dg_feed_result_free(r);
	stop(c, log);
}

/* Start from a zone at serial 1 on disk and the primary as @p p says. */
static struct dg_feed_client *
start_at_1(struct dg_config_feed *f, struct primary *p, FILE **log)
{
	struct primary p1;
	struct dg_feed_client *c;
	struct dg_feed_result *r;
	char path[1024];

	dg_feed_zone_path(f, path, sizeof(path));
	unlink(path);
	primary_init(&p1, 1, zone1);
	p1.secret = f->tsig_name[0] ? f->tsig_secret : NULL;
	c = start(f, &p1, log);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	dg_feed_result_free(r);
	stop(c, *log);
	return start(f, p, log);
}

/* A failure with @p reason in the status, no result, serial 1 kept. */
static void
expect_failure(struct dg_feed_client *c, const char *reason)
{
	struct dg_feed_status st;

	WAIT_STATUS(c, st, st.failures > 0);
	CU_ASSERT_TRUE(st.failing);
	CU_ASSERT_EQUAL(st.failures, 1);
	CU_ASSERT_EQUAL(st.serial, 1);
	if (strstr(st.last_error, reason) == NULL) {
		fprintf(stderr, "\n  last_error '%s', want '%s'\n", st.last_error, reason);
		CU_FAIL("failure reason");
	}
	CU_ASSERT_PTR_NULL(dg_feed_client_poll(c));
}

static void
test_feed_tsig_refused(void)
{
	struct dg_config_feed f;
	struct primary p;
	struct dg_feed_client *c;
	FILE *log;

	/* the primary does not know our key: NOTAUTH, BADSIG */
	feed_cfg(&f, SECRET);
	primary_init(&p, 2, zone2);
	p.secret = WRONG;
	c = start_at_1(&f, &p, &log);
	expect_failure(c, "TSIG BADSIG");
	fflush(log);
	CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "dnsgate: feed rpz.example.: SOA query failed: "
					      "primary answered NOTAUTH (TSIG BADSIG"));
	stop(c, log);
	/* the answer is not signed with our key */
	primary_init(&p, 2, zone2);
	p.secret = NULL;
	c = start_at_1(&f, &p, &log);
	expect_failure(c, "answer not signed");
	stop(c, log);
}

static void
test_feed_bad_transfers(void)
{
	static const char *const outside[] = { "x.example.net. CNAME .", NULL };
	struct dg_config_feed f;
	struct primary p;
	struct dg_feed_client *c;
	FILE *log;

	feed_cfg(&f, SECRET);
	/* truncated: the connection closes before the final SOA */
	primary_init(&p, 2, zone2);
	p.refuse_ixfr = 1;
	p.truncate = 1;
	c = start_at_1(&f, &p, &log);
	expect_failure(c, "truncated");
	stop(c, log);
	/* the serial goes backwards */
	primary_init(&p, 0, zone2);
	c = start_at_1(&f, &p, &log);
	expect_failure(c, "went backwards (ours 1, primary 0)");
	stop(c, log);
	/* a record outside the zone */
	primary_init(&p, 2, outside);
	p.refuse_ixfr = 1;
	c = start_at_1(&f, &p, &log);
	expect_failure(c, "record outside the zone");
	stop(c, log);
}

/* IXFR refused, or deleting what we do not have: AXFR instead. */
static void
test_feed_ixfr_fallback(void)
{
	struct dg_config_feed f;
	struct primary p;
	struct dg_feed_client *c;
	struct dg_feed_result *r;
	FILE *log;

	feed_cfg(&f, SECRET);
	primary_init(&p, 2, zone2);
	p.refuse_ixfr = 1;
	c = start_at_1(&f, &p, &log);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, DG_FEED_FULL);
	CU_ASSERT_EQUAL(r->serial, 2);
	CU_ASSERT_EQUAL(p.last_type, LDNS_RR_TYPE_AXFR);
	dg_feed_result_free(r);
	stop(c, log);

	primary_init(&p, 2, zone2);
	p.ixfr_from = 1;
	p.del = (const char *const[]){ "gone.example.com.rpz.example. CNAME .", NULL };
	p.add = add12;
	c = start_at_1(&f, &p, &log);
	r = wait_result(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, DG_FEED_FULL);
	CU_ASSERT_EQUAL(p.queries, 3); /* SOA, IXFR, AXFR */
	dg_feed_result_free(r);
	stop(c, log);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A slow AXFR (2 s) runs on the client's thread: the caller's status and poll calls (what
 * the management loop makes every tick) answer at once all along, and stopping the client
 * in the middle of it takes well under a second.
 */
static void
test_feed_status_during_slow_axfr(void)
{
	static struct primary p; /* its server thread outlives this function by one message */
	struct dg_config_feed f;
	struct dg_feed_client *c;
	struct dg_feed_status st;
	double t0, worst = 0, stop_t;
	char path[1024];
	FILE *log;
	int calls = 0;

	feed_cfg(&f, SECRET);
	dg_feed_zone_path(&f, path, sizeof(path));
	unlink(path);
	primary_init(&p, 1, zone1);
	p.per_msg = 1;
	p.delay_ms = 200; /* 10 messages: 2 s */
	c = start(&f, &p, &log);
	t0 = mono();
	while (mono() - t0 < 1.0) {
		double a = mono(), d;
		struct dg_feed_result *r = dg_feed_client_poll(c);

		dg_feed_client_status(c, 0, &st);
		d = mono() - a;
		worst = d > worst ? d : worst;
		CU_ASSERT_PTR_NULL(r);
		dg_feed_result_free(r);
		calls++;
		usleep(2000);
	}
	CU_ASSERT_FALSE(st.has_zone);
	CU_ASSERT_TRUE(calls > 100);
	/* a call that waited for the transfer would take a message's 200 ms; a loaded machine
	 * may delay any call by some ms */
	if (worst > 0.1) {
		fprintf(stderr, "\n  slowest status+poll during the transfer: %.1f ms\n", worst * 1e3);
		CU_FAIL("status waited for the transfer");
	}
	stop_t = mono();
	stop(c, log);
	stop_t = mono() - stop_t;
	CU_ASSERT_TRUE(stop_t < 0.5);
	CU_ASSERT_EQUAL(access(path, F_OK), -1); /* nothing half-written */
	usleep(300 * 1000); /* the server thread sees the client gone and ends */
}

/* A NOTIFY message for @p zone, signed with @p secret (NULL: unsigned). */
static size_t
notify_msg(const char *zone, const char *secret, uint8_t *out, ldns_rdf **mac)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(zone), LDNS_RR_TYPE_SOA,
					 LDNS_RR_CLASS_IN, LDNS_AA);
	uint8_t *wire = NULL;
	size_t wl = 0;

	ldns_pkt_set_opcode(q, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_id(q, 4242);
	if (secret != NULL) {
		CU_ASSERT_FATAL(ldns_pkt_tsig_sign(q, KEY, secret, 300, "hmac-sha256.", NULL) ==
				LDNS_STATUS_OK);
		*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	}
	ldns_pkt2wire(&wire, q, &wl);
	memcpy(out, wire, wl);
	free(wire);
	ldns_pkt_free(q);
	return wl;
}

static void
test_feed_notify_checks(void)
{
	struct dg_config_feed f;
	struct dg_feed_client *c = NULL;
	struct dg_feed_status st;
	struct sockaddr_in from = { .sin_family = AF_INET };
	uint8_t msg[1024], resp[FEED_MSG_MAX];
	size_t len, rlen;
	ldns_pkt *a = NULL;
	ldns_rdf *mac = NULL;
	char err[256];
	FILE *log = fopen("/dev/null", "w");
	struct dg_feed_opts o = { .log = log };

	feed_cfg(&f, SECRET);
	CU_ASSERT_EQUAL_FATAL(dg_feed_client_create(&c, &f, 1, &o, err, sizeof(err)), 0);
	memcpy(&from.sin_addr, "\xc6\x12\x03\x01", 4);
	/* from the primary, signed: accepted, the answer signed with the request's MAC */
	len = notify_msg("RPZ.example.", SECRET, msg, &mac);
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), 0);
	CU_ASSERT_FATAL(rlen > 0 && ldns_wire2pkt(&a, resp, rlen) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_id(a), 4242);
	CU_ASSERT_TRUE(ldns_pkt_qr(a) && ldns_pkt_aa(a));
	CU_ASSERT_EQUAL(ldns_pkt_get_opcode(a), LDNS_PACKET_NOTIFY);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	CU_ASSERT_TRUE(ldns_pkt_tsig_verify(a, resp, rlen, KEY, SECRET, mac));
	ldns_pkt_free(a);
	ldns_rdf_deep_free(mac);
	/* unsigned, or with another key: NOTAUTH */
	len = notify_msg("rpz.example.", NULL, msg, &mac);
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), -1);
	CU_ASSERT_FATAL(rlen > 0 && ldns_wire2pkt(&a, resp, rlen) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_NOTAUTH);
	ldns_pkt_free(a);
	len = notify_msg("rpz.example.", WRONG, msg, &mac);
	ldns_rdf_deep_free(mac);
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), -1);
	/* from another address, or for another zone: REFUSED */
	memcpy(&from.sin_addr, "\xc6\x12\x03\x02", 4);
	len = notify_msg("rpz.example.", SECRET, msg, &mac);
	ldns_rdf_deep_free(mac);
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), -1);
	CU_ASSERT_FATAL(rlen > 0 && ldns_wire2pkt(&a, resp, rlen) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
	memcpy(&from.sin_addr, "\xc6\x12\x03\x01", 4);
	len = notify_msg("other.example.", SECRET, msg, &mac);
	ldns_rdf_deep_free(mac);
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), -1);
	CU_ASSERT_TRUE(rlen > 0);
	/* not a NOTIFY request, or not DNS: no answer */
	msg[2] &= 0x87; /* opcode QUERY */
	CU_ASSERT_EQUAL(notify_handle(c, msg, len, (struct sockaddr *)&from, resp, &rlen), -1);
	CU_ASSERT_EQUAL(rlen, 0);
	CU_ASSERT_EQUAL(notify_handle(c, msg, 11, (struct sockaddr *)&from, resp, &rlen), -1);
	CU_ASSERT_EQUAL(rlen, 0);
	dg_feed_client_status(c, 0, &st);
	CU_ASSERT_EQUAL(st.notifies, 1);
	CU_ASSERT_EQUAL(st.notifies_refused, 3);
	dg_feed_client_free(c);
	fclose(log);
	free(log_text);
	log_text = NULL;
}

/* The zone file keeps odd names and rdata: read back, it is the same zone. */
static void
test_feed_zone_file_roundtrip(void)
{
	static const char *const recs[] = {
		"rpz.example. 300 IN SOA ns.rpz.example. admin.rpz.example. 7 3600 600 86400 60",
		"semi\\;colon.rpz.example. 60 IN CNAME .",
		"paren\\(.rpz.example. 60 IN TXT \"a ( b ; c\"",
		"\\$dollar.rpz.example. 60 IN A 192.0.2.9",
		"x.rpz.example. 60 IN TYPE65000 \\# 3 010203",
		"x.rpz.example. 60 IN MX 10 mail.example.",
		NULL,
	};
	struct feed fd = { 0 };
	struct dg_config_feed cfg;
	struct fz_zone *z, *back = NULL;
	struct dg_filter_builder *b;
	struct dg_filter *flt;
	struct dg_list_report rep;
	char err[256];

	feed_cfg(&cfg, SECRET);
	fd.cfg = &cfg;
	dg_name_from_text(&fd.origin, "rpz.example", 11);
	dg_feed_list_opts(&cfg, &fd.lopts);
	dg_feed_zone_path(&cfg, fd.path, sizeof(fd.path));
	z = fz_zone_new(&fd.origin);
	for (int i = 0; recs[i] != NULL; i++) {
		ldns_rr *l = rr(recs[i]);
		struct dg_name o;
		struct fz_rr *r;

		CU_ASSERT_EQUAL_FATAL(fz_rr_from_ldns(l, &o, &r), 0);
		CU_ASSERT_EQUAL(fz_add(z, &o, r), 0);
		ldns_rr_free(l);
	}
	CU_ASSERT_EQUAL(z->records, 6);
	CU_ASSERT_EQUAL(fz_save(z, fd.path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(fz_load(&fd, fd.path, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back->records, 6);
	CU_ASSERT_EQUAL(fz_serial(back), 7);
	CU_ASSERT_EQUAL(back->policies, 2);
	flt = load_file(&cfg, &b, &rep);
	CU_ASSERT_EQUAL(rep.loaded, 2);
	CU_ASSERT_EQUAL(rep.skipped[DG_LIST_SKIP_UNSUPPORTED], 3);
	CU_ASSERT_EQUAL(rep.skipped[DG_LIST_SKIP_INVALID], 0);
	CU_ASSERT_EQUAL(verdict(flt, "semi\\;colon", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(flt, "$dollar", NULL), DG_ACTION_SINKHOLE);
	dg_filter_free(flt);
	dg_filter_builder_free(b);
	fz_zone_free(z);
	fz_zone_free(back);
}

static int
run(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_feed_axfr_then_ixfr),
		DG_TEST(test_feed_tsig_refused),
		DG_TEST(test_feed_bad_transfers),
		DG_TEST(test_feed_ixfr_fallback),
		DG_TEST(test_feed_status_during_slow_axfr),
		DG_TEST(test_feed_notify_checks),
		DG_TEST(test_feed_zone_file_roundtrip),
	};
	int rc;

	snprintf(state_dir, sizeof(state_dir), "/tmp/dg-test-feed-XXXXXX");
	if (mkdtemp(state_dir) == NULL)
		return 1;
	rc = dg_test_run("feed", t, sizeof(t) / sizeof(t[0]));
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", state_dir);
	}
	return rc ? 1 : 0;
}

int
main(void)
{
	return run();
}
