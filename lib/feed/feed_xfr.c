/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOA queries and zone transfers over TCP (RFC 1035 4.2.2, RFC 5936, RFC 1995), every
 * message parsed by ldns and, with a key, signed and verified with ldns' TSIG (RFC 8945:
 * the first answer against the query's MAC, each later one against the previous MAC, timers
 * only). Every message of an answer must be signed; RFC 8945 lets a primary leave up to 99
 * unsigned between signed ones, which ldns cannot verify, so such an answer fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dg_err.h"
#include "feed_pvt.h"

enum { XFR_POLL_MS = 200 };

int
xfr_serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

static const char *
tsig_error_name(unsigned int e)
{
	switch (e) {
	case 16: return "BADSIG";
	case 17: return "BADKEY";
	case 18: return "BADTIME";
	case 22: return "BADTRUNC";
	default: return "error";
	}
}

static const char *
rcode_name(unsigned int rc)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, (int)rc);

	return t != NULL ? t->name : "RCODE?";
}

int
feed_tsig_sign(const struct feed *f, ldns_pkt *p, const ldns_rdf *prior_mac)
{
	if (f->tsig_alg[0] == '\0')
		return 0;
	return ldns_pkt_tsig_sign(p, f->cfg->tsig_name, f->cfg->tsig_secret, FEED_TSIG_FUDGE,
				  f->tsig_alg, prior_mac) == LDNS_STATUS_OK ? 0 : -EINVAL;
}

/* 48-bit time signed of a TSIG record. */
static uint64_t
tsig_time(const ldns_rdf *r)
{
	const uint8_t *d = ldns_rdf_data(r);
	uint64_t t = 0;

	if (ldns_rdf_size(r) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		t = t << 8 | d[i];
	return t;
}

int
feed_tsig_verify(const struct feed *f, ldns_pkt *p, const uint8_t *wire, size_t len,
		 ldns_rdf **mac, int timers_only, char *err, size_t errlen)
{
	ldns_rr *t = ldns_pkt_tsig(p);
	ldns_rdf *kname = NULL, *alg = NULL;
	int64_t skew;
	int ok;

	if (f->tsig_alg[0] == '\0')
		return 0;
	if (t == NULL || ldns_rr_rd_count(t) < 7)
		return dg_errf(err, errlen, -EPERM, "TSIG: answer not signed");
	kname = ldns_dname_new_frm_str(f->cfg->tsig_name);
	alg = ldns_dname_new_frm_str(f->tsig_alg);
	ok = kname != NULL && alg != NULL && ldns_dname_compare(ldns_rr_owner(t), kname) == 0 &&
	     ldns_dname_compare(ldns_rr_rdf(t, 0), alg) == 0;
	ldns_rdf_deep_free(kname);
	ldns_rdf_deep_free(alg);
	if (!ok)
		return dg_errf(err, errlen, -EPERM, "TSIG: signed with another key or algorithm");
	if (ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) != 0)
		return dg_errf(err, errlen, -EPERM, "TSIG: primary says %s",
			       tsig_error_name(ldns_rdf2native_int16(ldns_rr_rdf(t, 5))));
	ok = ldns_pkt_tsig_verify_next(p, wire, len, f->cfg->tsig_name, f->cfg->tsig_secret, *mac,
				       timers_only);
	if (ldns_pkt_tsig(p) == NULL) {
		/* ldns leaves the record detached when it cannot compute a MAC */
		ldns_rr_free(t);
		return dg_errf(err, errlen, -EPERM, "TSIG: cannot compute the MAC");
	}
	if (!ok)
		return dg_errf(err, errlen, -EPERM, "TSIG: bad signature (BADSIG)");
	skew = (int64_t)tsig_time(ldns_rr_rdf(t, 1)) - (int64_t)time(NULL);
	if (skew > (int64_t)ldns_rdf2native_int16(ldns_rr_rdf(t, 2)) ||
	    -skew > (int64_t)ldns_rdf2native_int16(ldns_rr_rdf(t, 2)))
		return dg_errf(err, errlen, -EPERM, "TSIG: time signed %lld s off (BADTIME)",
			       (long long)skew);
	ldns_rdf_deep_free(*mac);
	*mac = ldns_rdf_clone(ldns_rr_rdf(t, 3));
	return *mac != NULL ? 0 : -ENOMEM;
}

/* Wait until @p fd is ready, @p f->cfg->timeout seconds at most, checking for a stop. */
static int
io_wait(const struct feed *f, int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int left = (int)f->cfg->timeout * 1000;

	while (left > 0) {
		int rc = poll(&p, 1, left < XFR_POLL_MS ? left : XFR_POLL_MS);

		if (f->stop != NULL && *f->stop)
			return -ECANCELED;
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
		left -= XFR_POLL_MS;
	}
	return -ETIMEDOUT;
}

static int
send_all(const struct feed *f, int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		int rc;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((rc = io_wait(f, fd, POLLOUT)) < 0)
			return rc;
	}
	return 0;
}

/* Exactly @p n bytes; -ECONNRESET if the stream ends first (*got says how far it came). */
static int
recv_all(const struct feed *f, int fd, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = recv(fd, p + *got, n - *got, MSG_DONTWAIT);
		int rc;

		if (r > 0) {
			*got += (size_t)r;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((rc = io_wait(f, fd, POLLIN)) < 0)
			return rc;
	}
	return 0;
}

/* One exchange: the query's id and MAC, and the answer messages so far. */
struct xfr_ctx {
	struct feed *f;
	int fd;
	uint16_t id;
	ldns_rr_type qtype;
	ldns_rdf *mac;
	unsigned long nmsg;
	uint8_t *buf;
};

static int
send_query(struct xfr_ctx *x, ldns_pkt *q, char *err, size_t len)
{
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int rc;

	x->id = ldns_get_random();
	ldns_pkt_set_id(q, x->id);
	if (feed_tsig_sign(x->f, q, NULL) < 0)
		return dg_errf(err, len, -EINVAL, "TSIG: cannot sign the query (key or algorithm)");
	if (ldns_pkt_tsig(q) != NULL)
		x->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	if (ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK || wlen > FEED_MSG_MAX)
		return dg_errf(err, len, -EINVAL, "cannot encode the query");
	x->buf[0] = (uint8_t)(wlen >> 8);
	x->buf[1] = (uint8_t)wlen;
	memcpy(x->buf + 2, wire, wlen);
	free(wire);
	rc = send_all(x->f, x->fd, x->buf, wlen + 2);
	return rc < 0 ? dg_errf(err, len, rc, "sending the query: %s", strerror(-rc)) : 0;
}

/*
 * The next answer message, checked: id, QR, opcode, rcode, not truncated, TSIG. An
 * IXFR refused (REFUSED, NOTIMP, FORMERR) in the first message is -EOPNOTSUPP.
 */
static int
next_msg(struct xfr_ctx *x, ldns_pkt **out, char *err, size_t len)
{
	size_t got, mlen;
	ldns_pkt *p = NULL;
	unsigned int rc_code;
	int rc = recv_all(x->f, x->fd, x->buf, 2, &got);

	if (rc == -ECONNRESET)
		return dg_errf(err, len, -ECONNRESET, got == 0 && x->nmsg > 0 ?
			       "transfer truncated: connection closed before the final SOA" :
			       "connection closed by the primary");
	if (rc < 0)
		return dg_errf(err, len, rc, "reading: %s", strerror(-rc));
	mlen = (size_t)x->buf[0] << 8 | x->buf[1];
	rc = recv_all(x->f, x->fd, x->buf, mlen, &got);
	if (rc == -ECONNRESET)
		return dg_errf(err, len, -ECONNRESET, "transfer truncated: message %lu cut at %zu of %zu bytes",
			       x->nmsg + 1, got, mlen);
	if (rc < 0)
		return dg_errf(err, len, rc, "reading: %s", strerror(-rc));
	if (ldns_wire2pkt(&p, x->buf, mlen) != LDNS_STATUS_OK)
		return dg_errf(err, len, -EBADMSG, "malformed message %lu (%zu bytes)", x->nmsg + 1,
			       mlen);
	x->nmsg++;
	rc_code = ldns_pkt_get_rcode(p);
	if (ldns_pkt_id(p) != x->id || !ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY)
		rc = dg_errf(err, len, -EBADMSG, "answer %lu does not match the query (id, QR, opcode)",
			     x->nmsg);
	else if (rc_code != LDNS_RCODE_NOERROR && x->nmsg == 1 && x->qtype == LDNS_RR_TYPE_IXFR &&
		 (rc_code == LDNS_RCODE_REFUSED || rc_code == LDNS_RCODE_NOTIMPL ||
		  rc_code == LDNS_RCODE_FORMERR))
		rc = dg_errf(err, len, -EOPNOTSUPP, "IXFR answered %s", rcode_name(rc_code));
	else if (rc_code != LDNS_RCODE_NOERROR && ldns_pkt_tsig(p) != NULL &&
		 ldns_rr_rd_count(ldns_pkt_tsig(p)) >= 6 &&
		 ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(p), 5)) != 0)
		rc = dg_errf(err, len, -EPERM, "primary answered %s (TSIG %s: our key is refused)",
			     rcode_name(rc_code),
			     tsig_error_name(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(p), 5))));
	else if (rc_code != LDNS_RCODE_NOERROR)
		rc = dg_errf(err, len, rc_code == LDNS_RCODE_NOTAUTH ? -EPERM : -EPROTO,
			     "primary answered %s", rcode_name(rc_code));
	else if (ldns_pkt_tc(p))
		rc = dg_errf(err, len, -EBADMSG, "answer truncated (TC) over TCP");
	else if (x->nmsg == 1 &&
		 (ldns_pkt_qdcount(p) != 1 ||
		  ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)) != x->qtype))
		rc = dg_errf(err, len, -EBADMSG, "answer for another question");
	else
		rc = feed_tsig_verify(x->f, p, x->buf, mlen, &x->mac, x->nmsg > 1, err, len);
	if (rc < 0) {
		ldns_pkt_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Our SOA as an ldns record (for the IXFR query's authority section). */
static ldns_rr *
soa_to_ldns(const struct fz_zone *z)
{
	uint8_t wire[DG_NAME_MAXLEN + 10 + UINT16_MAX];
	const struct fz_rr *r = z->soa;
	size_t n = z->origin.len, pos = 0;
	ldns_rr *rr = NULL;
	uint32_t ttl = htonl(r->ttl);

	memcpy(wire, z->origin.wire, n);
	wire[n++] = (uint8_t)(r->type >> 8);
	wire[n++] = (uint8_t)r->type;
	wire[n++] = (uint8_t)(r->rclass >> 8);
	wire[n++] = (uint8_t)r->rclass;
	memcpy(wire + n, &ttl, 4);
	n += 4;
	wire[n++] = (uint8_t)(r->rdlen >> 8);
	wire[n++] = (uint8_t)r->rdlen;
	memcpy(wire + n, r->rdata, r->rdlen);
	n += r->rdlen;
	return ldns_wire2rr(&rr, wire, n, &pos, LDNS_SECTION_AUTHORITY) == LDNS_STATUS_OK ? rr : NULL;
}

static int
ctx_open(struct xfr_ctx *x, struct feed *f, int fd, ldns_rr_type type, ldns_pkt **q)
{
	memset(x, 0, sizeof(*x));
	x->f = f;
	x->fd = fd;
	x->qtype = type;
	x->buf = malloc(FEED_MSG_MAX + 2);
	*q = ldns_pkt_query_new(ldns_dname_new_frm_data(f->origin.len, f->origin.wire), type,
				LDNS_RR_CLASS_IN, 0);
	return x->buf != NULL && *q != NULL ? 0 : -ENOMEM;
}

static void
ctx_close(struct xfr_ctx *x, ldns_pkt *q)
{
	ldns_pkt_free(q);
	ldns_rdf_deep_free(x->mac);
	free(x->buf);
}

static uint32_t
rr_serial(const ldns_rr *rr)
{
	return ldns_rr_rd_count(rr) >= 3 ? ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)) : 0;
}

int
xfr_soa(struct feed *f, int fd, uint32_t *serial, char *err, size_t len)
{
	struct xfr_ctx x;
	ldns_pkt *q = NULL, *p = NULL;
	int rc = ctx_open(&x, f, fd, LDNS_RR_TYPE_SOA, &q);

	if (rc < 0) {
		ctx_close(&x, q);
		return dg_errf(err, len, rc, "out of memory");
	}
	rc = send_query(&x, q, err, len);
	if (rc == 0)
		rc = next_msg(&x, &p, err, len);
	if (rc == 0) {
		rc = dg_errf(err, len, -EBADMSG, "no SOA for the zone in the answer");
		for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
			struct dg_name o;
			const ldns_rdf *ow = ldns_rr_owner(rr);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7 &&
			    dg_name_from_wire(&o, ldns_rdf_data(ow), ldns_rdf_size(ow), NULL) == 0 &&
			    o.len == f->origin.len && memcmp(o.wire, f->origin.wire, o.len) == 0) {
				*serial = rr_serial(rr);
				rc = 0;
				err[0] = '\0';
				break;
			}
		}
	}
	ldns_pkt_free(p);
	ctx_close(&x, q);
	return rc;
}

/* Where a transfer's records go. */
enum xfr_state { ST_FIRST, ST_SECOND, ST_BODY, ST_DEL, ST_ADD, ST_DONE };

struct xfr_sm {
	struct feed *f;
	int ixfr;
	uint32_t ours, target, cur;
	int ours_set;
	uint64_t seen;                 /* records read, duplicates included */
	enum xfr_state st;
	struct fz_rr *first;           /* the first SOA, until we know the kind of answer */
	struct fz_zone *full;
	struct fz_delta *delta;
	int *dirty;
};

static int
is_apex(const struct feed *f, const struct dg_name *o)
{
	return o->len == f->origin.len && memcmp(o->wire, f->origin.wire, o->len) == 0;
}

static int
in_zone(const struct feed *f, const struct dg_name *o)
{
	size_t len;
	const uint8_t *w;

	if (o->nlabels < f->origin.nlabels)
		return 0;
	w = dg_name_suffix(o, o->nlabels - f->origin.nlabels, &len);
	return len == f->origin.len && memcmp(w, f->origin.wire, len) == 0;
}

static int
begin_full(struct xfr_sm *m, char *err, size_t len)
{
	m->full = fz_zone_new(&m->f->origin);
	if (m->full == NULL)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	fz_add(m->full, &m->f->origin, m->first);
	m->first = NULL;
	m->st = ST_BODY;
	return 0;
}

/* One answer record. */
static int
sm_rr(struct xfr_sm *m, ldns_rr *lr, char *err, size_t len)
{
	struct dg_name owner;
	struct fz_rr *r;
	int soa, rc = fz_rr_from_ldns(lr, &owner, &r);
	uint32_t serial;

	if (rc < 0)
		return dg_errf(err, len, rc == -ENOMEM ? rc : -EBADMSG, "malformed record");
	soa = r->type == DG_RPZ_TYPE_SOA && is_apex(m->f, &owner);
	serial = soa ? rr_serial(lr) : 0;
	if (++m->seen > 2ull * FEED_MAX_RRS) /* duplicates do not grow the zone: count them */
		rc = dg_errf(err, len, -EFBIG, "transfer longer than %llu records",
			     2ull * FEED_MAX_RRS);
	else if (m->st == ST_DONE)
		rc = dg_errf(err, len, -EBADMSG, "records after the final SOA");
	else if (r->rclass != LDNS_RR_CLASS_IN)
		rc = dg_errf(err, len, -EBADMSG, "record of class %u", r->rclass);
	else if (!in_zone(m->f, &owner))
		rc = dg_errf(err, len, -EBADMSG, "record outside the zone");
	else if (soa && ldns_rr_rd_count(lr) != 7)
		rc = dg_errf(err, len, -EBADMSG, "malformed SOA");
	if (rc < 0) {
		free(r);
		return rc;
	}
	switch (m->st) {
	case ST_FIRST:
		if (!soa) {
			free(r);
			return dg_errf(err, len, -EBADMSG, "answer does not start with the zone's SOA");
		}
		m->target = serial;
		if (m->ours_set && xfr_serial_newer(m->ours, serial)) {
			free(r);
			return dg_errf(err, len, -ERANGE,
				       "SOA serial went backwards (ours %u, primary %u)", m->ours,
				       serial);
		}
		m->first = r;
		m->st = ST_SECOND;
		if (!m->ixfr)
			return begin_full(m, err, len);
		return 0;
	case ST_SECOND:
		if (soa && serial == m->ours && serial != m->target) {
			free(r);
			free(m->first);
			m->first = NULL;
			m->delta = fz_delta_new();
			m->cur = m->ours;
			m->st = ST_DEL;
			return m->delta != NULL ? 0 : dg_errf(err, len, -ENOMEM, "out of memory");
		}
		if ((rc = begin_full(m, err, len)) < 0) {
			free(r);
			return rc;
		}
		/* fall through - this record is the first of the zone */
	case ST_BODY:
		if (soa) {
			m->st = ST_DONE;
			free(r);
			return serial == m->target ? 0 :
			       dg_errf(err, len, -EBADMSG, "AXFR ends with serial %u, began with %u",
				       serial, m->target);
		}
		rc = fz_add(m->full, &owner, r);
		return rc < 0 ? dg_errf(err, len, rc, "%s", strerror(-rc)) : 0;
	case ST_DEL:
		if (soa) {
			if (!xfr_serial_newer(serial, m->cur)) {
				free(r);
				return dg_errf(err, len, -EBADMSG, "IXFR step to serial %u from %u", serial,
					       m->cur);
			}
			m->cur = serial;
			m->st = ST_ADD;
			*m->dirty = 1;
			fz_add(m->f->zone, &owner, r);
			return 0;
		}
		rc = fz_delta_touch(m->delta, m->f, m->f->zone, &owner);
		*m->dirty = 1;
		if (rc == 0)
			rc = fz_del(m->f->zone, &owner, r) == 0 ? 0 :
			     dg_errf(err, len, -ESTALE, "IXFR deletes a record this copy does not have");
		else
			rc = dg_errf(err, len, rc, "%s", strerror(-rc));
		free(r);
		return rc;
	case ST_ADD:
		if (soa) {
			free(r);
			if (serial == m->target && m->cur == m->target) {
				m->st = ST_DONE;
				return 0;
			}
			if (serial != m->cur)
				return dg_errf(err, len, -EBADMSG, "IXFR sequence broken at serial %u",
					       serial);
			m->st = ST_DEL;
			return 0;
		}
		rc = fz_delta_touch(m->delta, m->f, m->f->zone, &owner);
		if (rc == 0)
			rc = fz_add(m->f->zone, &owner, r);
		else
			free(r);
		return rc < 0 ? dg_errf(err, len, rc, "%s", strerror(-rc)) : 0;
	default:
		free(r);
		return dg_errf(err, len, -EBADMSG, "unexpected record");
	}
}

int
xfr_transfer(struct feed *f, int fd, int ixfr, struct xfr_result *res, int *dirty, char *err,
	     size_t len)
{
	struct xfr_sm m = { .f = f, .ixfr = ixfr, .dirty = dirty };
	struct xfr_ctx x;
	ldns_pkt *q = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	*dirty = 0;
	if (ixfr && (f->zone == NULL || f->zone->soa == NULL))
		return dg_errf(err, len, -EINVAL, "IXFR without a zone");
	if (f->zone != NULL && f->zone->soa != NULL) {
		m.ours = fz_serial(f->zone);
		m.ours_set = 1;
	}
	rc = ctx_open(&x, f, fd, ixfr ? LDNS_RR_TYPE_IXFR : LDNS_RR_TYPE_AXFR, &q);
	if (rc == 0 && ixfr) {
		ldns_rr *soa = soa_to_ldns(f->zone);

		if (soa == NULL || !ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, soa)) {
			ldns_rr_free(soa);
			rc = -ENOMEM;
		}
	}
	if (rc < 0) {
		ctx_close(&x, q);
		return dg_errf(err, len, rc, "out of memory");
	}
	rc = send_query(&x, q, err, len);
	while (rc == 0 && m.st != ST_DONE) {
		ldns_pkt *p = NULL;
		ldns_rr_list *an;

		rc = next_msg(&x, &p, err, len);
		if (rc < 0)
			break;
		an = ldns_pkt_answer(p);
		for (size_t i = 0; rc == 0 && i < ldns_rr_list_rr_count(an); i++)
			rc = sm_rr(&m, ldns_rr_list_rr(an, i), err, len);
		ldns_pkt_free(p);
		/* An IXFR answered with our SOA alone: nothing new; another SOA alone: ask AXFR. */
		if (rc == 0 && ixfr && m.st == ST_SECOND) {
			res->outcome = m.target == m.ours ? XFR_UPTODATE : XFR_FALLBACK;
			m.st = ST_DONE;
		} else if (rc == 0 && m.st == ST_DONE) {
			res->outcome = m.full != NULL ? XFR_FULL : XFR_DELTA;
		}
	}
	ctx_close(&x, q);
	free(m.first);
	res->serial = m.target;
	if (rc == -EOPNOTSUPP) {
		res->outcome = XFR_FALLBACK;
		rc = 0;
	}
	if (rc == 0 && res->outcome == XFR_FULL) {
		fz_count_policies(f, m.full);
		res->full = m.full;
		m.full = NULL;
	}
	if (rc == 0 && res->outcome == XFR_DELTA) {
		rc = fz_delta_finish(m.delta, f, f->zone, &res->ops, &res->n_ops);
		m.delta = NULL;
		if (rc < 0)
			rc = dg_errf(err, len, rc, "%s", strerror(-rc));
	}
	fz_zone_free(m.full);
	fz_delta_free(m.delta);
	return rc;
}
