/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_REASM_H
#define DG_REASM_H

/**
 * @file
 * IP reassembly for the decision: a bounded table of incomplete datagrams, one per worker.
 * The caller's frames stay untouched, held as opaque handles in arrival order; when a
 * datagram is whole, dg_reasm_build() writes a linear copy of it for the decision, and the
 * caller answers, drops or forwards the originals byte for byte.
 *
 * What a datagram is, is what the resolver's host would reassemble: Linux's rules
 * (RFC 791, RFC 8200, RFC 5722), which dnsgate follows fragment by fragment:
 *  - key: addresses, ID and (IPv4) protocol; the first fragment's Next Header (IPv6);
 *  - a non-last IPv4 fragment is cut to a multiple of 8 bytes; a non-last IPv6 one that
 *    is not one is dropped by the host on its own (so it is not held here);
 *  - a fragment inside data already held is a duplicate, ignored by the host;
 *  - any other overlap, a last fragment that disagrees with the length, a fragment past
 *    it, an empty one or an oversized datagram makes the host discard the whole datagram.
 * Where hosts disagree (a duplicate with other bytes than the held ones: Linux keeps the
 * first, other systems may take the second), the datagram is discarded here too, so no
 * reading of it reaches the resolver (DG_REASM_DISCARD, DG_REASM_WHY_OVERLAP).
 *
 * A datagram whose first fragment shows it is no DNS query for us (another protocol or
 * port) is passed: what is held leaves at once, later fragments pass on sight, and the
 * entry only follows the host's state (so that a datagram restarted after a discard is
 * held again).
 *
 * No DPDK here: no allocation after create, no lock, no system call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_REASM_FRAGS_MAX = 64, /**< fragments held for one datagram (a DNS query needs few) */
	DG_REASM_FLOWS_MAX = 1u << 20, /**< largest table */
};

/** What identifies a datagram's fragments (RFC 791 3.2, RFC 8200 4.5). */
struct dg_reasm_key {
	uint8_t family;     /**< 4 or 6 */
	uint8_t proto;      /**< IPv4 protocol; 0 for IPv6 (keyed on addresses and ID only) */
	uint8_t pad[2];
	uint32_t id;        /**< IPv4 Identification, or IPv6 Fragment Identification */
	uint8_t src[16];    /**< IPv4: first 4 bytes, rest zero */
	uint8_t dst[16];
};

/** One fragment as its frame carries it (dg_reasm_parse()). Offsets are from the frame. */
struct dg_reasm_frag {
	struct dg_reasm_key key;
	uint32_t off;       /**< first payload byte's place in the datagram's fragmentable part */
	uint32_t end;       /**< one past its last, as the host counts it (cut to 8 if not last) */
	uint16_t data;      /**< the payload's first byte */
	uint16_t hdr_len;   /**< bytes kept before the payload when reassembled: L2 and the IP
			     *   header (IPv4 with options; IPv6 up to the Fragment header) */
	uint16_t l3_off;    /**< IP header */
	uint16_t nh_off;    /**< IPv6: the Next Header byte that names the Fragment header */
	uint16_t pppoe_off; /**< PPPoE session header (its length is fixed up), or 0 */
	uint8_t ver;        /**< 4 or 6 */
	uint8_t nh;         /**< IPv6: the Fragment header's Next Header; IPv4: the protocol */
	bool more;          /**< more fragments follow (MF / M) */
	bool maybe_dns;     /**< first fragment (off 0): the datagram may be a DNS query to a
			     *   resolver we filter for (UDP to the DNS port, or unknown yet) */
};

/**
 * Read what the host reassembles from a fragment that dg_wire_parse_l2l4() classified as
 * DG_FWD_IP4_FRAGMENT or DG_FWD_IP6_FRAGMENT into @p p (its L3 fields are used).
 *
 * @param frame  The frame, @p len contiguous bytes.
 * @param cfg    DNS port and resolver filter, for dg_reasm_frag.maybe_dns.
 * @return 0: a fragment to reassemble;
 *   -ENOTSUP: an IPv4 fragment of another protocol than UDP (not ours: forward it);
 *   -EINVAL: a fragment the host drops on its own (a non-last IPv6 fragment not a
 *   multiple of 8 bytes, one ending past 65535 bytes, a first one that stops before the
 *   end of its upper-layer header) or that is cut short: forward it, it joins nothing.
 */
int dg_reasm_parse(const uint8_t *frame, size_t len, const struct dg_pkt *p,
		   const struct dg_pkt_cfg *cfg, struct dg_reasm_frag *out);

/** Why frames come out of the table. */
enum dg_reasm_why {
	DG_REASM_WHY_NONE = 0,
	DG_REASM_WHY_PASS,      /**< not a DNS query for us, or ignored by the host as well */
	DG_REASM_WHY_OVERFLOW,  /**< no room (table, held-frame budget): passed undecided */
	DG_REASM_WHY_TIMEOUT,   /**< incomplete when its time ran out (or at shutdown) */
	DG_REASM_WHY_OVERLAP,   /**< overlapping fragments, or a duplicate with other bytes */
	DG_REASM_WHY_BAD,       /**< lengths the host rejects: discarded */
	DG_REASM_WHY_TOO_MANY,  /**< over DG_REASM_FRAGS_MAX fragments: discarded */
};

/** What to do with the frames in dg_reasm_out. */
enum dg_reasm_verdict {
	DG_REASM_HELD = 0,   /**< the fragment is held; nothing to do now (out is empty) */
	DG_REASM_FORWARD,    /**< forward out's frames now, in their order */
	DG_REASM_DISCARD,    /**< drop out's frames */
	DG_REASM_COMPLETE,   /**< a whole datagram: dg_reasm_build() it, decide, then dispose
			      *   of out's frames (all the datagram's, in arrival order) */
};

/** One frame leaving the table, and the bytes it brings to the datagram. */
struct dg_reasm_piece {
	void *h;            /**< the caller's handle */
	uint16_t off;       /**< payload offset in the datagram */
	uint16_t end;       /**< one past its last byte */
	uint16_t data;      /**< payload's first byte in the frame */
	bool dup;           /**< a duplicate: brings nothing */
};

/** Frames leaving the table, in arrival order. Self-contained: the table keeps nothing. */
struct dg_reasm_out {
	enum dg_reasm_why why;
	unsigned int n;
	struct dg_reasm_piece p[DG_REASM_FRAGS_MAX + 1];
	/* DG_REASM_COMPLETE only */
	unsigned int head;  /**< index in p[] of the first fragment (offset 0) */
	struct dg_reasm_frag first; /**< its headers (hdr_len, nh_off, ...) */
	uint32_t len;       /**< bytes of the fragmentable part */
};

struct dg_reasm;

/**
 * Read @p len bytes at @p off of the frame behind handle @p h into @p dst.
 * @return 0, or negative if the frame is shorter.
 */
typedef int (*dg_reasm_read_fn)(void *h, uint32_t off, uint32_t len, uint8_t *dst,
				void *arg);

/**
 * Create a table.
 *
 * @param flows     Datagrams followed at once (1..DG_REASM_FLOWS_MAX), rounded up to a
 *                  multiple of the 8-way buckets.
 * @param held_max  Frames held at once, all datagrams together (>= 1).
 * @param timeout   How long a datagram may take, in the clock units of @p now.
 * @param seed      Hash seed (random: a chosen bucket cannot be flooded).
 * @param read      Reads held frames (duplicate checks).
 * @return 0, -EINVAL (a bound out of range, no read function) or -ENOMEM.
 */
int dg_reasm_create(struct dg_reasm **t, uint32_t flows, uint32_t held_max,
		    uint64_t timeout, uint64_t seed, dg_reasm_read_fn read, void *read_arg);

void dg_reasm_free(struct dg_reasm *t);

/**
 * Add one fragment, read by dg_reasm_parse() from @p frame (still readable), behind
 * handle @p h. An IPv6 fragment with offset 0 and no more to follow (RFC 6946 atomic
 * fragment) is a datagram of its own: DG_REASM_COMPLETE at once.
 *
 * @return the verdict for the frames now in @p out (with out->why):
 *   DG_REASM_HELD (@p h is held), DG_REASM_FORWARD (WHY_PASS, WHY_OVERFLOW),
 *   DG_REASM_DISCARD (WHY_OVERLAP, WHY_BAD, WHY_TOO_MANY) or DG_REASM_COMPLETE.
 */
enum dg_reasm_verdict dg_reasm_add(struct dg_reasm *t, const struct dg_reasm_frag *f,
				   const uint8_t *frame, void *h, uint64_t now,
				   struct dg_reasm_out *out);

/**
 * Write the datagram of a DG_REASM_COMPLETE @p o into @p buf: the first fragment's
 * headers with the lengths and fragment fields of a whole datagram (a fresh IPv4 header
 * checksum, no Fragment header, PPPoE length), then every piece at its place. Past
 * @p room bytes the frame is cut and its IP, PPPoE and UDP lengths describe what was
 * written (the UDP checksum then no longer holds).
 *
 * @return the whole frame's length (over @p room: cut), or -EIO if a read failed.
 */
long dg_reasm_build(const struct dg_reasm *t, const struct dg_reasm_out *o, uint8_t *buf,
		    size_t room);

/**
 * Take out the oldest datagram whose time ran out at @p now (WHY_TIMEOUT; frames to
 * forward, possibly none for a passed one).
 * @return true if one was taken out.
 */
bool dg_reasm_expire(struct dg_reasm *t, uint64_t now, struct dg_reasm_out *out);

/** Take out the oldest datagram whatever its age (shutdown). @return false if empty. */
bool dg_reasm_flush(struct dg_reasm *t, struct dg_reasm_out *out);

/** Datagrams followed, frames held. */
void dg_reasm_usage(const struct dg_reasm *t, uint32_t *flows, uint32_t *held);

#ifdef __cplusplus
}
#endif

#endif /* DG_REASM_H */
