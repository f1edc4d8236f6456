/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 5: translating from IPv6 to IPv4. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_6to4.h"
#include "xlat_icmp.h"
#include "xlat_map.h"
#include "xlat_out.h"
#include "xlat_tcpseg.h"

#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_DSTOPTS	60

/* RFC 7915 5.1: an unfragmented result above 1260 bytes gets DF. */
#define DF_THRESHOLD	1260

enum xlat_reason xlat_ip6_walk(const uint8_t *pkt, size_t avail,
			  struct xlat_ip6_info *h)
{
	uint8_t nh = pkt[6];
	size_t off = 40;

	memset(h, 0, sizeof(*h));
	h->p = pkt;
	for (;;) {
		if (nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS) {
			size_t hlen;

			/* Hop-by-hop only first (RFC 8200 4.3); after a
			 * Fragment Header the rest is fragmentable data. */
			if ((nh == NH_HOPOPTS && off != 40) || h->frag)
				return XLAT_R_BAD_EXTHDR;
			if (off + 8 > avail)
				return XLAT_R_BAD_EXTHDR;
			hlen = ((size_t)pkt[off + 1] + 1) * 8;
			if (off + hlen > avail)
				return XLAT_R_BAD_EXTHDR;
			if (nh == NH_ROUTING && pkt[off + 3] != 0 &&
			    !h->segleft)
				h->segleft = off + 3;
			nh = pkt[off];
			off += hlen;
		} else if (nh == NH_FRAGMENT) {
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
	h->exthdr = off - 40;
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

static void put_hdr4(uint8_t *h, uint8_t tos, size_t totlen, uint16_t id,
		     uint16_t flags_off, uint8_t ttl, uint8_t proto,
		     const uint8_t saddr[4], const uint8_t daddr[4])
{
	h[0] = 0x45;
	h[1] = tos;
	put16(h + 2, (uint16_t)totlen);
	put16(h + 4, id);
	put16(h + 6, flags_off);
	h[8] = ttl;
	h[9] = proto == 58 ? 1 : proto;
	put16(h + 10, 0);
	memcpy(h + 12, saddr, 4);
	memcpy(h + 16, daddr, 4);
	put16(h + 10, csum_fold(csum_add(0, h, 20)));
}

static uint8_t tclass(const uint8_t *ip6)
{
	return (uint8_t)(get16(ip6) >> 4);
}

/* RFC 7915 5.5: address-only pseudo-header change, see l4_4to6(). With
 * leave (a partial checksum that stays partial), the field gets the new
 * pseudo-header sum alone. */
static enum xlat_reason l4_6to4(const struct xlat_ip6_info *h,
				const uint8_t saddr[4], const uint8_t daddr[4],
				bool partial, bool leave, struct xlat_out *out,
				struct xlat_seg *segs, unsigned *nsegs)
{
	size_t coff = h->proto == 6 ? 16 : 6;
	size_t hlen = coff + 2;
	uint32_t new;
	uint8_t *t;
	uint16_t c;

	if (h->l4len < hlen)
		return XLAT_R_TRUNCATED;
	c = get16(h->l4 + coff);
	/* RFC 8200 8.1: a zero UDP checksum is not valid in IPv6. */
	if (h->proto == 17 && c == 0 && !partial)
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
	} else if (partial) {
		/* Offloaded: the field holds only the sender's pseudo-header
		 * sum, so the whole checksum is computed (RFC 793 3.1,
		 * RFC 768) over the IPv4 pseudo-header and the data. */
		put16(t + coff, 0);
		new = csum_pseudo4(saddr, daddr, h->proto, (uint32_t)h->l4len);
		new = csum_add(new, t, hlen);
		new = csum_add(new, h->l4 + hlen, h->l4len - hlen);
		c = csum_fold(new);
	} else {
		new = csum_add(csum_add(0, saddr, 4), daddr, 4);
		c = csum_adjust(c, csum_add(0, h->p + 8, 32), new);
	}
	if (h->proto == 17 && c == 0)
		c = 0xffff;
	put16(t + coff, c);
	segs[0] = (struct xlat_seg){ t, hlen };
	segs[1] = (struct xlat_seg){ h->l4 + hlen, h->l4len - hlen };
	*nsegs = 2;
	return XLAT_R_NONE;
}

/* The packet quoted in an ICMPv6 error (RFC 7915 5.3), written into msg
 * as IPv4. Returns the bytes written, or 0 with *r set. */
static size_t inner_6to4(const struct xlat_cfg *cfg, const uint8_t *in,
			 size_t ilen, uint8_t *msg, size_t room, bool *ifrag,
			 enum xlat_reason *r)
{
	struct xlat_ip6_info ih;
	size_t plen, l4full, itot, copy;
	uint16_t fo;
	uint8_t *l4;

	*r = XLAT_R_ICMP_INNER;
	if (ilen < 40 || in[0] >> 4 != 6 || xlat_ip6_walk(in, ilen, &ih))
		return 0;
	/* The quoted packet went from the CLAT to the remote side. */
	if (memcmp(in + 8, cfg->clat6, 16) != 0 ||
	    xlat_map_remote_6to4(cfg, in + 24, msg + 16))
		return 0;
	if (ih.proto == 58 && ih.off == 0 && ih.l4len > 0 &&
	    xlat_icmp6_is_error(ih.l4[0])) {
		*r = XLAT_R_ICMP_ERR_IN_ERR;
		return 0;
	}
	plen = get16(in + 4);
	if (plen < ih.exthdr)
		return 0;
	l4full = plen - ih.exthdr;
	itot = 20 + l4full;
	if (itot > 65535)
		return 0;
	if (ih.frag)
		fo = (uint16_t)((ih.mf ? 0x2000 : 0) | ih.off / 8);
	else
		fo = itot > DF_THRESHOLD ? 0x4000 : 0;
	put_hdr4(msg, tclass(in), itot, ih.frag ? (uint16_t)ih.id : 0, fo,
		 in[7], ih.proto, cfg->clat4, msg + 16);
	copy = ih.l4len < room - 20 ? ih.l4len : room - 20;
	l4 = msg + 20;
	memcpy(l4, ih.l4, copy);

	if (ih.off == 0) {
		uint32_t old = csum_add(0, in + 8, 32);
		uint32_t new = csum_add(0, msg + 12, 8);

		if ((ih.proto == 6 && copy >= 18) ||
		    ((ih.proto == 17 || ih.proto == 33) && copy >= 8)) {
			size_t coff = ih.proto == 6 ? 16 : 6;
			uint16_t c = get16(l4 + coff);

			if (c != 0 || ih.proto != 17)
				put16(l4 + coff, csum_adjust(c, old, new));
		} else if (ih.proto == 58 && copy > 0) {
			uint16_t w0 = get16(l4);

			if (copy < 4 || (l4[0] != ICMP6_ECHO &&
					 l4[0] != ICMP6_ECHOREPLY))
				return 0;
			l4[0] = l4[0] == ICMP6_ECHO ? ICMP4_ECHO
						    : ICMP4_ECHOREPLY;
			old = csum_pseudo6(in + 8, in + 24, 58,
					   (uint32_t)l4full);
			put16(l4 + 2, csum_adjust(get16(l4 + 2), w0 + old,
						  get16(l4)));
		}
	}
	*ifrag = ih.frag;
	*r = XLAT_R_NONE;
	return 20 + copy;
}

/* RFC 7915 5.2: ICMPv6 to ICMPv4. */
static enum xlat_reason icmp_6to4(const struct xlat_cfg *cfg,
				  struct xlat_state *st,
				  const struct xlat_ip6_info *h,
				  struct xlat_out *out, struct xlat_seg *segs,
				  unsigned *nsegs)
{
	const uint8_t *l4 = h->l4;
	uint32_t pseudo, rest = 0;
	struct xlat_icmp_map m;
	enum xlat_reason r;
	bool ifrag = false;
	size_t room, n;
	uint8_t *msg;

	if (h->l4len < 8)
		return XLAT_R_TRUNCATED;
	pseudo = csum_pseudo6(h->p + 8, h->p + 24, 58, (uint32_t)h->l4len);
	if (l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHOREPLY) {
		uint8_t *t = xlat_out_alloc(out, 8);

		if (!t)
			return XLAT_R_NO_ROOM;
		memcpy(t, l4, 8);
		t[0] = l4[0] == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHOREPLY;
		put16(t + 2, csum_adjust(get16(l4 + 2), get16(l4) + pseudo,
					 get16(t)));
		segs[0] = (struct xlat_seg){ t, 8 };
		segs[1] = (struct xlat_seg){ l4 + 8, h->l4len - 8 };
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

	/* RFC 1812 4.3.2.3: ICMPv4 errors within 576 bytes. */
	room = 576 - 20 - 8;
	msg = xlat_out_alloc(out, 8 + room);
	if (!msg)
		return XLAT_R_NO_ROOM;
	n = inner_6to4(cfg, l4 + 8, h->l4len - 8, msg + 8, room, &ifrag, &r);
	if (r)
		return r;
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
		xlat_tcpseg_learn(st, msg + 8 + 16,
			     (uint32_t)(mtu < 1280 ? 1280 : mtu) - 40);
	} else if (m.rest == XLAT_ICMP_REST_POINTER) {
		int p = xlat_icmp_ptr_6to4(get32(l4 + 4));

		if (p < 0)
			return XLAT_R_ICMP_TYPE;
		rest = (uint32_t)p << 24;
	}
	msg[0] = m.type;
	msg[1] = m.code;
	put16(msg + 2, 0);
	put32(msg + 4, rest);
	n += 8;
	put16(msg + 2, csum_fold(csum_add(0, msg, n)));
	segs[0] = (struct xlat_seg){ msg, n };
	*nsegs = 1;
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
	uint8_t *ip = xlat_out_alloc(out, 20);

	if (!ip)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	put_hdr4(ip, tclass(h->p), 20, 0, 0x4000, ttl, 6, saddr, cfg->clat4);
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
	unsigned nsegs = 1;
	uint8_t saddr[4], ttl;
	enum xlat_reason r;
	size_t plen, l4out, total;
	bool is_err, no_err, df, keep;
	/* Toward the host with offload metadata: partial stays partial. */
	bool leave = (in_flags & XLAT_IN_LEAVE_PARTIAL) && !cfg->mtu4;
	uint16_t id;
	int rc;

	xlat_out_reset(out, AF_INET);
	if (len < 40)
		return xlat_out_drop(out, XLAT_R_TRUNCATED);
	if (pkt[0] >> 4 != 6)
		return xlat_out_drop(out, XLAT_R_BAD_VERSION);
	plen = get16(pkt + 4);
	/* Zero is a jumbogram (RFC 2675): never on a path to IPv4. */
	if (plen == 0 || 40 + plen > len)
		return xlat_out_drop(out, XLAT_R_BAD_LENGTH);
	len = 40 + plen;
	r = xlat_ip6_walk(pkt, len, &h);
	if (r)
		return xlat_out_drop(out, r);
	if (memcmp(pkt + 24, cfg->clat6, 16) != 0)
		return xlat_out_drop(out, XLAT_R_DST_NOT_CLAT);

	is_err = h.proto == 58 && h.off == 0 && h.l4len > 0 &&
		 xlat_icmp6_is_error(h.l4[0]);
	no_err = h.off != 0 || is_err;
	/* RFC 7915 5.1 source address; RFC 7600: ICMPv6 errors from
	 * addresses outside the prefix (routers on the path) come from the
	 * IPv4 dummy address. */
	rc = xlat_map_remote_6to4(cfg, pkt + 8, saddr);
	if (rc == -ENOENT && is_err)
		memcpy(saddr, cfg->dummy4, 4);
	else if (rc == -ENOENT)
		return xlat_out_drop(out, XLAT_R_SRC_NOT_PLAT);
	else if (rc)
		return xlat_out_drop(out, XLAT_R_ADDR_FORBIDDEN);

	ttl = pkt[7];
	if (cfg->decrement_ttl) {
		if (ttl <= 1)
			return xlat_icmp_reply6(cfg, pkt, len, no_err,
					   ICMP6_TIME_EXCEEDED, 0, 0,
					   XLAT_R_TTL_EXPIRED, out);
		ttl--;
	}
	/* RFC 7915 5.1: a Routing header with Segments Left is refused,
	 * the pointer naming that field. */
	if (h.segleft)
		return xlat_icmp_reply6(cfg, pkt, len, no_err, ICMP6_PARAMPROB, 0,
				   (uint32_t)h.segleft, XLAT_R_SEGMENTS_LEFT,
				   out);

	segs[0] = (struct xlat_seg){ h.l4, h.l4len };
	keep = leave && (in_flags & XLAT_IN_CSUM_PARTIAL) && !h.frag &&
	       (h.proto == 6 || h.proto == 17);
	switch (h.proto) {
	case 58:
		/* An atomic fragment (offset 0, M clear) is whole. */
		if (h.off || h.mf)
			return xlat_out_drop(out, XLAT_R_ICMP_FRAGMENT);
		r = icmp_6to4(cfg, st, &h, out, segs, &nsegs);
		break;
	case 6:
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
	case 17:
	case 33:
		if (in_flags & XLAT_IN_GSO)
			r = XLAT_R_GSO_NOT_TCP;
		else
			r = h.off ? XLAT_R_NONE
				  : l4_6to4(&h, saddr, cfg->clat4,
					    in_flags & XLAT_IN_CSUM_PARTIAL,
					    keep, out, segs, &nsegs);
		break;
	case 1:
		/* ICMPv4 inside IPv6: would reach the host as a real ICMPv4
		 * message that no translation checked. */
		r = XLAT_R_ICMP_FAMILY;
		break;
	default:	/* RFC 7915 5.5: other protocols pass unchanged */
		break;
	}
	if (!r && (in_flags & XLAT_IN_GSO) && h.proto != 6)
		r = XLAT_R_GSO_NOT_TCP;
	if (r)
		return xlat_out_drop(out, r);
	l4out = 0;
	for (unsigned i = 0; i < nsegs; i++)
		l4out += segs[i].n;
	total = 20 + l4out;
	if (total > 65535 || (size_t)h.off + l4out > 65535)
		return xlat_out_drop(out, XLAT_R_BAD_LENGTH);

	/* RFC 7915 5.1 / 5.1.1: fragment fields from the Fragment Header;
	 * otherwise DF above 1260 bytes, and an Identification of our own
	 * where DF is clear (RFC 6864: DF datagrams need none). */
	df = !h.frag && total > DF_THRESHOLD;
	id = h.frag ? (uint16_t)h.id : df ? 0 : next_id(st);
	if (cfg->mtu4 && total > cfg->mtu4 && df)
		return xlat_icmp_reply6(cfg, pkt, len, no_err, ICMP6_PACKET_TOO_BIG,
				   0, cfg->mtu4 + 20u, XLAT_R_TOO_BIG, out);
	if (!cfg->mtu4 || total <= cfg->mtu4) {
		uint8_t *hdr = xlat_out_alloc(out, 20);
		uint16_t fo = df ? 0x4000 : (uint16_t)(h.off / 8 |
						      (h.mf ? 0x2000 : 0));

		if (!hdr || xlat_out_begin(out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		put_hdr4(hdr, tclass(pkt), total, id, fo, ttl, h.proto, saddr,
			 cfg->clat4);
		if (xlat_out_add(out, hdr, 20) ||
		    xlat_out_add_slice(out, segs, nsegs, 0, l4out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		if (keep) {
			out->pkt[out->npkts].csum_start = 20;
			out->pkt[out->npkts].csum_offset =
				h.proto == 6 ? 16 : 6;
		}
		xlat_out_end(out);
	} else {
		/* Toward an IPv4 link with a smaller MTU (cfg->mtu4):
		 * fragment as an IPv4 router would (RFC 791). */
		size_t chunk = (size_t)(cfg->mtu4 - 20) & ~(size_t)7;

		for (size_t pos = 0; pos < l4out; pos += chunk) {
			size_t n = l4out - pos < chunk ? l4out - pos : chunk;
			bool more = pos + n < l4out || h.mf;
			uint8_t *hdr = xlat_out_alloc(out, 20);

			if (!hdr || xlat_out_begin(out))
				return xlat_out_drop(out, XLAT_R_NO_ROOM);
			put_hdr4(hdr, tclass(pkt), 20 + n, id,
				 (uint16_t)((h.off + pos) / 8 |
					    (more ? 0x2000 : 0)),
				 ttl, h.proto, saddr, cfg->clat4);
			if (xlat_out_add(out, hdr, 20) ||
			    xlat_out_add_slice(out, segs, nsegs, pos, n))
				return xlat_out_drop(out, XLAT_R_NO_ROOM);
			xlat_out_end(out);
		}
	}
	out->verdict = XLAT_FORWARD;
	return XLAT_FORWARD;
}
