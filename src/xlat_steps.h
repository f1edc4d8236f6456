/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The steps of RFC 7915 that both directions share (the per-packet ones
 * inline, so each direction's driver compiles them in as before), and that the packet
 * quoted in an ICMP error goes through as the outer packet does: header
 * field offsets and protocol numbers by name, the upper-layer checksum
 * update (4.5 / 5.5), Echo translation (4.2 / 5.2), the emit-or-fragment
 * loop (4.1 / 5.1), and RFC 4884 extensions of ICMP errors (4.2 / 5.2). */
#ifndef CLAT_XLAT_STEPS_H
#define CLAT_XLAT_STEPS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "csum.h"
#include "xlat.h"
#include "xlat_out.h"

/* IPv4 header (RFC 791 section 3.1). */
#define IP4_HLEN	20
#define IP4_TOS		1
#define IP4_TOTLEN	2
#define IP4_ID		4
#define IP4_FRAGOFF	6
#define IP4_TTL		8
#define IP4_PROTO	9
#define IP4_CSUM	10
#define IP4_SADDR	12
#define IP4_DADDR	16
#define IP4_DF		0x4000
#define IP4_MF		0x2000
#define IP4_OFFMASK	0x1fff

/* IPv6 header and Fragment Header (RFC 8200 sections 3 and 4.5). */
#define IP6_HLEN	40
#define IP6_PLEN	4
#define IP6_NH		6
#define IP6_HLIM	7
#define IP6_SADDR	8
#define IP6_DADDR	24
#define IP6_FRAG_HLEN	8

/* ICMP header, both families: type, code, checksum, a 32-bit rest. */
#define ICMP_HLEN	8
#define ICMP_CSUM	2

/* Checksum field offsets (RFC 9293, RFC 768, RFC 4340). */
#define TCP_CSUM	16
#define UDP_CSUM	6
#define DCCP_CSUM	6
#define UDP_HLEN	8

/* IPv4 protocol numbers that are IPv6 extension headers (Hop-by-Hop,
 * Routing, Fragment, Destination Options): translated unchanged they
 * would make the IPv6 side parse the payload as a header. */
static inline bool xlat_proto_v6only(uint8_t proto)
{
	return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING ||
	       proto == IPPROTO_FRAGMENT || proto == IPPROTO_DSTOPTS;
}

/* Where the checksum of a pseudo-header protocol lives (RFC 7915 4.5 /
 * 5.5: TCP, UDP, DCCP), 0 for the others. */
static inline size_t xlat_l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return TCP_CSUM;
	case IPPROTO_UDP:
		return UDP_CSUM;
	case IPPROTO_DCCP:
		return DCCP_CSUM;
	default:
		return 0;
	}
}

/* RFC 7915 4.5 / 5.5: the pseudo-header's length and protocol do not
 * change, so only the address sums are swapped out of the checksum of t
 * (n bytes of a TCP, UDP or DCCP header whose checksum is at coff, from
 * xlat_l4_csum_off(); nothing when n does not reach past it). A zero UDP
 * checksum stays zero (no checksum). */
static inline void xlat_l4_readdress(uint8_t proto, size_t coff, uint8_t *t,
				     size_t n, uint32_t old_addrs,
				     uint32_t new_addrs)
{
	uint16_t c;

	if (!coff || n < coff + 2)
		return;
	c = get16(t + coff);
	if (proto == IPPROTO_UDP && c == 0)
		return;
	c = csum_adjust(c, old_addrs, new_addrs);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;	/* RFC 768: zero means no checksum */
	put16(t + coff, c);
}
/* The whole checksum of an upper-layer message: its pseudo-header sum,
 * then hlen bytes at t (checksum field zeroed) and rlen bytes at rest. */
static inline uint16_t xlat_l4_full(uint32_t pseudo, const uint8_t *t, size_t hlen,
		      const uint8_t *rest, size_t rlen)
{
	return csum_fold(csum_add(csum_add(pseudo, t, hlen), rest, rlen));
}
/* RFC 7915 4.2 / 5.2: an Echo Request or Reply in t (at least 4 bytes)
 * takes new_type; the checksum drops old_pseudo (ICMPv6's pseudo-header
 * sum, or 0) and gains new_pseudo. */
static inline void xlat_echo(uint8_t *t, uint8_t new_type, uint32_t old_pseudo,
	       uint32_t new_pseudo)
{
	uint16_t w0 = get16(t);

	t[0] = new_type;
	put16(t + ICMP_CSUM, csum_adjust(get16(t + ICMP_CSUM), w0 + old_pseudo,
					 get16(t) + new_pseudo));
}
/* RFC 7915 4.1 / 5.1: the translated packet goes out whole, behind the
 * header hdr (hl bytes, the last arena allocation), or cut into fragments
 * here (xlat_emit_frags()). XLAT_FORWARD, or a drop for want of room. */
static inline enum xlat_verdict xlat_emit_one(struct xlat_out *out,
					      const uint8_t *hdr, size_t hl,
					      const struct xlat_seg *segs,
					      unsigned nsegs, size_t l4len)
{
	if (xlat_out_begin(out) || xlat_out_add(out, hdr, hl) ||
	    xlat_out_add_slice(out, segs, nsegs, 0, l4len))
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	xlat_out_end(out);
	out->verdict = XLAT_FORWARD;
	return XLAT_FORWARD;
}

/* The header of one fragment: write it at hdr (room for hmax bytes) for
 * len bytes of upper-layer data from offset off of the datagram, with
 * More Fragments more. Returns the header's length. */
typedef size_t (*xlat_hdr_fn)(const void *ctx, uint8_t *hdr, size_t len,
			      size_t off, bool more);

/* The l4len bytes of segs cut into fragments of chunk bytes (a multiple
 * of 8), each behind a header from fn; mf is the input's own More
 * Fragments (the last fragment keeps it). */
enum xlat_verdict xlat_emit_frags(struct xlat_out *out,
				  const struct xlat_seg *segs, unsigned nsegs,
				  size_t l4len, size_t hmax, size_t chunk,
				  bool mf, xlat_hdr_fn fn, const void *ctx);
/* RFC 4884: an ICMP error's body split into its original datagram field
 * and the extension structure after it. */
struct xlat_icmp_ext {
	const uint8_t *orig;	/* the original datagram field */
	size_t orig_len;
	bool attr;		/* a length attribute delimited orig */
	const uint8_t *ext;	/* the extension structure, or NULL */
	size_t ext_len;
};

/* Split body (blen bytes after the 8-byte ICMP header) by the length
 * attribute attr_len (its value times the family's word size, RFC 4884
 * section 4; 0 when the type has none or it is zero). A zero attribute
 * with a valid version-2 extension header at octet 128 is the
 * non-compliant form of section 5 and is read as 128 + extension.
 * XLAT_R_NONE, or XLAT_R_ICMP_EXT when the attribute overruns the body. */
enum xlat_reason xlat_icmp_ext_split_slow(const uint8_t *body, size_t blen,
					  size_t attr_len,
					  struct xlat_icmp_ext *x);

static inline enum xlat_reason xlat_icmp_ext_split(const uint8_t *body,
						   size_t blen,
						   size_t attr_len,
						   struct xlat_icmp_ext *x)
{
	/* The common case, no attribute and too short for the length-0
	 * form: the whole body is the quoted packet. */
	if (!attr_len && blen < 128 + 4) {
		*x = (struct xlat_icmp_ext){ .orig = body, .orig_len = blen };
		return XLAT_R_NONE;
	}
	return xlat_icmp_ext_split_slow(body, blen, attr_len, x);
}

/* RFC 4884 section 4 for the translated error: the room for its
 * original datagram field when ext_len bytes of extension must fit in
 * limit bytes of body with word-sized (4 or 8) padding, or 0 when they
 * cannot fit beside the 128 octets the field then needs. */
size_t xlat_icmp_ext_room(size_t limit, size_t ext_len, size_t word);

/* Pad the translated field of n bytes at field (room bytes) with zeros
 * to a whole number of words, and to 128 octets at least. Returns the
 * padded length. */
size_t xlat_icmp_ext_pad(uint8_t *field, size_t n, size_t word);

#endif
