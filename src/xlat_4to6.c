/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 4: translating from IPv4 to IPv6. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_4to6.h"
#include "xlat_icmp.h"
#include "xlat_map.h"
#include "xlat_out.h"
#include "xlat_tcpseg.h"

#define IP4_OPT_EOL	0
#define IP4_OPT_NOP	1
#define IP4_OPT_LSRR	131
#define IP4_OPT_SSRR	137

enum xlat_reason xlat_ip4_parse(const uint8_t *pkt, size_t len, struct xlat_ip4_info *h)
{
	uint16_t fo;

	if (len < 20)
		return XLAT_R_TRUNCATED;
	if (pkt[0] >> 4 != 4)
		return XLAT_R_BAD_VERSION;
	h->p = pkt;
	h->ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (h->ihl < 20 || h->ihl > len)
		return XLAT_R_BAD_IHL;
	h->totlen = get16(pkt + 2);
	if (h->totlen < h->ihl || h->totlen > len)
		return XLAT_R_BAD_LENGTH;
	if (csum_fold(csum_add(0, pkt, h->ihl)) != 0)
		return XLAT_R_BAD_IP_CSUM;

	/* RFC 791 options: EOL and NOP are one byte, the rest carry a
	 * length that covers type and length and stays inside the header. */
	h->srcroute = false;
	for (size_t i = 20; i < h->ihl;) {
		uint8_t type = pkt[i], olen;

		if (type == IP4_OPT_EOL)
			break;
		if (type == IP4_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= h->ihl)
			return XLAT_R_BAD_OPTIONS;
		olen = pkt[i + 1];
		if (olen < 2 || i + olen > h->ihl)
			return XLAT_R_BAD_OPTIONS;
		if (type == IP4_OPT_LSRR || type == IP4_OPT_SSRR) {
			if (olen < 3)
				return XLAT_R_BAD_OPTIONS;
			/* RFC 791: the route is used up when the pointer
			 * is greater than the length. */
			if (pkt[i + 2] <= olen)
				h->srcroute = true;
		}
		i += olen;
	}

	h->id = get16(pkt + 4);
	fo = get16(pkt + 6);
	h->df = fo & 0x4000;
	h->mf = fo & 0x2000;
	h->off = (uint16_t)((fo & 0x1fff) * 8);
	h->proto = pkt[9];
	h->l4 = pkt + h->ihl;
	h->l4len = h->totlen - h->ihl;
	if ((size_t)h->off + h->l4len > 65535)
		return XLAT_R_BAD_FRAGMENT;
	return XLAT_R_NONE;
}

/* RFC 7915 4.5: TCP, UDP and DCCP checksums cover a pseudo-header whose
 * length and protocol do not change, so only the addresses are swapped
 * out of the sum; this holds for first fragments as well. */
static uint32_t addr_sum6(const uint8_t saddr[16], const uint8_t daddr[16])
{
	return csum_add(csum_add(0, saddr, 16), daddr, 16);
}

static enum xlat_reason l4_4to6(const struct xlat_ip4_info *h, bool frag,
				bool partial, const uint8_t saddr[16],
				const uint8_t daddr[16], struct xlat_out *out,
				struct xlat_seg *segs, unsigned *nsegs)
{
	size_t coff = h->proto == 6 ? 16 : 6;
	size_t hlen = coff + 2;
	uint8_t *t;
	uint16_t c;

	if (h->l4len < hlen)
		return XLAT_R_TRUNCATED;
	t = xlat_out_alloc(out, hlen);
	if (!t)
		return XLAT_R_NO_ROOM;
	memcpy(t, h->l4, hlen);
	c = get16(t + coff);
	if (partial && !frag) {
		/* Offloaded: the field holds only the pseudo-header sum;
		 * the whole checksum is computed (RFC 8200 8.1). */
		uint32_t sum;

		put16(t + coff, 0);
		sum = csum_pseudo6(saddr, daddr, h->proto, (uint32_t)h->l4len);
		sum = csum_add(sum, t, hlen);
		sum = csum_add(sum, h->l4 + hlen, h->l4len - hlen);
		c = csum_fold(sum);
	} else if (h->proto == 17 && c == 0) {
		/* RFC 7915 4.5: a zero UDP checksum is computed when the
		 * whole datagram is here; fragments are dropped (default). */
		uint32_t sum;

		if (frag)
			return XLAT_R_UDP_ZERO_CSUM_FRAG;
		sum = csum_pseudo6(saddr, daddr, 17, (uint32_t)h->l4len);
		sum = csum_add(sum, t, hlen);
		sum = csum_add(sum, h->l4 + hlen, h->l4len - hlen);
		c = csum_fold(sum);
	} else {
		c = csum_adjust(c, csum_add(0, h->p + 12, 8),
				addr_sum6(saddr, daddr));
	}
	if (h->proto == 17 && c == 0)
		c = 0xffff;	/* RFC 768: zero means no checksum */
	put16(t + coff, c);
	segs[0] = (struct xlat_seg){ t, hlen };
	segs[1] = (struct xlat_seg){ h->l4 + hlen, h->l4len - hlen };
	*nsegs = 2;
	return XLAT_R_NONE;
}

/* The packet quoted in an ICMPv4 error (RFC 7915 4.3), written into msg
 * (room bytes) as IPv6. Returns the bytes written, or 0 with *r set. */
static size_t inner_4to6(const struct xlat_cfg *cfg, const uint8_t *in,
			 size_t ilen, uint8_t *msg, size_t room,
			 uint16_t *itot_out, enum xlat_reason *r)
{
	size_t iihl, itot, hl6, copy;
	uint16_t ifo, ioff;
	bool ifrag;
	uint8_t iproto, nh;
	uint8_t *h6, *l4;

	*r = XLAT_R_ICMP_INNER;
	if (ilen < 20 || in[0] >> 4 != 4)
		return 0;
	iihl = (size_t)(in[0] & 0x0f) * 4;
	itot = get16(in + 2);
	if (iihl < 20 || iihl > ilen || itot < iihl)
		return 0;
	/* The quoted packet went from the remote side to the CLAT. */
	if (memcmp(in + 16, cfg->clat4, 4) != 0)
		return 0;
	h6 = msg;
	if (xlat_map_remote_4to6(cfg, in + 12, h6 + 8))
		return 0;
	iproto = in[9];
	ifo = get16(in + 6);
	ioff = (uint16_t)((ifo & 0x1fff) * 8);
	ifrag = ioff || (ifo & 0x2000);
	if (iproto == 1 && ioff == 0 && ilen > iihl &&
	    xlat_icmp4_is_error(in[iihl])) {
		*r = XLAT_R_ICMP_ERR_IN_ERR;
		return 0;
	}
	nh = iproto == 1 ? 58 : iproto;
	hl6 = ifrag ? 48 : 40;
	if (room < hl6)
		return 0;
	copy = ilen - iihl;
	if (copy > room - hl6)
		copy = room - hl6;

	put32(h6, 6u << 28 | (uint32_t)in[1] << 20);
	put16(h6 + 4, (uint16_t)(itot - iihl + (ifrag ? 8 : 0)));
	h6[6] = ifrag ? 44 : nh;
	h6[7] = in[8];
	memcpy(h6 + 24, cfg->clat6, 16);
	if (ifrag) {
		h6[40] = nh;
		h6[41] = 0;
		put16(h6 + 42, (uint16_t)(ioff | ((ifo & 0x2000) ? 1 : 0)));
		put32(h6 + 44, get16(in + 4));
	}
	l4 = h6 + hl6;
	memcpy(l4, in + iihl, copy);

	if (ioff == 0) {
		uint32_t old = csum_add(0, in + 12, 8);
		uint32_t new = addr_sum6(h6 + 8, h6 + 24);

		if ((iproto == 6 && copy >= 18) ||
		    ((iproto == 17 || iproto == 33) && copy >= 8)) {
			size_t coff = iproto == 6 ? 16 : 6;
			uint16_t c = get16(l4 + coff);

			if (c != 0 || iproto != 17)
				put16(l4 + coff, csum_adjust(c, old, new));
		} else if (iproto == 1 && copy > 0) {
			uint16_t w0 = get16(l4);

			if (copy < 4 || (l4[0] != ICMP4_ECHO &&
					 l4[0] != ICMP4_ECHOREPLY))
				return 0;
			l4[0] = l4[0] == ICMP4_ECHO ? ICMP6_ECHO
						    : ICMP6_ECHOREPLY;
			new = csum_pseudo6(h6 + 8, h6 + 24, 58,
					   (uint32_t)(itot - iihl));
			put16(l4 + 2, csum_adjust(get16(l4 + 2), w0,
						  get16(l4) + new));
		}
	}
	*itot_out = (uint16_t)itot;
	*r = XLAT_R_NONE;
	return hl6 + copy;
}

/* RFC 7915 4.2: ICMPv4 to ICMPv6. Fills segs with the new message. */
static enum xlat_reason icmp_4to6(const struct xlat_cfg *cfg,
				  const struct xlat_ip4_info *h,
				  const uint8_t saddr[16],
				  const uint8_t daddr[16],
				  struct xlat_out *out, struct xlat_seg *segs,
				  unsigned *nsegs)
{
	const uint8_t *l4 = h->l4;
	struct xlat_icmp_map m;
	enum xlat_reason r;
	uint32_t rest = 0, sum;
	uint16_t itot = 0;
	size_t room, n;
	uint8_t *msg;

	if (h->l4len < 8)
		return XLAT_R_TRUNCATED;
	if (l4[0] == ICMP4_ECHO || l4[0] == ICMP4_ECHOREPLY) {
		/* Type changes, and ICMPv6 adds the pseudo-header: both
		 * folded into the checksum incrementally. */
		uint8_t *t = xlat_out_alloc(out, 8);

		if (!t)
			return XLAT_R_NO_ROOM;
		memcpy(t, l4, 8);
		t[0] = l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHOREPLY;
		sum = csum_pseudo6(saddr, daddr, 58, (uint32_t)h->l4len);
		put16(t + 2, csum_adjust(get16(l4 + 2), get16(l4),
					 get16(t) + sum));
		segs[0] = (struct xlat_seg){ t, 8 };
		segs[1] = (struct xlat_seg){ l4 + 8, h->l4len - 8 };
		*nsegs = 2;
		return XLAT_R_NONE;
	}
	if (!xlat_icmp4_is_error(l4[0]))
		return XLAT_R_ICMP_TYPE;	/* obsolete and unknown queries */
	if (csum_fold(csum_add(0, l4, h->l4len)) != 0)
		return XLAT_R_BAD_CSUM;
	if (xlat_icmp_err_4to6(l4[0], l4[1], &m))
		return XLAT_R_ICMP_TYPE;

	/* RFC 7915 4.3: the translated error stays within the IPv6
	 * minimum MTU. */
	room = 1280 - 40 - 8;
	msg = xlat_out_alloc(out, 8 + room);
	if (!msg)
		return XLAT_R_NO_ROOM;
	n = inner_4to6(cfg, l4 + 8, h->l4len - 8, msg + 8, room, &itot, &r);
	if (r)
		return r;
	out->used -= room - n;	/* give back what the inner did not use */

	switch (m.rest) {
	case XLAT_ICMP_REST_MTU: {
		/* RFC 7915 4.2: min(MTU + 20, IPv6 next-hop MTU, IPv4
		 * next-hop MTU + 20); a zero MTU (pre-RFC 1191 router)
		 * becomes the plateau below the quoted total length. */
		uint32_t mtu = get16(l4 + 6);

		if (mtu == 0)
			mtu = xlat_icmp_plateau(itot);
		mtu += 20;
		if (mtu > cfg->mtu6)
			mtu = cfg->mtu6;
		if (cfg->mtu4 && mtu > cfg->mtu4 + 20u)
			mtu = cfg->mtu4 + 20u;
		rest = mtu;
		break;
	}
	case XLAT_ICMP_REST_POINTER: {
		int p = xlat_icmp_ptr_4to6(l4[4]);

		if (p < 0)
			return XLAT_R_ICMP_TYPE;
		rest = (uint32_t)p;
		break;
	}
	case XLAT_ICMP_REST_FIXED:
		rest = m.pointer;
		break;
	}
	msg[0] = m.type;
	msg[1] = m.code;
	put16(msg + 2, 0);
	put32(msg + 4, rest);
	n += 8;
	sum = csum_pseudo6(saddr, daddr, 58, (uint32_t)n);
	put16(msg + 2, csum_fold(csum_add(sum, msg, n)));
	segs[0] = (struct xlat_seg){ msg, n };
	*nsegs = 1;
	return XLAT_R_NONE;
}

static int put_hdr6(uint8_t *h, const struct xlat_ip4_info *ip, uint8_t hlim,
		    const uint8_t saddr[16], const uint8_t daddr[16],
		    bool fh, size_t len, size_t off, bool more)
{
	uint8_t nh = ip->proto == 1 ? 58 : ip->proto;

	/* RFC 7915 4.1: TC from TOS, flow label zero. */
	put32(h, 6u << 28 | (uint32_t)ip->p[1] << 20);
	put16(h + 4, (uint16_t)(len + (fh ? 8 : 0)));
	h[6] = fh ? 44 : nh;
	h[7] = hlim;
	memcpy(h + 8, saddr, 16);
	memcpy(h + 24, daddr, 16);
	if (!fh)
		return 40;
	/* Fragment header: offset and M from the IPv4 header, the IPv4
	 * Identification in the low-order 16 bits. */
	h[40] = nh;
	h[41] = 0;
	put16(h + 42, (uint16_t)(off | (more ? 1 : 0)));
	put32(h + 44, ip->id);
	return 48;
}

/* A TCP super-packet (XLAT_IN_GSO) cut into IPv6 segments of what the
 * remote takes (struct xlat_state), each checksummed whole. The host's TCP
 * chose DF and the segment size by the path; each segment fits it. */
static enum xlat_verdict tcp_gso_4to6(const struct xlat_cfg *cfg,
				      struct xlat_state *st,
				      const struct xlat_ip4_info *h,
				      const uint8_t saddr[16],
				      const uint8_t daddr[16], uint8_t hlim,
				      struct xlat_out *out)
{
	size_t cap = xlat_tcpseg_cap(st, h->p + 16, 1280 - 40);
	uint8_t *ip = xlat_out_alloc(out, 40);

	if (!ip)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	if (cap > (size_t)cfg->mtu6 - 40)
		cap = (size_t)cfg->mtu6 - 40;
	put_hdr6(ip, h, hlim, saddr, daddr, false, 0, 0, false);
	return xlat_tcp_segment(out, AF_INET6, ip, h->l4, h->l4len, cap,
			   addr_sum6(saddr, daddr), false);
}

enum xlat_verdict xlat_4to6(const struct xlat_cfg *cfg, struct xlat_state *st,
			    const uint8_t *pkt, size_t len, struct xlat_out *out)
{
	return xlat_4to6_in(cfg, st, pkt, len, 0, out);
}

enum xlat_verdict xlat_4to6_in(const struct xlat_cfg *cfg,
			       struct xlat_state *st, const uint8_t *pkt,
			       size_t len, unsigned in_flags,
			       struct xlat_out *out)
{
	struct xlat_ip4_info h;
	struct xlat_seg segs[XLAT_SEG_MAX];
	unsigned nsegs = 1;
	uint8_t saddr[16], daddr[16], hlim;
	enum xlat_reason r;
	size_t l4out, hl, chunk;
	bool frag, no_err;

	xlat_out_reset(out, AF_INET6);
	r = xlat_ip4_parse(pkt, len, &h);
	if (r)
		return xlat_out_drop(out, r);
	frag = h.mf || h.off;
	no_err = h.off != 0 ||
		 (h.proto == 1 && h.l4len > 0 && xlat_icmp4_is_error(h.l4[0]));

	/* RFC 6877 6.3: the CLAT translates its own IPv4 address only; the
	 * destination goes under the PLAT prefix. RFC 7915 4.4: packets it
	 * discards get Destination Unreachable, Communication
	 * Administratively Prohibited. */
	if (memcmp(h.p + 12, cfg->clat4, 4) != 0)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err, ICMP4_UNREACH,
				   13, 0, XLAT_R_SRC_NOT_CLAT, out);
	memcpy(saddr, cfg->clat6, 16);
	if (xlat_map_remote_4to6(cfg, h.p + 16, daddr))
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err, ICMP4_UNREACH,
				   13, 0, XLAT_R_ADDR_FORBIDDEN, out);

	/* RFC 7915 4.1 Hop Limit: the translator is a router. */
	hlim = h.p[8];
	if (cfg->decrement_ttl) {
		if (hlim <= 1)
			return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
					   ICMP4_TIMXCEED, 0, 0,
					   XLAT_R_TTL_EXPIRED, out);
		hlim--;
	}
	/* RFC 7915 4.1: options are ignored, but an unexpired source route
	 * is answered with Source Route Failed. */
	if (h.srcroute)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err, ICMP4_UNREACH,
				   5, 0, XLAT_R_SOURCE_ROUTE, out);

	segs[0] = (struct xlat_seg){ h.l4, h.l4len };
	switch (h.proto) {
	case 1:
		/* The ICMPv6 checksum needs the whole message. */
		if (frag)
			return xlat_out_drop(out, XLAT_R_ICMP_FRAGMENT);
		r = icmp_4to6(cfg, &h, saddr, daddr, out, segs, &nsegs);
		break;
	case 6:
		if (in_flags & XLAT_IN_GSO)
			return frag ? xlat_out_drop(out, XLAT_R_BAD_FRAGMENT)
				    : tcp_gso_4to6(cfg, st, &h, saddr, daddr,
						   hlim, out);
		/* fall through */
	case 17:
	case 33:	/* DCCP: same pseudo-header checksum (RFC 4340 9.1) */
		if (in_flags & XLAT_IN_GSO)
			r = XLAT_R_GSO_NOT_TCP;
		else
			r = h.off ? XLAT_R_NONE
				  : l4_4to6(&h, frag,
					    in_flags & XLAT_IN_CSUM_PARTIAL,
					    saddr, daddr, out, segs, &nsegs);
		break;
	case 58:
		/* ICMPv6 inside IPv4 would reach the IPv6 side as a real
		 * ICMPv6 message, unchecked: never pass it. */
		r = XLAT_R_ICMP_FAMILY;
		break;
	default:	/* RFC 7915 4.5: other protocols pass unchanged */
		break;
	}
	if (!r && (in_flags & XLAT_IN_GSO) && h.proto != 6)
		r = XLAT_R_GSO_NOT_TCP;
	if (r)
		return xlat_out_drop(out, r);
	l4out = 0;
	for (unsigned i = 0; i < nsegs; i++)
		l4out += segs[i].n;

	/* RFC 7915 4.1: a fragment keeps a Fragment Header; a DF packet
	 * that does not fit is refused with Fragmentation Needed; a DF=0
	 * packet bigger than lowest-ipv6-mtu is fragmented to fit it. No
	 * atomic fragments (RFC 8021). */
	hl = frag ? 48 : 40;
	if (h.df && hl + l4out > cfg->mtu6)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err, ICMP4_UNREACH, 4,
				   (uint32_t)(cfg->mtu6 - (hl - 20)),
				   XLAT_R_TOO_BIG, out);
	if (h.df || hl + l4out <= cfg->lowest_mtu6) {
		uint8_t *hdr = xlat_out_alloc(out, hl);

		if (!hdr || xlat_out_begin(out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		put_hdr6(hdr, &h, hlim, saddr, daddr, frag, l4out, h.off,
			 h.mf);
		if (xlat_out_add(out, hdr, hl) ||
		    xlat_out_add_slice(out, segs, nsegs, 0, l4out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		xlat_out_end(out);
	} else {
		chunk = (size_t)(cfg->lowest_mtu6 - 48) & ~(size_t)7;
		for (size_t pos = 0; pos < l4out; pos += chunk) {
			size_t n = l4out - pos < chunk ? l4out - pos : chunk;
			bool more = pos + n < l4out || h.mf;
			uint8_t *hdr = xlat_out_alloc(out, 48);

			if (!hdr || xlat_out_begin(out))
				return xlat_out_drop(out, XLAT_R_NO_ROOM);
			put_hdr6(hdr, &h, hlim, saddr, daddr, true, n,
				 h.off + pos, more);
			if (xlat_out_add(out, hdr, 48) ||
			    xlat_out_add_slice(out, segs, nsegs, pos, n))
				return xlat_out_drop(out, XLAT_R_NO_ROOM);
			xlat_out_end(out);
		}
	}
	out->verdict = XLAT_FORWARD;
	return XLAT_FORWARD;
}
