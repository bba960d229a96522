/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NOTIFY (RFC 1996): a primary says its zone changed. Accepted only for a configured zone,
 * from that feed's primary address and, when the feed has a key, signed with it (RFC 8945);
 * the answer echoes the question and is signed in turn. Anything else gets REFUSED or
 * NOTAUTH and changes nothing; a datagram that is not a NOTIFY request gets no answer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "feed_pvt.h"

static int
from_primary(const struct feed *f, const struct sockaddr *from)
{
	const struct dg_config_endpoint *p = &f->cfg->primary;

	if (from->sa_family == AF_INET && p->a.family == 4)
		return memcmp(&((const struct sockaddr_in *)from)->sin_addr, p->a.addr, 4) == 0;
	if (from->sa_family == AF_INET6 && p->a.family == 6)
		return memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, p->a.addr, 16) == 0;
	return 0;
}

static struct feed *
feed_of(struct dg_feed_client *c, const ldns_rr *q)
{
	const ldns_rdf *o = ldns_rr_owner(q);
	struct dg_name n;

	if (dg_name_from_wire(&n, ldns_rdf_data(o), ldns_rdf_size(o), NULL) != 0)
		return NULL;
	for (unsigned int i = 0; i < c->n; i++)
		if (n.len == c->feeds[i].origin.len &&
		    memcmp(n.wire, c->feeds[i].origin.wire, n.len) == 0)
			return &c->feeds[i];
	return NULL;
}

/* The answer: the request's id and question, QR and AA, @p rcode; signed if @p mac. */
static void
answer(const struct feed *f, const ldns_pkt *req, ldns_pkt_rcode rcode, const ldns_rdf *mac,
       uint8_t *resp, size_t *resp_len)
{
	ldns_pkt *r = ldns_pkt_new();
	uint8_t *wire = NULL;
	size_t wlen = 0;

	if (r == NULL)
		return;
	ldns_pkt_set_id(r, ldns_pkt_id(req));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_rcode(r, rcode);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
			 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), 0)));
	if ((mac == NULL || (f != NULL && feed_tsig_sign(f, r, mac) == 0)) &&
	    ldns_pkt2wire(&wire, r, &wlen) == LDNS_STATUS_OK && wlen <= FEED_MSG_MAX) {
		memcpy(resp, wire, wlen);
		*resp_len = wlen;
	}
	free(wire);
	ldns_pkt_free(r);
}

int
notify_handle(struct dg_feed_client *c, const uint8_t *msg, size_t len,
	      const struct sockaddr *from, uint8_t *resp, size_t *resp_len)
{
	ldns_pkt *p = NULL;
	ldns_rdf *mac = NULL;
	struct feed *f = NULL;
	ldns_pkt_rcode rcode = LDNS_RCODE_REFUSED;
	char why[128] = "";
	int rc = -1;

	*resp_len = 0;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -1;
	if (ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != LDNS_PACKET_NOTIFY ||
	    ldns_pkt_qdcount(p) != 1) {
		ldns_pkt_free(p);
		return -1;
	}
	if (ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)) == LDNS_RR_TYPE_SOA)
		f = feed_of(c, ldns_rr_list_rr(ldns_pkt_question(p), 0));
	if (f != NULL && !from_primary(f, from)) {
		snprintf(why, sizeof(why), "NOTIFY from an address that is not the primary");
	} else if (f != NULL &&
		   feed_tsig_verify(f, p, msg, len, &mac, 0, why, sizeof(why)) < 0) {
		rcode = LDNS_RCODE_NOTAUTH;
	} else if (f != NULL) {
		rcode = LDNS_RCODE_NOERROR;
		rc = (int)f->index;
	}
	answer(f, p, rcode, rc >= 0 ? mac : NULL, resp, resp_len);
	if (f != NULL) {
		pthread_mutex_lock(&c->lock);
		if (rc >= 0)
			f->st.notifies++;
		else
			f->st.notifies_refused++; /* logged; last_error stays the transfers' */
		pthread_mutex_unlock(&c->lock);
		/* at most a line a second: whoever can reach the socket cannot flood the log */
		if (rc < 0 && time(NULL) != f->notify_logged_at) {
			f->notify_logged_at = time(NULL);
			fprintf(c->log, "dnsgate: feed %s: %s: refused\n", f->cfg->zone, why);
		}
	}
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(p);
	return rc;
}
