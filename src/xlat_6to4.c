/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 5: translating from IPv6 to IPv4, in the section's
 * steps as xlat_4to6.c takes section 4's: header chain (5.1), addresses,
 * hop limit and routing header (5.1), protocol, upper layer (5.2 ICMPv6,
 * 5.5 transport), emit or fragment (5.1). The packet quoted in an ICMPv6
 * error (5.3) goes through the same protocol, checksum and Echo steps
 * (xlat_steps.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_6to4.h"
#include "xlat_icmp.h"
#include "xlat_map.h"
#include "xlat_out.h"
#include "xlat_steps.h"
#include "xlat_tcpseg.h"

/* RFC 4884 section 4.5 / 4.1: the length attribute's place and word. */
#define ICMP6_EXT_LEN	4
#define ICMP6_WORD	8
#define ICMP4_WORD	4

/* RFC 1812 4.3.2.3: ICMPv4 errors within 576 bytes. */
#define ICMP4_ERR_MAX	576

/* RFC 7915 5.1: an unfragmented result above 1260 bytes gets DF. */
#define DF_THRESHOLD	1260

enum xlat_reason xlat_ip6_walk(const uint8_t *pkt, size_t avail,
			  struct xlat_ip6_info *h)
{
	uint8_t nh = pkt[IP6_NH];
	size_t off = IP6_HLEN;

	memset(h, 0, sizeof(*h));
	h->p = pkt;
	for (;;) {
		if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
		    nh == IPPROTO_DSTOPTS) {
			size_t hlen;

			/* Hop-by-hop only first (RFC 8200 4.3); after a
			 * Fragment Header the rest is fragmentable data. */
			if ((nh == IPPROTO_HOPOPTS && off != IP6_HLEN) || h->frag)
				return XLAT_R_BAD_EXTHDR;
			if (off + 8 > avail)
				return XLAT_R_BAD_EXTHDR;
			hlen = ((size_t)pkt[off + 1] + 1) * 8;
			if (off + hlen > avail)
				return XLAT_R_BAD_EXTHDR;
			if (nh == IPPROTO_ROUTING && pkt[off + 3] != 0 &&
			    !h->segleft)
				h->segleft = off + 3;
			nh = pkt[off];
			off += hlen;
		} else if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo;

			if (h->frag || off + 8 > avail)
				return XLAT_R_BAD_EXTHDR;
			fo = get16(pkt + off + 2);
			h->frag = true;
			h->off = fo & 0xfff8;
			h->mf = fo & 1;
			h->id = get32(pkt + off + 4);
			nh = pkt[off];
			off += 8;
			if (h->off)	/* not the first: data follows */
				break;
		} else {
			break;
		}
	}
	h->proto = nh;
	h->exthdr = off - IP6_HLEN;
	h->l4 = pkt + off;
	h->l4len = avail - off;
	return XLAT_R_NONE;
}

static uint16_t next_id(struct xlat_state *st)
{
	/* xorshift32: unpredictable enough for IDs of DF=0 packets that
	 * are only ever reassembled, never used to infer traffic. */
	uint32_t x = st->ipid;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->ipid = x;
	return (uint16_t)(x ^ (x >> 16));
}

/* RFC 7915 5.1: the IPv4 header, for the outer packet and the quoted one
 * alike. */
static inline __attribute__((always_inline)) void
put_hdr4(uint8_t *h, uint8_t tos, size_t totlen, uint16_t id,
	 uint16_t flags_off, uint8_t ttl, uint8_t proto, const uint8_t saddr[4],
	 const uint8_t daddr[4])
{
	h[0] = 0x45;
	h[IP4_TOS] = tos;
	put16(h + IP4_TOTLEN, (uint16_t)totlen);
	put16(h + IP4_ID, id);
	put16(h + IP4_FRAGOFF, flags_off);
	h[IP4_TTL] = ttl;
	h[IP4_PROTO] = proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : proto;
	put16(h + IP4_CSUM, 0);
	memcpy(h + IP4_SADDR, saddr, 4);
	memcpy(h + IP4_DADDR, daddr, 4);
	put16(h + IP4_CSUM, csum_fold(csum_add(0, h, IP4_HLEN)));
}

static uint8_t tclass(const uint8_t *ip6)
{
	return (uint8_t)(get16(ip6) >> 4);
}

/* The emit step's header callback: fragment fields from the Fragment
 * Header or DF by size (5.1, 5.1.1); cut further for a small IPv4 MTU
 * as an IPv4 router would (RFC 791). */
struct emit64 {
	const uint8_t *saddr, *daddr;
	uint16_t id, off;
	uint8_t tos, ttl, proto;
	bool df;
};

static size_t emit_hdr4(const void *ctx, uint8_t *hdr, size_t len,
			size_t off, bool more)
{
	const struct emit64 *e = ctx;

	put_hdr4(hdr, e->tos, IP4_HLEN + len, e->id,
		 (uint16_t)((e->off + off) / 8 | (more ? IP4_MF : 0)), e->ttl,
		 e->proto, e->saddr, e->daddr);
	return IP4_HLEN;
}

/* The protocol step, outer and quoted packet alike: ICMPv4 inside IPv6
 * would reach the host as an ICMPv4 message no translation checked; an
 * extension header number left over (after a non-first fragment) means
 * nothing as an IPv4 protocol. */
static enum xlat_reason proto_6to4(uint8_t proto)
{
	if (proto == IPPROTO_ICMP)
		return XLAT_R_ICMP_FAMILY;
	if (xlat_proto_v6only(proto))
		return XLAT_R_V6ONLY_PROTO;
	return XLAT_R_NONE;
}

/* RFC 7915 5.5: address-only pseudo-header change, see l4_4to6(). With
 * leave (a partial checksum that stays partial), the field gets the new
 * pseudo-header sum alone. */
static enum xlat_reason l4_6to4(const struct xlat_ip6_info *h,
				const uint8_t saddr[4], const uint8_t daddr[4],
				bool partial, bool leave, struct xlat_out *out,
				struct xlat_seg *segs, unsigned *nsegs)
{
	/* Called for TCP, UDP and DCCP only. */
	size_t coff = h->proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM;
	size_t hlen = coff + 2;
	uint8_t *t;
	uint16_t c;

	if (h->l4len < hlen)
		return XLAT_R_TRUNCATED;
	c = get16(h->l4 + coff);
	/* RFC 8200 8.1: a zero UDP checksum is not valid in IPv6. */
	if (h->proto == IPPROTO_UDP && c == 0 && !partial)
		return XLAT_R_UDP_ZERO_CSUM6;
	t = xlat_out_alloc(out, hlen);
	if (!t)
		return XLAT_R_NO_ROOM;
	memcpy(t, h->l4, hlen);
	if (leave) {
		/* Partial it came and partial it goes, for the new
		 * pseudo-header: the caller hands it on with csum_start. */
		c = (uint16_t)~csum_fold(csum_pseudo4(saddr, daddr, h->proto,
						      (uint32_t)h->l4len));
		put16(t + coff, c);
	} else if (partial) {
		/* Offloaded: the field holds only the sender's pseudo-header
		 * sum, so the whole checksum is computed (RFC 793 3.1,
		 * RFC 768) over the IPv4 pseudo-header and the data. */
		put16(t + coff, 0);
		c = xlat_l4_full(csum_pseudo4(saddr, daddr, h->proto,
					      (uint32_t)h->l4len),
				 t, hlen, h->l4 + hlen, h->l4len - hlen);
		if (h->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(t + coff, c);
	} else {
		xlat_l4_readdress(h->proto, coff, t, hlen,
				  csum_add(0, h->p + IP6_SADDR, 32),
				  csum_add(csum_add(0, saddr, 4), daddr, 4));
	}
	segs[0] = (struct xlat_seg){ t, hlen };
	segs[1] = (struct xlat_seg){ h->l4 + hlen, h->l4len - hlen };
	*nsegs = 2;
	return XLAT_R_NONE;
}

/* The packet quoted in an ICMPv6 error (RFC 7915 5.3; ilen bytes, with
 * an RFC 4884 length attribute trail says bytes beyond its payload length
 * are padding), written into msg as IPv4. It went from the CLAT to the
 * remote side. Returns the bytes written, or 0 with *r set. */
static size_t inner_6to4(const struct xlat_cfg *cfg, const uint8_t *in,
			 size_t ilen, bool trail, uint8_t *msg, size_t room,
			 bool *ifrag, enum xlat_reason *r)
{
	struct xlat_ip6_info ih;
	size_t plen, l4full, itot, copy;
	uint16_t fo;
	uint8_t *l4;

	*r = XLAT_R_ICMP_INNER;
	if (ilen < IP6_HLEN || in[0] >> 4 != 6)
		return 0;
	plen = get16(in + IP6_PLEN);
	if (trail && ilen > IP6_HLEN + plen)
		ilen = IP6_HLEN + plen;
	if (xlat_ip6_walk(in, ilen, &ih))
		return 0;
	/* The quoted packet went from the CLAT to the remote side. */
	if (memcmp(in + IP6_SADDR, cfg->clat6, 16) != 0 ||
	    xlat_map_remote_6to4(cfg, in + IP6_DADDR, msg + IP4_DADDR))
		return 0;
	*r = proto_6to4(ih.proto);
	if (*r)
		return 0;
	*r = XLAT_R_ICMP_INNER;
	if (ih.proto == IPPROTO_ICMPV6 && ih.off == 0 && ih.l4len > 0 &&
	    xlat_icmp6_is_error(ih.l4[0])) {
		*r = XLAT_R_ICMP_ERR_IN_ERR;
		return 0;
	}
	if (plen < ih.exthdr)
		return 0;
	l4full = plen - ih.exthdr;
	itot = IP4_HLEN + l4full;
	if (itot > 65535)
		return 0;
	if (ih.frag)
		fo = (uint16_t)((ih.mf ? IP4_MF : 0) | ih.off / 8);
	else
		fo = itot > DF_THRESHOLD ? IP4_DF : 0;
	put_hdr4(msg, tclass(in), itot, ih.frag ? (uint16_t)ih.id : 0, fo,
		 in[IP6_HLIM], ih.proto, cfg->clat4, msg + IP4_DADDR);
	copy = ih.l4len < room - IP4_HLEN ? ih.l4len : room - IP4_HLEN;
	l4 = msg + IP4_HLEN;
	memcpy(l4, ih.l4, copy);

	/* The same transport and Echo steps as the outer packet. */
	if (ih.off == 0) {
		if (ih.proto != IPPROTO_ICMPV6) {
			xlat_l4_readdress(ih.proto, xlat_l4_csum_off(ih.proto),
					  l4, copy,
					  csum_add(0, in + IP6_SADDR, 32),
					  csum_add(0, msg + IP4_SADDR, 8));
		} else if (copy > 0) {
			if (copy < 4 || (l4[0] != ICMP6_ECHO &&
					 l4[0] != ICMP6_ECHOREPLY))
				return 0;
			xlat_echo(l4, l4[0] == ICMP6_ECHO ? ICMP4_ECHO
							  : ICMP4_ECHOREPLY,
				  csum_pseudo6(in + IP6_SADDR, in + IP6_DADDR,
					       IPPROTO_ICMPV6,
					       (uint32_t)l4full), 0);
		}
	}
	*ifrag = ih.frag;
	*r = XLAT_R_NONE;
	return IP4_HLEN + copy;
}

/* RFC 4884 section 4.5: ICMPv6 errors that carry a length attribute. */
static bool ext6_type(uint8_t type)
{
	return type == ICMP6_UNREACH || type == ICMP6_TIME_EXCEEDED;
}

/* RFC 7915 5.2: ICMPv6 to ICMPv4. */
static enum xlat_reason icmp_6to4(const struct xlat_cfg *cfg,
				  struct xlat_state *st,
				  const struct xlat_ip6_info *h,
				  struct xlat_out *out, struct xlat_seg *segs,
				  unsigned *nsegs)
{
	const uint8_t *l4 = h->l4;
	uint32_t pseudo, rest = 0, sum;
	struct xlat_icmp_map m;
	struct xlat_icmp_ext x;
	enum xlat_reason r;
	bool ifrag = false, carry;
	size_t room, n;
	uint8_t *msg;

	if (h->l4len < ICMP_HLEN)
		return XLAT_R_TRUNCATED;
	pseudo = csum_pseudo6(h->p + IP6_SADDR, h->p + IP6_DADDR,
			      IPPROTO_ICMPV6, (uint32_t)h->l4len);
	if (l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHOREPLY) {
		uint8_t *t = xlat_out_alloc(out, ICMP_HLEN);

		if (!t)
			return XLAT_R_NO_ROOM;
		memcpy(t, l4, ICMP_HLEN);
		xlat_echo(t, l4[0] == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHOREPLY,
			  pseudo, 0);
		segs[0] = (struct xlat_seg){ t, ICMP_HLEN };
		segs[1] = (struct xlat_seg){ l4 + ICMP_HLEN,
					     h->l4len - ICMP_HLEN };
		*nsegs = 2;
		return XLAT_R_NONE;
	}
	/* MLD and ND are single-hop; other informational types unknown. */
	if (!xlat_icmp6_is_error(l4[0]))
		return XLAT_R_ICMP_TYPE;
	if (csum_fold(csum_add(pseudo, l4, h->l4len)) != 0)
		return XLAT_R_BAD_CSUM;
	if (xlat_icmp_err_6to4(l4[0], l4[1], &m))
		return XLAT_R_ICMP_TYPE;
	r = xlat_icmp_ext_split(l4 + ICMP_HLEN, h->l4len - ICMP_HLEN,
				ext6_type(l4[0]) ?
				(size_t)l4[ICMP6_EXT_LEN] * ICMP6_WORD : 0, &x);
	if (r)
		return r;

	/* RFC 1812 4.3.2.3: ICMPv4 errors within 576 bytes. RFC 4884 4.1:
	 * Destination Unreachable and Time Exceeded carry the extension
	 * after an original datagram field of 32-bit words, 128 octets at
	 * least, cut to make room. */
	room = ICMP4_ERR_MAX - IP4_HLEN - ICMP_HLEN;
	carry = x.ext && (m.type == ICMP4_UNREACH || m.type == ICMP4_TIMXCEED);
	if (carry) {
		size_t xroom = xlat_icmp_ext_room(room, x.ext_len, ICMP4_WORD);

		carry = xroom != 0;
		if (carry)
			room = xroom;
	}
	msg = xlat_out_alloc(out, ICMP_HLEN + room);
	if (!msg)
		return XLAT_R_NO_ROOM;
	n = inner_6to4(cfg, x.orig, x.orig_len, x.attr, msg + ICMP_HLEN, room,
		       &ifrag, &r);
	if (r)
		return r;
	if (carry) {
		n = xlat_icmp_ext_pad(msg + ICMP_HLEN, n, ICMP4_WORD);
		rest = (uint32_t)(n / ICMP4_WORD) << 16;
	}
	out->used -= room - n;

	if (m.rest == XLAT_ICMP_REST_MTU) {
		/* RFC 7915 5.2: min(MTU - 20, IPv4 next-hop MTU, IPv6
		 * next-hop MTU - 20), 8 more off when the packet in error
		 * carried a Fragment Header. */
		uint64_t mtu = get32(l4 + 4);
		uint64_t sub = ifrag ? 28 : 20;

		mtu = mtu > sub ? mtu - sub : 0;
		if (mtu > (uint64_t)cfg->mtu6 - 20)
			mtu = (uint64_t)cfg->mtu6 - 20;
		if (cfg->mtu4 && mtu > cfg->mtu4)
			mtu = cfg->mtu4;
		if (mtu < 68)	/* RFC 791: every IPv4 link carries 68 */
			mtu = 68;
		rest = (uint32_t)mtu;
		/* RFC 8201: what the host's TCP now learns, the cutter of
		 * super-packets learns too, for the quoted destination
		 * (no IPv6 path is below 1280, RFC 8200 5). */
		mtu = get32(l4 + 4);
		xlat_tcpseg_learn(st, msg + ICMP_HLEN + IP4_DADDR,
				  (uint32_t)(mtu < 1280 ? 1280 : mtu) - 40);
	} else if (m.rest == XLAT_ICMP_REST_POINTER) {
		int p = xlat_icmp_ptr_6to4(get32(l4 + 4));

		if (p < 0)
			return XLAT_R_ICMP_TYPE;
		rest = (uint32_t)p << 24;
	}
	msg[0] = m.type;
	msg[1] = m.code;
	put16(msg + ICMP_CSUM, 0);
	put32(msg + 4, rest);
	n += ICMP_HLEN;
	segs[0] = (struct xlat_seg){ msg, n };
	*nsegs = 1;
	sum = csum_add(0, msg, n);
	if (carry) {
		/* RFC 4884 section 7: the extension structure, its own
		 * checksum included, is carried unchanged. */
		segs[1] = (struct xlat_seg){ x.ext, x.ext_len };
		*nsegs = 2;
		sum = csum_add(sum, x.ext, x.ext_len);
	}
	put16(msg + ICMP_CSUM, csum_fold(sum));
	return XLAT_R_NONE;
}

/* A TCP super-packet (XLAT_IN_GSO): one IPv4 packet where it fits in
 * 65535 bytes and the IPv4 MTU, else segments of that size, each with its
 * checksum computed whole (the input's is only partial). DF set, ID zero
 * (RFC 6864), as for the large unfragmented packets of RFC 7915 5.1. */
static enum xlat_verdict tcp_gso_6to4(const struct xlat_cfg *cfg,
				      const struct xlat_ip6_info *h,
				      const uint8_t saddr[4], uint8_t ttl,
				      bool leave, struct xlat_out *out)
{
	uint8_t *ip = xlat_out_alloc(out, IP4_HLEN);

	if (!ip)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	put_hdr4(ip, tclass(h->p), IP4_HLEN, 0, IP4_DF, ttl, IPPROTO_TCP,
		 saddr, cfg->clat4);
	return xlat_tcp_segment(out, AF_INET, ip, h->l4, h->l4len,
				(cfg->mtu4 ? cfg->mtu4 : 65535) - 20u,
				csum_add(csum_add(0, saddr, 4), cfg->clat4, 4),
				leave);
}

enum xlat_verdict xlat_6to4(const struct xlat_cfg *cfg, struct xlat_state *st,
			    const uint8_t *pkt, size_t len, struct xlat_out *out)
{
	return xlat_6to4_in(cfg, st, pkt, len, 0, out);
}

enum xlat_verdict xlat_6to4_in(const struct xlat_cfg *cfg,
			       struct xlat_state *st, const uint8_t *pkt,
			       size_t len, unsigned in_flags,
			       struct xlat_out *out)
{
	struct xlat_ip6_info h;
	struct xlat_seg segs[XLAT_SEG_MAX];
	struct emit64 e;
	unsigned nsegs = 1;
	uint8_t saddr[4], ttl;
	enum xlat_reason r;
	enum xlat_verdict v;
	size_t plen, l4out, total, chunk;
	bool is_err, no_err, keep;
	/* Toward the host with offload metadata: partial stays partial. */
	bool leave = (in_flags & XLAT_IN_LEAVE_PARTIAL) && !cfg->mtu4;
	int rc;

	/* 5.1: the header chain. */
	xlat_out_reset(out, AF_INET);
	if (len < IP6_HLEN)
		return xlat_out_drop(out, XLAT_R_TRUNCATED);
	if (pkt[0] >> 4 != 6)
		return xlat_out_drop(out, XLAT_R_BAD_VERSION);
	plen = get16(pkt + IP6_PLEN);
	/* Zero is a jumbogram (RFC 2675): never on a path to IPv4. */
	if (plen == 0 || IP6_HLEN + plen > len)
		return xlat_out_drop(out, XLAT_R_BAD_LENGTH);
	len = IP6_HLEN + plen;
	r = xlat_ip6_walk(pkt, len, &h);
	if (r)
		return xlat_out_drop(out, r);

	/* Addresses. RFC 7915 5.1 source address; RFC 7600: ICMPv6 errors
	 * from addresses outside the prefix (routers on the path) come
	 * from the IPv4 dummy address. */
	if (memcmp(pkt + IP6_DADDR, cfg->clat6, 16) != 0)
		return xlat_out_drop(out, XLAT_R_DST_NOT_CLAT);
	is_err = h.proto == IPPROTO_ICMPV6 && h.off == 0 && h.l4len > 0 &&
		 xlat_icmp6_is_error(h.l4[0]);
	no_err = h.off != 0 || is_err;
	rc = xlat_map_remote_6to4(cfg, pkt + IP6_SADDR, saddr);
	if (rc == -ENOENT && is_err)
		memcpy(saddr, cfg->dummy4, 4);
	else if (rc == -ENOENT)
		return xlat_out_drop(out, XLAT_R_SRC_NOT_PLAT);
	else if (rc)
		return xlat_out_drop(out, XLAT_R_ADDR_FORBIDDEN);

	/* 5.1 TTL: the translator is a router. */
	ttl = pkt[IP6_HLIM];
	if (cfg->decrement_ttl && !(in_flags & XLAT_IN_FORWARDED)) {
		if (ttl <= 1)
			return xlat_icmp_reply6(cfg, pkt, len, no_err,
						ICMP6_TIME_EXCEEDED, 0, 0,
						XLAT_R_TTL_EXPIRED, out);
		ttl--;
	}
	/* 5.1: a Routing header with Segments Left is refused, the pointer
	 * naming that field. */
	if (h.segleft)
		return xlat_icmp_reply6(cfg, pkt, len, no_err,
					ICMP6_PARAMPROB, 0,
					(uint32_t)h.segleft,
					XLAT_R_SEGMENTS_LEFT, out);

	/* 5.2 ICMPv6, 5.5 transport. */
	segs[0] = (struct xlat_seg){ h.l4, h.l4len };
	keep = leave && (in_flags & XLAT_IN_CSUM_PARTIAL) && !h.frag &&
	       (h.proto == IPPROTO_TCP || h.proto == IPPROTO_UDP);
	switch (h.proto) {
	case IPPROTO_ICMPV6:
		/* An atomic fragment (offset 0, M clear) is whole. */
		if (h.off || h.mf)
			return xlat_out_drop(out, XLAT_R_ICMP_FRAGMENT);
		r = icmp_6to4(cfg, st, &h, out, segs, &nsegs);
		break;
	case IPPROTO_TCP:
		/* A remote's SYN tells its MSS: remembered for cutting the
		 * host's super-packets to it (struct xlat_state). */
		if (!h.off) {
			size_t thl = xlat_tcp_hlen(h.l4, h.l4len);
			uint32_t cap = thl ? xlat_tcpseg_syn_cap(h.l4, thl) : 0;

			if (cap)
				xlat_tcpseg_learn(st, saddr, cap);
		}
		if (in_flags & XLAT_IN_GSO)
			return h.frag ? xlat_out_drop(out, XLAT_R_BAD_FRAGMENT)
				      : tcp_gso_6to4(cfg, &h, saddr, ttl,
						     leave, out);
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_DCCP:
		if (in_flags & XLAT_IN_GSO)
			r = XLAT_R_GSO_NOT_TCP;
		else
			r = h.off ? XLAT_R_NONE
				  : l4_6to4(&h, saddr, cfg->clat4,
					    in_flags & XLAT_IN_CSUM_PARTIAL,
					    keep, out, segs, &nsegs);
		break;
	default:	/* 5.5: other protocols pass unchanged, 5.1: with a
			 * protocol that means the same in IPv4 */
		r = proto_6to4(h.proto);
		break;
	}
	if (!r && (in_flags & XLAT_IN_GSO) && h.proto != IPPROTO_TCP)
		r = XLAT_R_GSO_NOT_TCP;
	if (r)
		return xlat_out_drop(out, r);
	l4out = 0;
	for (unsigned i = 0; i < nsegs; i++)
		l4out += segs[i].n;
	total = IP4_HLEN + l4out;
	if (total > 65535 || (size_t)h.off + l4out > 65535)
		return xlat_out_drop(out, XLAT_R_BAD_LENGTH);

	/* 5.1 / 5.1.1: fragment fields from the Fragment Header; otherwise
	 * DF above 1260 bytes, and an Identification of our own where DF
	 * is clear (RFC 6864: DF datagrams need none). */
	e.df = !h.frag && total > DF_THRESHOLD;
	e.id = h.frag ? (uint16_t)h.id : e.df ? 0 : next_id(st);
	if (cfg->mtu4 && total > cfg->mtu4 && e.df)
		return xlat_icmp_reply6(cfg, pkt, len, no_err,
					ICMP6_PACKET_TOO_BIG, 0,
					cfg->mtu4 + 20u, XLAT_R_TOO_BIG, out);
	if (!cfg->mtu4 || total <= cfg->mtu4) {
		uint8_t *hdr = xlat_out_alloc(out, IP4_HLEN);

		if (!hdr)
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		put_hdr4(hdr, tclass(pkt), total, e.id,
			 e.df ? IP4_DF : (uint16_t)(h.off / 8 |
						    (h.mf ? IP4_MF : 0)),
			 ttl, h.proto, saddr, cfg->clat4);
		v = xlat_emit_one(out, hdr, IP4_HLEN, segs, nsegs, l4out);
		if (v == XLAT_FORWARD)
			out->pkt[0].id_free = !h.frag;
		if (v == XLAT_FORWARD && keep) {
			out->pkt[0].csum_start = IP4_HLEN;
			out->pkt[0].csum_offset =
				h.proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM;
		}
		return v;
	}
	/* Toward an IPv4 link with a smaller MTU (cfg->mtu4): fragment as
	 * an IPv4 router would (RFC 791). */
	e.saddr = saddr;
	e.daddr = cfg->clat4;
	e.off = h.off;
	e.tos = tclass(pkt);
	e.ttl = ttl;
	e.proto = h.proto;
	chunk = (size_t)(cfg->mtu4 - IP4_HLEN) & ~(size_t)7;
	return xlat_emit_frags(out, segs, nsegs, l4out, IP4_HLEN, chunk, h.mf,
			       emit_hdr4, &e);
}
