/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The zone file of a feed, in the state directory: the last good copy of the zone, which
 * the list loader reads (format rpz) and the client reads back at start. Names are
 * absolute under `$ORIGIN`; A, AAAA, CNAME, NS and SOA in their usual text form, every
 * other type in RFC 3597 form (`TYPEn \# LEN HEX`), so no quote, parenthesis or
 * semicolon of some rdata can upset a line reader. Written whole to a temporary file,
 * fsync'd and renamed over the old one: a crash leaves the old or the new file, never half.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dg_err.h"
#include "feed_pvt.h"

/* A name as zone-file text, with the bytes a line reader would take for syntax escaped. */
static int
put_name(FILE *out, const uint8_t *wire, size_t len)
{
	char text[DG_NAME_TEXT_MAX];
	int n = dg_name_to_text(wire, len, text, sizeof(text));

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char ch = text[i];

		if (ch == ';' || ch == '(' || ch == ')' || ch == '"' || ch == '$' || ch == '@')
			fprintf(out, "\\%03u", (unsigned char)ch);
		else
			fputc(ch, out);
	}
	return 0;
}

/* Does the rdata of a type we print as text parse? (else it goes in generic form) */
static int
text_ok(const struct fz_rr *r)
{
	struct dg_name n;
	size_t off = 0, used;

	switch (r->type) {
	case DG_RPZ_TYPE_A:
		return r->rdlen == 4;
	case DG_RPZ_TYPE_AAAA:
		return r->rdlen == 16;
	case DG_RPZ_TYPE_CNAME:
	case DG_RPZ_TYPE_NS:
		return dg_name_from_wire(&n, r->rdata, r->rdlen, &used) == 0 && used == r->rdlen;
	case DG_RPZ_TYPE_SOA:
		for (int k = 0; k < 2; k++) {
			if (dg_name_from_wire(&n, r->rdata + off, r->rdlen - off, &used) != 0)
				return 0;
			off += used;
		}
		return r->rdlen - off == 20;
	default:
		return 0;
	}
}

/* The rdata of a record text_ok() took. */
static void
put_text(FILE *out, const struct fz_rr *r)
{
	char addr[INET6_ADDRSTRLEN];
	struct dg_name n;
	size_t off = 0, used;
	uint32_t v[5];

	switch (r->type) {
	case DG_RPZ_TYPE_A:
	case DG_RPZ_TYPE_AAAA:
		inet_ntop(r->type == DG_RPZ_TYPE_A ? AF_INET : AF_INET6, r->rdata, addr, sizeof(addr));
		fputs(addr, out);
		return;
	case DG_RPZ_TYPE_SOA:
		for (int k = 0; k < 2; k++) {
			dg_name_from_wire(&n, r->rdata + off, r->rdlen - off, &used);
			put_name(out, r->rdata + off, used);
			fputc(' ', out);
			off += used;
		}
		memcpy(v, r->rdata + off, sizeof(v));
		fprintf(out, "%u %u %u %u %u", ntohl(v[0]), ntohl(v[1]), ntohl(v[2]), ntohl(v[3]),
			ntohl(v[4]));
		return;
	default:
		put_name(out, r->rdata, r->rdlen);
	}
}

static int
put_rr(FILE *out, const struct dg_name *owner, const struct fz_rr *r)
{
	static const char *const types[] = { [DG_RPZ_TYPE_A] = "A", [DG_RPZ_TYPE_NS] = "NS",
		[DG_RPZ_TYPE_CNAME] = "CNAME", [DG_RPZ_TYPE_SOA] = "SOA",
		[DG_RPZ_TYPE_AAAA] = "AAAA" };

	if (put_name(out, owner->wire, owner->len) < 0)
		return -EINVAL;
	fprintf(out, " %u ", r->ttl);
	if (r->rclass == LDNS_RR_CLASS_IN)
		fputs("IN ", out);
	else
		fprintf(out, "CLASS%u ", r->rclass);
	if (text_ok(r)) {
		fprintf(out, "%s ", types[r->type]);
		put_text(out, r);
	} else {
		/* RFC 3597 generic form */
		fprintf(out, "TYPE%u \\# %u", r->type, r->rdlen);
		if (r->rdlen > 0)
			fputc(' ', out);
		for (uint16_t i = 0; i < r->rdlen; i++)
			fprintf(out, "%02x", r->rdata[i]);
	}
	fputc('\n', out);
	return 0;
}

int
fz_save(const struct fz_zone *z, const char *path, char *err, size_t len)
{
	char tmp[sizeof(((struct feed *)0)->path) + 16], dir[sizeof(tmp)];
	struct fz_owner *o;
	FILE *out;
	int fd, rc = 0;

	if (z->soa == NULL)
		return dg_errf(err, len, -EINVAL, "no SOA to write");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return dg_errf(err, len, rc, "cannot write %s: %s", tmp, strerror(-rc));
	}
	fprintf(out, "; dnsgate feed zone, serial %u: the last good transfer, read back at start\n",
		fz_serial(z));
	fputs("$ORIGIN ", out);
	put_name(out, z->origin.wire, z->origin.len);
	fputc('\n', out);
	rc = put_rr(out, &z->origin, z->soa);
	LDNS_RBTREE_FOR(o, struct fz_owner *, z->tree) {
		for (uint32_t i = 0; i < o->n && rc == 0; i++)
			rc = put_rr(out, &o->name, o->rrs[i]);
	}
	if (rc < 0) {
		fclose(out);
		unlink(tmp);
		return dg_errf(err, len, rc, "a record of the zone cannot be written as text");
	}
	if (fflush(out) != 0 || fsync(fd) != 0 || ferror(out)) {
		rc = -errno;
		fclose(out);
		unlink(tmp);
		return dg_errf(err, len, rc ? rc : -EIO, "writing %s: %s", tmp, strerror(errno));
	}
	fclose(out);
	if (rename(tmp, path) != 0) {
		rc = -errno;
		unlink(tmp);
		return dg_errf(err, len, rc, "renaming %s: %s", tmp, strerror(-rc));
	}
	/* The rename itself survives a crash once the directory is on disk. */
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
fz_load(const struct feed *f, const char *path, struct fz_zone **out, char *err, size_t len)
{
	FILE *in = fopen(path, "r");
	struct fz_zone *z;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t got;
	int rc = 0;

	if (in == NULL)
		return dg_errf(err, len, -errno, "%s: %s", path, strerror(errno));
	z = fz_zone_new(&f->origin);
	if (z == NULL) {
		fclose(in);
		return dg_errf(err, len, -ENOMEM, "out of memory");
	}
	while (rc == 0 && (got = getline(&line, &cap, in)) >= 0) {
		struct dg_name owner;
		struct fz_rr *r;
		ldns_rr *rr = NULL;

		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0 || line[0] == ';' || line[0] == '$')
			continue;
		if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK) {
			rc = dg_errf(err, len, -EINVAL, "%s:%lu: not a record", path, lineno);
			break;
		}
		rc = fz_rr_from_ldns(rr, &owner, &r);
		ldns_rr_free(rr);
		if (rc == 0)
			rc = fz_add(z, &owner, r);
		if (rc < 0)
			rc = dg_errf(err, len, rc, "%s:%lu: %s", path, lineno, strerror(-rc));
		else
			rc = 0;
	}
	free(line);
	fclose(in);
	if (rc == 0 && z->soa == NULL)
		rc = dg_errf(err, len, -EINVAL, "%s: no SOA record", path);
	if (rc < 0) {
		fz_zone_free(z);
		return rc;
	}
	fz_count_policies(f, z);
	*out = z;
	return 0;
}
