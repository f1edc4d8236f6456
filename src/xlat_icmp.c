/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP tables and translator-originated ICMP errors (RFC 7915 4.2, 4.4,
 * 5.2, 5.4). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_icmp.h"
#include "xlat_map.h"
#include "xlat_out.h"

/* Total sizes of errors we build: RFC 1812 4.3.2.3 keeps ICMPv4 errors
 * within 576 bytes; RFC 4443 2.4 (c) keeps ICMPv6 errors within the
 * minimum IPv6 MTU. */
#define ICMP4_ERR_MAX 576
#define ICMP6_ERR_MAX 1280

bool xlat_icmp4_is_error(uint8_t type)
{
	/* RFC 792: unreachable, source quench, redirect, time exceeded,
	 * parameter problem; RFC 1812 alternate host address (6). */
	return type == 3 || type == 4 || type == 5 || type == 6 ||
	       type == 11 || type == 12;
}

bool xlat_icmp6_is_error(uint8_t type)
{
	/* RFC 4443 section 2.1: error messages have types 0..127. */
	return type < 128;
}

int xlat_icmp_err_4to6(uint8_t type, uint8_t code, struct xlat_icmp_map *m)
{
	memset(m, 0, sizeof(*m));
	switch (type) {
	case ICMP4_UNREACH:	/* RFC 7915 4.2, Destination Unreachable */
		m->type = ICMP6_UNREACH;
		switch (code) {
		case 0: case 1:		/* net, host unreachable */
		case 5:			/* source route failed */
		case 6: case 7: case 8:	/* unknown / isolated */
		case 11: case 12:	/* net, host unreachable for TOS */
			m->code = 0;	/* no route to destination */
			return 0;
		case 2:			/* protocol unreachable */
			m->type = ICMP6_PARAMPROB;
			m->code = 1;	/* unrecognized Next Header */
			m->rest = XLAT_ICMP_REST_FIXED;
			m->pointer = 6;	/* the IPv6 Next Header field */
			return 0;
		case 3:			/* port unreachable */
			m->code = 4;
			return 0;
		case 4:			/* fragmentation needed */
			m->type = ICMP6_PACKET_TOO_BIG;
			m->code = 0;
			m->rest = XLAT_ICMP_REST_MTU;
			return 0;
		case 9: case 10:	/* net, host administratively prohibited */
		case 13:		/* communication administratively prohibited */
		case 15:		/* precedence cutoff in effect */
			m->code = 1;	/* administratively prohibited */
			return 0;
		default:		/* 14 host precedence violation, others */
			return -1;
		}
	case ICMP4_TIMXCEED:	/* code unchanged */
		m->type = ICMP6_TIME_EXCEEDED;
		m->code = code;
		return 0;
	case ICMP4_PARAMPROB:
		if (code != 0 && code != 2)	/* 1: missing option: drop */
			return -1;
		m->type = ICMP6_PARAMPROB;
		m->code = 0;	/* erroneous header field */
		m->rest = XLAT_ICMP_REST_POINTER;
		return 0;
	default:		/* source quench, redirect, alternate host... */
		return -1;
	}
}

int xlat_icmp_err_6to4(uint8_t type, uint8_t code, struct xlat_icmp_map *m)
{
	memset(m, 0, sizeof(*m));
	switch (type) {
	case ICMP6_UNREACH:	/* RFC 7915 5.2, Destination Unreachable */
		m->type = ICMP4_UNREACH;
		switch (code) {
		case 0:	case 2: case 3:	/* no route, beyond scope, address */
			m->code = 1;	/* host unreachable */
			return 0;
		case 1:			/* administratively prohibited */
			m->code = 10;	/* host administratively prohibited */
			return 0;
		case 4:			/* port unreachable */
			m->code = 3;
			return 0;
		default:
			return -1;
		}
	case ICMP6_PACKET_TOO_BIG:
		m->type = ICMP4_UNREACH;
		m->code = 4;		/* fragmentation needed and DF set */
		m->rest = XLAT_ICMP_REST_MTU;
		return 0;
	case ICMP6_TIME_EXCEEDED:	/* code unchanged */
		m->type = ICMP4_TIMXCEED;
		m->code = code;
		return 0;
	case ICMP6_PARAMPROB:
		if (code == 0) {	/* erroneous header field */
			m->type = ICMP4_PARAMPROB;
			m->code = 0;
			m->rest = XLAT_ICMP_REST_POINTER;
			return 0;
		}
		if (code == 1) {	/* unrecognized next header */
			m->type = ICMP4_UNREACH;
			m->code = 2;	/* protocol unreachable */
			return 0;
		}
		return -1;		/* 2: unrecognized option, others */
	default:
		return -1;
	}
}

int xlat_icmp_ptr_4to6(uint8_t p4)
{
	/* RFC 7915 Figure 3. */
	static const int8_t map[20] = {
		0, 1, 4, 4,		/* version/IHL, TOS, total length */
		-1, -1, -1, -1,		/* identification, flags/offset */
		7, 6, -1, -1,		/* TTL, protocol, header checksum */
		8, 8, 8, 8,		/* source address */
		24, 24, 24, 24,		/* destination address */
	};

	return p4 < 20 ? map[p4] : -1;
}

int xlat_icmp_ptr_6to4(uint32_t p6)
{
	/* RFC 7915 Figure 6. */
	static const int8_t map[8] = {
		0, 1, -1, -1,		/* version/TC, TC/flow label, flow label */
		2, 2, 9, 8,		/* payload length, next header, hop limit */
	};

	if (p6 < 8)
		return map[p6];
	if (p6 < 24)
		return 12;		/* source address */
	if (p6 < 40)
		return 16;		/* destination address */
	return -1;
}

uint16_t xlat_icmp_plateau(uint16_t totlen)
{
	/* RFC 1191 section 7, table 7-1, the plateaus not below 1280. */
	static const uint16_t plateau[] = {
		65535, 32000, 17914, 8166, 4352, 2002, 1492,
	};

	for (size_t i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < totlen)
			return plateau[i];
	return 1280;
}

enum xlat_verdict xlat_icmp_reply4(const struct xlat_cfg *cfg, const uint8_t *pkt,
			      size_t len, bool no_error, uint8_t type,
			      uint8_t code, uint32_t rest,
			      enum xlat_reason reason, struct xlat_out *out)
{
	size_t quote = len;
	uint8_t *h;
	uint32_t sum;

	xlat_out_reset(out, AF_INET);
	/* RFC 1812 4.3.2.7: no error about an error, a non-first fragment,
	 * or from/to addresses that do not name one host. */
	if (no_error || xlat_map_v4_no_error(pkt + 12) || xlat_map_v4_no_error(pkt + 16))
		return xlat_out_drop(out, reason);
	if (quote > ICMP4_ERR_MAX - 28)
		quote = ICMP4_ERR_MAX - 28;
	h = xlat_out_alloc(out, 28);
	if (!h)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(28 + quote));
	put32(h + 4, 0);		/* ID 0, no flags: fits any link */
	h[8] = 64;
	h[9] = 1;
	put16(h + 10, 0);
	memcpy(h + 12, cfg->self4, 4);
	memcpy(h + 16, pkt + 12, 4);
	put16(h + 10, csum_fold(csum_add(0, h, 20)));
	h[20] = type;
	h[21] = code;
	put16(h + 22, 0);
	put32(h + 24, rest);
	sum = csum_add(csum_add(0, h + 20, 8), pkt, quote);
	put16(h + 22, csum_fold(sum));
	if (xlat_out_begin(out) || xlat_out_add(out, h, 28) || xlat_out_add(out, pkt, quote))
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	xlat_out_end(out);
	out->verdict = XLAT_REPLY;
	out->reason = reason;
	return XLAT_REPLY;
}

enum xlat_verdict xlat_icmp_reply6(const struct xlat_cfg *cfg, const uint8_t *pkt,
			      size_t len, bool no_error, uint8_t type,
			      uint8_t code, uint32_t rest,
			      enum xlat_reason reason, struct xlat_out *out)
{
	size_t quote = len;
	uint8_t *h;
	uint32_t sum;

	xlat_out_reset(out, AF_INET6);
	/* RFC 4443 section 2.4 (e). */
	if (no_error || xlat_map_v6_no_error(pkt + 8) || xlat_map_v6_no_error(pkt + 24))
		return xlat_out_drop(out, reason);
	if (quote > ICMP6_ERR_MAX - 48)
		quote = ICMP6_ERR_MAX - 48;
	h = xlat_out_alloc(out, 48);
	if (!h)
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	put32(h, 6u << 28);
	put16(h + 4, (uint16_t)(8 + quote));
	h[6] = 58;
	h[7] = 64;
	memcpy(h + 8, cfg->clat6, 16);
	memcpy(h + 24, pkt + 8, 16);
	h[40] = type;
	h[41] = code;
	put16(h + 42, 0);
	put32(h + 44, rest);
	sum = csum_pseudo6(h + 8, h + 24, 58, (uint32_t)(8 + quote));
	sum = csum_add(csum_add(sum, h + 40, 8), pkt, quote);
	put16(h + 42, csum_fold(sum));
	if (xlat_out_begin(out) || xlat_out_add(out, h, 48) || xlat_out_add(out, pkt, quote))
		return xlat_out_drop(out, XLAT_R_NO_ROOM);
	xlat_out_end(out);
	out->verdict = XLAT_REPLY;
	out->reason = reason;
	return XLAT_REPLY;
}

enum xlat_verdict xlat_4to6_refused(const struct xlat_cfg *cfg,
				    const uint8_t *pkt, size_t len,
				    struct xlat_out *out)
{
	size_t ihl, tot;
	bool no_err;

	xlat_out_reset(out, AF_INET);
	if (len < 20 || pkt[0] >> 4 != 4 || (pkt[0] & 15u) < 5)
		return xlat_out_drop(out, XLAT_R_BAD_IHL);
	ihl = (pkt[0] & 15u) * 4u;
	tot = get16(pkt + 2);
	if (tot < ihl || tot > len)
		tot = len < 0xffff ? len : 0xffff;	/* a super-packet */
	if (ihl > tot)
		return xlat_out_drop(out, XLAT_R_BAD_IHL);
	/* RFC 1812 4.3.2.7: not about an ICMP error, nor a non-first
	 * fragment. */
	no_err = (get16(pkt + 6) & 0x1fff) != 0 ||
		 (pkt[9] == 1 && (tot <= ihl || xlat_icmp4_is_error(pkt[ihl])));
	return xlat_icmp_reply4(cfg, pkt, tot, no_err, ICMP4_UNREACH, 13, 0,
				XLAT_R_REFUSED_OUT, out);
}
