/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 4: translating from IPv4 to IPv6.
 *
 * One packet goes through the section's steps in order: the header is
 * validated (4.1), the addresses mapped (RFC 6877 6.3, RFC 7757, RFC 6052),
 * the TTL and options checked (4.1), the protocol checked, the upper layer
 * translated (4.2 ICMP, 4.5 transport), and the result sent whole or in
 * fragments (4.1). The packet quoted in an ICMP error (4.3) goes through
 * the same steps in the opposite sense: the same header builder, the same
 * protocol check, the same checksum and Echo steps (xlat_steps.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_4to6.h"
#include "xlat_icmp.h"
#include "xlat_map.h"
#include "xlat_out.h"
#include "xlat_steps.h"
#include "xlat_tcpseg.h"

#define IP4_OPT_EOL	0
#define IP4_OPT_NOP	1
#define IP4_OPT_LSRR	131
#define IP4_OPT_SSRR	137

/* RFC 8200 section 5: the IPv6 minimum MTU. */
#define IP6_MIN_MTU	1280

/* RFC 4884 section 4.1 / 4.5: where the length attribute sits, and the
 * word it counts, in each family's extensible errors. */
#define ICMP4_EXT_LEN	5
#define ICMP6_EXT_LEN	4
#define ICMP4_WORD	4
#define ICMP6_WORD	8

enum xlat_reason xlat_ip4_parse(const uint8_t *pkt, size_t len,
				struct xlat_ip4_info *h)
{
	uint16_t fo;

	if (len < IP4_HLEN)
		return XLAT_R_TRUNCATED;
	if (pkt[0] >> 4 != 4)
		return XLAT_R_BAD_VERSION;
	h->p = pkt;
	h->ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (h->ihl < IP4_HLEN || h->ihl > len)
		return XLAT_R_BAD_IHL;
	h->totlen = get16(pkt + IP4_TOTLEN);
	if (h->totlen < h->ihl || h->totlen > len)
		return XLAT_R_BAD_LENGTH;
	if (csum_fold(csum_add(0, pkt, h->ihl)) != 0)
		return XLAT_R_BAD_IP_CSUM;

	/* RFC 791 options: EOL and NOP are one byte, the rest carry a
	 * length that covers type and length and stays inside the header. */
	h->srcroute = false;
	for (size_t i = IP4_HLEN; i < h->ihl;) {
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

	h->id = get16(pkt + IP4_ID);
	fo = get16(pkt + IP4_FRAGOFF);
	h->df = fo & IP4_DF;
	h->mf = fo & IP4_MF;
	h->off = (uint16_t)((fo & IP4_OFFMASK) * 8);
	h->proto = pkt[IP4_PROTO];
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

/* The fields of an IPv6 header built from an IPv4 one (RFC 7915 4.1):
 * for the outer packet and for the one quoted in an error alike. */
struct hdr6 {
	uint8_t tc;		/* from TOS */
	uint8_t nh;		/* from Protocol, ICMP becoming ICMPv6 */
	uint8_t hlim;
	bool frag;		/* the IPv4 packet was a fragment */
	bool df;
	uint16_t id;		/* IPv4 Identification */
	const uint8_t *saddr, *daddr;
};

static inline __attribute__((always_inline)) size_t
put_hdr6(uint8_t *h, const struct hdr6 *f, size_t len, size_t off, bool more,
	 bool fh)
{
	/* RFC 7915 4.1: TC from TOS, flow label zero. */
	put32(h, 6u << 28 | (uint32_t)f->tc << 20);
	put16(h + IP6_PLEN, (uint16_t)(len + (fh ? IP6_FRAG_HLEN : 0)));
	h[IP6_NH] = fh ? IPPROTO_FRAGMENT : f->nh;
	h[IP6_HLIM] = f->hlim;
	memcpy(h + IP6_SADDR, f->saddr, 16);
	memcpy(h + IP6_DADDR, f->daddr, 16);
	if (!fh)
		return IP6_HLEN;
	/* Fragment header: offset and M from the IPv4 header, the IPv4
	 * Identification in the low-order 16 bits. */
	h[IP6_HLEN] = f->nh;
	h[IP6_HLEN + 1] = 0;
	put16(h + IP6_HLEN + 2, (uint16_t)(off | (more ? 1 : 0)));
	put32(h + IP6_HLEN + 4, f->id);
	return IP6_HLEN + IP6_FRAG_HLEN;
}

static void hdr6_from(struct hdr6 *f, const uint8_t *ip4, uint8_t hlim,
		      const uint8_t *saddr, const uint8_t *daddr)
{
	uint16_t fo = get16(ip4 + IP4_FRAGOFF);
	uint8_t proto = ip4[IP4_PROTO];

	f->tc = ip4[IP4_TOS];
	f->nh = proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto;
	f->hlim = hlim;
	f->frag = (fo & IP4_MF) || (fo & IP4_OFFMASK);
	f->df = fo & IP4_DF;
	f->id = get16(ip4 + IP4_ID);
	f->saddr = saddr;
	f->daddr = daddr;
}

/* The emit step's fragment header for the outer packet. */
struct emit46 {
	struct hdr6 f;
	uint16_t off;		/* the input fragment's offset */
};

static size_t emit_hdr6(const void *ctx, uint8_t *hdr, size_t len,
			size_t off, bool more)
{
	const struct emit46 *e = ctx;

	return put_hdr6(hdr, &e->f, len, e->off + off, more, true);
}

/* RFC 7915 4.5 for the outer packet: the transport header copied into
 * the arena with its checksum made right for IPv6. */
static enum xlat_reason l4_4to6(const struct xlat_ip4_info *h, bool frag,
				bool partial, const uint8_t saddr[16],
				const uint8_t daddr[16], struct xlat_out *out,
				struct xlat_seg *segs, unsigned *nsegs)
{
	/* Called for TCP, UDP and DCCP only. */
	size_t coff = h->proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM;
	size_t hlen = coff + 2;
	uint8_t *t;

	if (h->l4len < hlen)
		return XLAT_R_TRUNCATED;
	t = xlat_out_alloc(out, hlen);
	if (!t)
		return XLAT_R_NO_ROOM;
	memcpy(t, h->l4, hlen);
	if ((partial && !frag) ||
	    (h->proto == IPPROTO_UDP && get16(t + coff) == 0)) {
		/* Offloaded (the field holds only the pseudo-header sum),
		 * or a zero UDP checksum (RFC 7915 4.5: computed when the
		 * whole datagram is here, fragments dropped by default):
		 * the whole checksum is computed (RFC 8200 8.1). */
		uint16_t c;

		if (frag && !partial)
			return XLAT_R_UDP_ZERO_CSUM_FRAG;
		put16(t + coff, 0);
		c = xlat_l4_full(csum_pseudo6(saddr, daddr, h->proto,
					      (uint32_t)h->l4len),
				 t, hlen, h->l4 + hlen, h->l4len - hlen);
		if (h->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;	/* RFC 768: zero means none */
		put16(t + coff, c);
	} else {
		xlat_l4_readdress(h->proto, coff, t, hlen,
				  csum_add(0, h->p + IP4_SADDR, 8),
				  addr_sum6(saddr, daddr));
	}
	segs[0] = (struct xlat_seg){ t, hlen };
	segs[1] = (struct xlat_seg){ h->l4 + hlen, h->l4len - hlen };
	*nsegs = 2;
	return XLAT_R_NONE;
}

/* The protocol step, outer and quoted packet alike: ICMPv6 inside IPv4
 * would reach the IPv6 side as an ICMPv6 message nobody checked, and an
 * IPv6 extension header number would make it parse the payload as a
 * header. */
static enum xlat_reason proto_4to6(uint8_t proto)
{
	if (proto == IPPROTO_ICMPV6)
		return XLAT_R_ICMP_FAMILY;
	if (xlat_proto_v6only(proto))
		return XLAT_R_V6ONLY_PROTO;
	return XLAT_R_NONE;
}

/* RFC 7915 4.3: the packet quoted in an ICMPv4 error (ilen bytes; with
 * an RFC 4884 length attribute, trail says bytes beyond its total length
 * are padding), written into msg (room bytes) as IPv6. It went from the
 * remote side to the CLAT, so its addresses map the other way round.
 * Returns the bytes written, or 0 with *r set. */
static size_t inner_4to6(const struct xlat_cfg *cfg, const uint8_t *in,
			 size_t ilen, bool trail, uint8_t *msg, size_t room,
			 uint16_t *itot_out, enum xlat_reason *r)
{
	uint8_t saddr[16];
	struct hdr6 f;
	size_t iihl, itot, hl6, copy;
	uint16_t ioff;
	uint8_t *l4;

	*r = XLAT_R_ICMP_INNER;
	if (ilen < IP4_HLEN || in[0] >> 4 != 4)
		return 0;
	iihl = (size_t)(in[0] & 0x0f) * 4;
	itot = get16(in + IP4_TOTLEN);
	if (iihl < IP4_HLEN || iihl > ilen || itot < iihl)
		return 0;
	if (trail && ilen > itot)
		ilen = itot;
	if (memcmp(in + IP4_DADDR, cfg->clat4, 4) != 0 ||
	    xlat_map_remote_4to6(cfg, in + IP4_SADDR, saddr))
		return 0;
	hdr6_from(&f, in, in[IP4_TTL], saddr, cfg->clat6);
	ioff = (uint16_t)((get16(in + IP4_FRAGOFF) & IP4_OFFMASK) * 8);
	*r = proto_4to6(in[IP4_PROTO]);
	if (*r)
		return 0;
	*r = XLAT_R_ICMP_INNER;
	if (in[IP4_PROTO] == IPPROTO_ICMP && ioff == 0 && ilen > iihl &&
	    xlat_icmp4_is_error(in[iihl])) {
		*r = XLAT_R_ICMP_ERR_IN_ERR;
		return 0;
	}
	hl6 = f.frag ? IP6_HLEN + IP6_FRAG_HLEN : IP6_HLEN;
	if (room < hl6)
		return 0;
	copy = ilen - iihl;
	if (copy > room - hl6)
		copy = room - hl6;
	put_hdr6(msg, &f, itot - iihl, ioff,
		 get16(in + IP4_FRAGOFF) & IP4_MF, f.frag);
	l4 = msg + hl6;
	memcpy(l4, in + iihl, copy);

	/* The same transport and Echo steps as the outer packet. */
	if (ioff == 0) {
		if (in[IP4_PROTO] != IPPROTO_ICMP) {
			xlat_l4_readdress(in[IP4_PROTO],
					  xlat_l4_csum_off(in[IP4_PROTO]), l4, copy,
					  csum_add(0, in + IP4_SADDR, 8),
					  addr_sum6(saddr, cfg->clat6));
		} else if (copy > 0) {
			if (copy < 4 || (l4[0] != ICMP4_ECHO &&
					 l4[0] != ICMP4_ECHOREPLY))
				return 0;
			xlat_echo(l4, l4[0] == ICMP4_ECHO ? ICMP6_ECHO
							  : ICMP6_ECHOREPLY,
				  0, csum_pseudo6(saddr, cfg->clat6,
						  IPPROTO_ICMPV6,
						  (uint32_t)(itot - iihl)));
		}
	}
	*itot_out = (uint16_t)itot;
	*r = XLAT_R_NONE;
	return hl6 + copy;
}

/* RFC 4884 section 4.1: ICMPv4 errors that carry a length attribute. */
static bool ext4_type(uint8_t type)
{
	return type == ICMP4_UNREACH || type == ICMP4_TIMXCEED ||
	       type == ICMP4_PARAMPROB;
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
	struct xlat_icmp_ext x;
	enum xlat_reason r;
	uint32_t rest = 0, sum;
	uint16_t itot = 0;
	size_t room, n;
	bool carry;
	uint8_t *msg;

	if (h->l4len < ICMP_HLEN)
		return XLAT_R_TRUNCATED;
	if (l4[0] == ICMP4_ECHO || l4[0] == ICMP4_ECHOREPLY) {
		/* Type changes, and ICMPv6 adds the pseudo-header: both
		 * folded into the checksum incrementally. */
		uint8_t *t = xlat_out_alloc(out, ICMP_HLEN);

		if (!t)
			return XLAT_R_NO_ROOM;
		memcpy(t, l4, ICMP_HLEN);
		xlat_echo(t, l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHOREPLY,
			  0, csum_pseudo6(saddr, daddr, IPPROTO_ICMPV6,
					  (uint32_t)h->l4len));
		segs[0] = (struct xlat_seg){ t, ICMP_HLEN };
		segs[1] = (struct xlat_seg){ l4 + ICMP_HLEN,
					     h->l4len - ICMP_HLEN };
		*nsegs = 2;
		return XLAT_R_NONE;
	}
	if (!xlat_icmp4_is_error(l4[0]))
		return XLAT_R_ICMP_TYPE;	/* obsolete and unknown queries */
	if (csum_fold(csum_add(0, l4, h->l4len)) != 0)
		return XLAT_R_BAD_CSUM;
	if (xlat_icmp_err_4to6(l4[0], l4[1], &m))
		return XLAT_R_ICMP_TYPE;
	r = xlat_icmp_ext_split(l4 + ICMP_HLEN, h->l4len - ICMP_HLEN,
				ext4_type(l4[0]) ?
				(size_t)l4[ICMP4_EXT_LEN] * ICMP4_WORD : 0, &x);
	if (r)
		return r;

	/* RFC 7915 4.3: the translated error stays within the IPv6
	 * minimum MTU. RFC 4884 4.5: ICMPv6 Destination Unreachable and
	 * Time Exceeded carry the extension (PTB and Parameter Problem
	 * cannot: it is left out), after an original datagram field of
	 * 64-bit words, 128 octets at least, cut to make room. */
	room = IP6_MIN_MTU - IP6_HLEN - ICMP_HLEN;
	carry = x.ext && (m.type == ICMP6_UNREACH ||
			  m.type == ICMP6_TIME_EXCEEDED);
	if (carry) {
		size_t xroom = xlat_icmp_ext_room(room, x.ext_len, ICMP6_WORD);

		carry = xroom != 0;
		if (carry)
			room = xroom;
	}
	msg = xlat_out_alloc(out, ICMP_HLEN + room);
	if (!msg)
		return XLAT_R_NO_ROOM;
	n = inner_4to6(cfg, x.orig, x.orig_len, x.attr, msg + ICMP_HLEN, room,
		       &itot, &r);
	if (r)
		return r;
	if (carry) {
		n = xlat_icmp_ext_pad(msg + ICMP_HLEN, n, ICMP6_WORD);
		rest = (uint32_t)(n / ICMP6_WORD) << 24;
	}
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
		/* RFC 7915 section 6: no Packet Too Big below the IPv6
		 * minimum MTU (it would ask for atomic fragments, which
		 * RFC 8021 deprecates). */
		if (mtu < IP6_MIN_MTU)
			mtu = IP6_MIN_MTU;
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
	put16(msg + ICMP_CSUM, 0);
	put32(msg + 4, rest);
	n += ICMP_HLEN;
	segs[0] = (struct xlat_seg){ msg, n };
	*nsegs = 1;
	if (carry) {
		/* RFC 4884 section 7: the extension structure, its own
		 * checksum included, is carried unchanged. */
		segs[1] = (struct xlat_seg){ x.ext, x.ext_len };
		*nsegs = 2;
	}
	sum = csum_pseudo6(saddr, daddr, IPPROTO_ICMPV6,
			   (uint32_t)(n + (carry ? x.ext_len : 0)));
	sum = csum_add(sum, msg, n);
	if (carry)
		sum = csum_add(sum, x.ext, x.ext_len);
	put16(msg + ICMP_CSUM, csum_fold(sum));
	return XLAT_R_NONE;
}

/* A TCP super-packet (XLAT_IN_GSO) cut into IPv6 segments of what the
 * remote takes (struct xlat_state), each checksummed whole. The host's TCP
 * chose DF and the segment size by the path; each segment fits it. */
static enum xlat_verdict tcp_gso_4to6(const struct xlat_cfg *cfg,
				      struct xlat_state *st,
				      const struct xlat_ip4_info *h,
				      const struct hdr6 *f,
				      struct xlat_out *out)
{
	size_t cap = xlat_tcpseg_cap(st, h->p + IP4_DADDR,
				     IP6_MIN_MTU - IP6_HLEN);
	uint8_t *ip = xlat_out_alloc(out, IP6_HLEN);

	if (!ip)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	if (cap > (size_t)cfg->mtu6 - IP6_HLEN)
		cap = (size_t)cfg->mtu6 - IP6_HLEN;
	put_hdr6(ip, f, 0, 0, false, false);
	return xlat_tcp_segment(out, AF_INET6, ip, h->l4, h->l4len, cap,
				addr_sum6(f->saddr, f->daddr), false);
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
	struct hdr6 f;
	unsigned nsegs = 1;
	uint8_t saddr[16], daddr[16], hlim;
	enum xlat_reason r;
	size_t l4out, hl, chunk;
	bool frag, no_err;

	/* 4.1: the header. */
	xlat_out_reset(out, AF_INET6);
	r = xlat_ip4_parse(pkt, len, &h);
	if (r)
		return xlat_out_drop(out, r);
	frag = h.mf || h.off;
	no_err = h.off != 0 ||
		 (h.proto == IPPROTO_ICMP && h.l4len > 0 &&
		  xlat_icmp4_is_error(h.l4[0]));

	/* Addresses. RFC 6877 6.3: the CLAT translates its own IPv4
	 * address only; the destination goes under the PLAT prefix. RFC
	 * 7915 4.4: packets it discards get Destination Unreachable,
	 * Communication Administratively Prohibited. */
	if (memcmp(h.p + IP4_SADDR, cfg->clat4, 4) != 0)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
					ICMP4_UNREACH, 13, 0,
					XLAT_R_SRC_NOT_CLAT, out);
	memcpy(saddr, cfg->clat6, 16);
	if (xlat_map_remote_4to6(cfg, h.p + IP4_DADDR, daddr))
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
					ICMP4_UNREACH, 13, 0,
					XLAT_R_ADDR_FORBIDDEN, out);

	/* 4.1 Hop Limit: the translator is a router. */
	hlim = h.p[IP4_TTL];
	if (cfg->decrement_ttl) {
		if (hlim <= 1)
			return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
						ICMP4_TIMXCEED, 0, 0,
						XLAT_R_TTL_EXPIRED, out);
		hlim--;
	}
	/* 4.1: options are ignored, but an unexpired source route is
	 * answered with Source Route Failed. */
	if (h.srcroute)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
					ICMP4_UNREACH, 5, 0,
					XLAT_R_SOURCE_ROUTE, out);

	/* The header fields, from what the parse already read. */
	f = (struct hdr6){
		.tc = h.p[IP4_TOS],
		.nh = h.proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : h.proto,
		.hlim = hlim, .frag = frag, .df = h.df, .id = h.id,
		.saddr = saddr, .daddr = daddr,
	};

	/* 4.2 ICMP, 4.5 transport. */
	segs[0] = (struct xlat_seg){ h.l4, h.l4len };
	switch (h.proto) {
	case IPPROTO_ICMP:
		/* The ICMPv6 checksum needs the whole message. */
		if (frag)
			return xlat_out_drop(out, XLAT_R_ICMP_FRAGMENT);
		r = icmp_4to6(cfg, &h, saddr, daddr, out, segs, &nsegs);
		break;
	case IPPROTO_TCP:
		if (in_flags & XLAT_IN_GSO)
			return frag ? xlat_out_drop(out, XLAT_R_BAD_FRAGMENT)
				    : tcp_gso_4to6(cfg, st, &h, &f, out);
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_DCCP:	/* same pseudo-header checksum (RFC 4340 9.1) */
		if (in_flags & XLAT_IN_GSO)
			r = XLAT_R_GSO_NOT_TCP;
		else
			r = h.off ? XLAT_R_NONE
				  : l4_4to6(&h, frag,
					    in_flags & XLAT_IN_CSUM_PARTIAL,
					    saddr, daddr, out, segs, &nsegs);
		break;
	default:
		/* 4.1 Next Header: copied (4.5: other protocols pass
		 * unchanged), so it must mean the same in IPv6. An extension
		 * header number is a header field the translator cannot
		 * process: RFC 792 answers that with Parameter Problem, the
		 * pointer naming the octet (the Protocol field). Protocol
		 * Unreachable would claim the destination lacks a transport
		 * it could never have had. */
		r = proto_4to6(h.proto);
		if (r == XLAT_R_V6ONLY_PROTO)
			return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
						ICMP4_PARAMPROB, 0,
						(uint32_t)IP4_PROTO << 24, r,
						out);
		break;
	}
	if (!r && (in_flags & XLAT_IN_GSO) && h.proto != IPPROTO_TCP)
		r = XLAT_R_GSO_NOT_TCP;
	if (r)
		return xlat_out_drop(out, r);
	l4out = 0;
	for (unsigned i = 0; i < nsegs; i++)
		l4out += segs[i].n;

	/* 4.1: a fragment keeps a Fragment Header; a DF packet that does
	 * not fit is refused with Fragmentation Needed; a DF=0 packet
	 * bigger than lowest-ipv6-mtu is fragmented to fit it. No atomic
	 * fragments (RFC 8021). */
	hl = frag ? IP6_HLEN + IP6_FRAG_HLEN : IP6_HLEN;
	if (h.df && hl + l4out > cfg->mtu6)
		return xlat_icmp_reply4(cfg, pkt, h.totlen, no_err,
					ICMP4_UNREACH, 4,
					(uint32_t)(cfg->mtu6 - (hl - IP4_HLEN)),
					XLAT_R_TOO_BIG, out);
	if (h.df || hl + l4out <= cfg->lowest_mtu6) {
		/* A fragment keeps its Fragment Header. */
		uint8_t *hdr = xlat_out_alloc(out, hl);

		if (!hdr)
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		put_hdr6(hdr, &f, l4out, h.off, h.mf, frag);
		return xlat_emit_one(out, hdr, hl, segs, nsegs, l4out);
	}
	chunk = (size_t)(cfg->lowest_mtu6 - IP6_HLEN - IP6_FRAG_HLEN) &
		~(size_t)7;
	{
		struct emit46 e = { .f = f, .off = h.off };

		return xlat_emit_frags(out, segs, nsegs, l4out,
				       IP6_HLEN + IP6_FRAG_HLEN, chunk, h.mf,
				       emit_hdr6, &e);
	}
}
