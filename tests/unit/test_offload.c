/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packets handed over with offloads pending (NFQUEUE with NFQA_CFG_F_GSO):
 * partial checksums completed, TCP super-packets delivered whole or cut to
 * the IPv4 MTU. Checked against the test's own RFC 1071 sum, not the
 * core's, and against the input byte for byte: every segment's checksums,
 * contiguous sequence numbers, the payload reassembled, the flags where
 * the kernel's own segmentation puts them. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xlat.h"

#define SRC6 "2001:db8:64::cb00:7101"	/* 203.0.113.1 under the prefix */
#define CLAT6 "2001:db8:1::2"
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static uint8_t in[65575];
static uint8_t seg[65536];
static uint8_t got[65536];
static struct xlat_out out;
static struct xlat_cfg cfg;
static struct xlat_state st;

/* A new configuration (IPv4 MTU mtu4, 0: none) and a new state. */
static void fresh(uint16_t mtu4)
{
	xlat_cfg_init(&cfg);
	cfg.mtu6 = 1500;
	cfg.mtu4 = mtu4;
	assert_int_equal(rfc6052_prefix_parse("2001:db8:64::/96", &cfg.plat),
			 0);
	assert_int_equal(inet_pton(AF_INET6, CLAT6, cfg.clat6), 1);
	assert_int_equal(xlat_cfg_check(&cfg, NULL), 0);
	xlat_state_init(&st, 1);
}

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* RFC 1071, byte by byte. */
static uint32_t sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* An IPv6 TCP packet SRC6 -> CLAT6 with plen bytes of payload, its
 * checksum field holding what a sender with checksum offload leaves
 * there: the folded pseudo-header sum (RFC 8200 8.1), not complemented.
 * Returns its length. */
static size_t tcp6(uint8_t proto, uint8_t flags, size_t plen, size_t thl)
{
	size_t l4 = thl + plen;
	uint32_t s;

	memset(in, 0, 40 + thl);
	in[0] = 0x60;
	in[4] = (uint8_t)(l4 >> 8);
	in[5] = (uint8_t)l4;
	in[6] = proto;
	in[7] = 64;
	inet_pton(AF_INET6, SRC6, in + 8);
	inet_pton(AF_INET6, CLAT6, in + 24);
	in[40] = 0x1f;			/* ports 8080 -> 40000 */
	in[41] = 0x90;
	in[42] = 0x9c;
	in[43] = 0x40;
	if (proto == 6) {
		in[44] = 0xde;		/* seq 0xdeadbeef */
		in[45] = 0xad;
		in[46] = 0xbe;
		in[47] = 0xef;
		in[52] = (uint8_t)(thl / 4 << 4);
		in[53] = flags;
		in[54] = 0xff;		/* window */
		for (size_t i = 20; i < thl; i++)
			in[40 + i] = 1;	/* NOP options */
	} else {
		in[44] = (uint8_t)(l4 >> 8);
		in[45] = (uint8_t)l4;
	}
	for (size_t i = 0; i < plen; i++)
		in[40 + thl + i] = (uint8_t)(rand() >> 7);
	s = sum(0, in + 8, 32) + proto + (uint32_t)l4;
	in[40 + (proto == 6 ? 16 : 6)] = (uint8_t)(fold(s) >> 8);
	in[40 + (proto == 6 ? 17 : 7)] = (uint8_t)fold(s);
	return 40 + l4;
}

/* Check segment i as IPv4 TCP from 203.0.113.1 to 192.0.0.1; returns its
 * payload length and copies the payload to dst. */
static size_t check_seg(unsigned i, size_t thl, uint8_t *dst)
{
	size_t n = xlat_out_copy(&out, i, seg, sizeof(seg)), tl;
	uint32_t s;

	assert_true(n >= 20 + thl);
	assert_int_equal(seg[0], 0x45);
	assert_int_equal(be16(seg + 2), n);
	assert_int_equal(fold(sum(0, seg, 20)), 0xffff);	/* RFC 791 */
	assert_int_equal(seg[8], 63);				/* TTL - 1 */
	assert_int_equal(seg[9], 6);
	assert_int_equal(be16(seg + 6), 0x4000);		/* DF */
	assert_memory_equal(seg + 12, "\xcb\x00\x71\x01\xc0\x00\x00\x01", 8);
	tl = n - 20;
	s = sum(0, seg + 12, 8) + 6 + (uint32_t)tl;	/* RFC 793 3.1 */
	assert_int_equal(fold(sum(s, seg + 20, tl)), 0xffff);
	assert_int_equal((seg[32] >> 4) * 4, thl);
	memcpy(dst, seg + 20 + thl, tl - thl);
	return tl - thl;
}

/* Cut a super-packet to mtu4 (0: no limit) and check every property. */
static void gso_case(uint16_t mtu4, uint8_t flags, size_t plen, size_t thl,
		     unsigned want_pkts)
{
	size_t len = tcp6(6, flags, plen, thl), pos = 0;
	uint32_t seq = 0xdeadbeef;

	fresh(mtu4);
	assert_int_equal(xlat_6to4_in(&cfg, &st, in, len,
				      XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL, &out),
			 XLAT_FORWARD);
	assert_int_equal(out.npkts, want_pkts);
	for (unsigned i = 0; i < out.npkts; i++) {
		size_t n = check_seg(i, thl, got + pos);
		uint8_t f = seg[33];
		bool last = i + 1 == out.npkts;

		if (mtu4)
			assert_true(20 + thl + n <= mtu4);
		assert_int_equal(be32(seg + 24), seq);
		assert_int_equal(f & TCP_ACK, flags & TCP_ACK);
		assert_int_equal(f & (TCP_FIN | TCP_PSH),
				 last ? flags & (TCP_FIN | TCP_PSH) : 0);
		assert_int_equal(f & TCP_CWR, i == 0 ? flags & TCP_CWR : 0);
		assert_memory_equal(seg + 20 + 20, in + 60, thl - 20);
		seq += (uint32_t)n;
		pos += n;
	}
	assert_int_equal(pos, plen);
	assert_memory_equal(got, in + 40 + thl, plen);
}

/* One 64 KiB super-packet, local delivery: one IPv4 packet. */
static void test_gso_whole(void **state)
{
	(void)state;
	gso_case(0, TCP_ACK | TCP_PSH, 65000, 32, 1);
}

/* Toward an IPv4 MTU of 1500: 44 segments of 1448 bytes and the rest. */
static void test_gso_mtu1500(void **state)
{
	(void)state;
	gso_case(1500, TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, 64000, 32,
		 (64000 + 1447) / 1448);
}

/* An odd MSS and odd lengths, down to the IPv4 minimum MTU. */
static void test_gso_odd(void **state)
{
	(void)state;
	gso_case(577, TCP_ACK | TCP_CWR, 5001, 20, (5001 + 536) / 537);
	gso_case(1499, TCP_ACK | TCP_FIN, 1, 60, 1);
}

/* The largest IPv6 payload is 20 bytes too long for one IPv4 packet. */
static void test_gso_over_65535(void **state)
{
	(void)state;
	gso_case(0, TCP_ACK, 65535 - 20, 20, 2);
}

/* Not a super-packet, only a partial checksum: completed, TCP and UDP. */
static void test_partial_csum(void **state)
{
	(void)state;
	fresh(0);
	for (int proto = 6; proto <= 17; proto += 11) {
		size_t thl = proto == 6 ? 20 : 8;
		size_t len = tcp6((uint8_t)proto, TCP_ACK, 999, thl), n, l4;
		uint32_t s;

		assert_int_equal(xlat_6to4_in(&cfg, &st, in, len,
					      XLAT_IN_CSUM_PARTIAL, &out),
				 XLAT_FORWARD);
		assert_int_equal(out.npkts, 1);
		n = xlat_out_copy(&out, 0, seg, sizeof(seg));
		assert_int_equal(n, len - 20);
		l4 = n - 20;
		s = sum(0, seg + 12, 8) + (uint32_t)proto + (uint32_t)l4;
		assert_int_equal(fold(sum(s, seg + 20, l4)), 0xffff);
		assert_memory_equal(seg + 20 + thl, in + 40 + thl, 999);
	}
}

/* XLAT_IN_LEAVE_PARTIAL toward the host: a super-packet and a plain TCP
 * and UDP packet stay partial, with the new pseudo-header sum in the field
 * and csum_start/csum_offset naming where to complete. Completed here as
 * the kernel would (sum from csum_start, store the complement), every
 * checksum verifies. With an IPv4 MTU (not toward the host) or without
 * the flag, nothing is left partial. */
static void test_leave_partial(void **state)
{
	static const struct {
		uint8_t proto;
		unsigned flags;
		uint16_t mtu4;
		bool left;
	} c[] = {
		{ 6, XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL | XLAT_IN_LEAVE_PARTIAL,
		  0, true },
		{ 6, XLAT_IN_CSUM_PARTIAL | XLAT_IN_LEAVE_PARTIAL, 0, true },
		{ 17, XLAT_IN_CSUM_PARTIAL | XLAT_IN_LEAVE_PARTIAL, 0, true },
		{ 6, XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL | XLAT_IN_LEAVE_PARTIAL,
		  1500, false },
		{ 6, XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL, 0, false },
		{ 17, XLAT_IN_LEAVE_PARTIAL, 0, false },	/* full input */
	};

	(void)state;
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		size_t thl = c[k].proto == 6 ? 20 : 8, plen = 2000, n, l4;
		size_t len = tcp6(c[k].proto, TCP_ACK, plen, thl);
		size_t coff = c[k].proto == 6 ? 16 : 6;
		uint32_t s;

		if (!(c[k].flags & XLAT_IN_CSUM_PARTIAL)) {	/* whole */
			s = sum(0, in + 8, 32) + c[k].proto +
			    (uint32_t)(thl + plen);
			in[40 + coff] = in[41 + coff] = 0;
			s = fold(sum(s, in + 40, thl + plen)) ^ 0xffff;
			in[40 + coff] = (uint8_t)(s >> 8);
			in[41 + coff] = (uint8_t)s;
		}
		fresh(c[k].mtu4);
		assert_int_equal(xlat_6to4_in(&cfg, &st, in, len, c[k].flags,
					      &out), XLAT_FORWARD);
		assert_int_equal(out.npkts, c[k].mtu4 ? 2 : 1);
		n = xlat_out_copy(&out, 0, seg, sizeof(seg));
		l4 = n - 20;
		s = sum(0, seg + 12, 8) + c[k].proto + (uint32_t)l4;
		if (!c[k].left) {
			assert_int_equal(out.pkt[0].csum_start, 0);
			assert_int_equal(fold(sum(s, seg + 20, l4)), 0xffff);
			continue;
		}
		assert_int_equal(out.pkt[0].csum_start, 20);
		assert_int_equal(out.pkt[0].csum_offset, coff);
		/* the field: the IPv4 pseudo-header sum, uncomplemented */
		assert_int_equal(be16(seg + 20 + coff), fold(s));
		/* completed over the field in place, as the kernel does */
		s = fold(sum(0, seg + 20, l4)) ^ 0xffff;
		seg[20 + coff] = (uint8_t)(s >> 8);
		seg[21 + coff] = (uint8_t)s;
		s = sum(0, seg + 12, 8) + c[k].proto + (uint32_t)l4;
		assert_int_equal(fold(sum(s, seg + 20, l4)), 0xffff);
		assert_memory_equal(seg + 20 + thl, in + 40 + thl, plen);
	}
}

/* Without the flag the same partial field is taken as a full checksum and
 * adjusted: the result is wrong, which is why the flag exists (and shows
 * that the test above can fail). */
static void test_partial_needs_flag(void **state)
{
	size_t len = tcp6(6, TCP_ACK, 999, 20), n;
	uint32_t s;

	(void)state;
	fresh(0);
	assert_int_equal(xlat_6to4(&cfg, &st, in, len, &out), XLAT_FORWARD);
	n = xlat_out_copy(&out, 0, seg, sizeof(seg));
	s = sum(0, seg + 12, 8) + 6 + (uint32_t)(n - 20);
	assert_int_not_equal(fold(sum(s, seg + 20, n - 20)), 0xffff);
}

/* A UDP super-packet cannot be cut without its segment size, which NFQUEUE
 * does not give: dropped under its own reason. */
static void test_gso_not_tcp(void **state)
{
	size_t len = tcp6(17, 0, 3000, 8);

	(void)state;
	fresh(0);
	assert_int_equal(xlat_6to4_in(&cfg, &st, in, len,
				      XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL, &out),
			 XLAT_DROP);
	assert_int_equal(out.reason, XLAT_R_GSO_NOT_TCP);
	assert_string_equal(xlat_reason_name(out.reason),
			    "offloaded_packet_not_tcp");
}

/* A TCP header that claims more than the packet holds. */
static void test_gso_truncated(void **state)
{
	size_t len = tcp6(6, TCP_ACK, 0, 20);

	(void)state;
	fresh(0);
	in[52] = 0xf0;		/* data offset 60 in a 20-byte segment */
	assert_int_equal(xlat_6to4_in(&cfg, &st, in, len, XLAT_IN_GSO, &out),
			 XLAT_DROP);
	assert_int_equal(out.reason, XLAT_R_TRUNCATED);
}

/* The TTL of in (len bytes, a UDP packet with a partial checksum)
 * translated with the XLAT_IN_* flags more as well. */
static unsigned ttl_of(size_t len, unsigned more)
{
	assert_int_equal(xlat_6to4_in(&cfg, &st, in, len,
				      XLAT_IN_CSUM_PARTIAL | more, &out),
			 XLAT_FORWARD);
	xlat_out_copy(&out, 0, seg, sizeof(seg));
	return seg[8];
}

/* IPv6 the kernel forwarded into the CLAT device (nft fwd, the ingress
 * fast path) had its Hop Limit decremented there: RFC 7915 5.1 wants one
 * decrement for the translator as a router, so the core does not take a
 * second; without the flag it does, and answers a Hop Limit of 1 with
 * Time Exceeded (RFC 4443 3.3). */
static void test_forwarded_hop_limit(void **state)
{
	size_t len = tcp6(17, 0, 100, 8);

	(void)state;
	fresh(0);
	assert_int_equal(ttl_of(len, 0), 63);
	assert_int_equal(ttl_of(len, XLAT_IN_FORWARDED), 64);
	in[7] = 1;
	assert_int_equal(xlat_6to4_in(&cfg, &st, in, len,
				      XLAT_IN_CSUM_PARTIAL, &out),
			 XLAT_REPLY);
	assert_int_equal(out.reason, XLAT_R_TTL_EXPIRED);
	assert_int_equal(ttl_of(len, XLAT_IN_FORWARDED), 1);
}

/* ---- IPv4 to IPv6: the host's super-packets */

static uint8_t in4[65535];

/* An IPv4 TCP packet 192.0.0.1 -> 203.0.113.1, DF, plen bytes of data,
 * the checksum field holding the pseudo-header sum only (as the host's
 * TCP leaves it for offload). Returns its length. */
static size_t tcp4(uint8_t flags, size_t plen, size_t thl)
{
	size_t tot = 20 + thl + plen;
	uint32_t s;

	memset(in4, 0, 20 + thl);
	in4[0] = 0x45;
	in4[2] = (uint8_t)(tot >> 8);
	in4[3] = (uint8_t)tot;
	in4[6] = 0x40;
	in4[8] = 64;
	in4[9] = 6;
	memcpy(in4 + 12, "\xc0\x00\x00\x01\xcb\x00\x71\x01", 8);
	s = ~(uint32_t)fold(sum(0, in4, 20)) & 0xffff;
	in4[10] = (uint8_t)(s >> 8);
	in4[11] = (uint8_t)s;
	in4[20] = 0x9c;			/* ports 40000 -> 8080 */
	in4[21] = 0x40;
	in4[22] = 0x1f;
	in4[23] = 0x90;
	memcpy(in4 + 24, "\x01\x02\x03\x04", 4);
	in4[32] = (uint8_t)(thl / 4 << 4);
	in4[33] = flags;
	in4[34] = 0xff;
	for (size_t i = 20; i < thl; i++)
		in4[20 + i] = 1;
	for (size_t i = 0; i < plen; i++)
		in4[20 + thl + i] = (uint8_t)(rand() >> 7);
	s = sum(0, in4 + 12, 8) + 6 + (uint32_t)(thl + plen);
	in4[36] = (uint8_t)(fold(s) >> 8);
	in4[37] = (uint8_t)fold(s);
	return tot;
}

/* The remote 203.0.113.1 answers a SYN with SYN-ACK, MSS mss (0: none). */
static void synack(int mss)
{
	size_t len = tcp6(6, 0x12, 0, mss ? 24 : 20);
	uint32_t s;

	if (mss) {
		in[60] = 2;
		in[61] = 4;
		in[62] = (uint8_t)(mss >> 8);
		in[63] = (uint8_t)mss;
	}
	in[56] = in[57] = 0;		/* a full checksum this time */
	s = sum(0, in + 8, 32) + 6 + (uint32_t)(len - 40);
	s = ~(uint32_t)fold(sum(s, in + 40, len - 40)) & 0xffff;
	in[56] = (uint8_t)(s >> 8);
	in[57] = (uint8_t)s;
	assert_int_equal(xlat_6to4(&cfg, &st, in, len, &out), XLAT_FORWARD);
}

/* A router says Packet Too Big, mtu, about a packet to 203.0.113.1. */
static void ptb(uint32_t mtu)
{
	uint8_t *q = in + 48;
	uint32_t s;

	memset(in, 0, 48 + 60);
	in[0] = 0x60;
	in[5] = 8 + 60;
	in[6] = 58;
	in[7] = 64;
	inet_pton(AF_INET6, "2001:db8:ffff::1", in + 8);	/* a router */
	inet_pton(AF_INET6, CLAT6, in + 24);
	in[40] = 2;					/* Packet Too Big */
	in[44] = (uint8_t)(mtu >> 24);
	in[45] = (uint8_t)(mtu >> 16);
	in[46] = (uint8_t)(mtu >> 8);
	in[47] = (uint8_t)mtu;
	q[0] = 0x60;					/* the quoted packet */
	q[4] = 0x05;
	q[5] = 0xb4;
	q[6] = 6;
	q[7] = 63;
	inet_pton(AF_INET6, CLAT6, q + 8);
	inet_pton(AF_INET6, SRC6, q + 24);
	q[52] = 0x50;
	s = sum(0, in + 8, 32) + 58 + 68;
	s = ~(uint32_t)fold(sum(s, in + 40, 68)) & 0xffff;
	in[42] = (uint8_t)(s >> 8);
	in[43] = (uint8_t)s;
	assert_int_equal(xlat_6to4(&cfg, &st, in, 48 + 60, &out), XLAT_FORWARD);
}

/* Cut in4 and check: every packet within maxlen, checksums whole,
 * sequence contiguous, the data reassembled, flags as the kernel's GSO. */
static void up_case(uint8_t flags, size_t plen, size_t thl, size_t maxlen)
{
	size_t len = tcp4(flags, plen, thl), pos = 0;
	uint32_t seq = 0x01020304;
	uint8_t a6[2][16];

	inet_pton(AF_INET6, CLAT6, a6[0]);
	inet_pton(AF_INET6, SRC6, a6[1]);

	assert_int_equal(xlat_4to6_in(&cfg, &st, in4, len,
				      XLAT_IN_GSO | XLAT_IN_CSUM_PARTIAL, &out),
			 XLAT_FORWARD);
	assert_int_equal(out.npkts, (plen + (maxlen - 40 - thl) - 1) /
				    (maxlen - 40 - thl));
	for (unsigned i = 0; i < out.npkts; i++) {
		size_t n = xlat_out_copy(&out, i, seg, sizeof(seg)), d;
		bool last = i + 1 == out.npkts;
		uint32_t s;

		assert_true(n <= maxlen);
		assert_int_equal(seg[0] >> 4, 6);
		assert_int_equal(be16(seg + 4), n - 40);
		assert_int_equal(seg[6], 6);
		assert_int_equal(seg[7], 63);
		assert_memory_equal(seg + 8, a6[0], 16);
		assert_memory_equal(seg + 24, a6[1], 16);
		s = sum(0, seg + 8, 32) + 6 + (uint32_t)(n - 40);
		assert_int_equal(fold(sum(s, seg + 40, n - 40)), 0xffff);
		assert_int_equal(be32(seg + 44), seq);
		assert_int_equal(seg[53] & (TCP_FIN | TCP_PSH),
				 last ? flags & (TCP_FIN | TCP_PSH) : 0);
		d = n - 40 - thl;
		assert_true(last || n == maxlen);
		memcpy(got + pos, seg + 40 + thl, d);
		seq += (uint32_t)d;
		pos += d;
	}
	assert_int_equal(pos, plen);
	assert_memory_equal(got, in4 + 20 + thl, plen);
}

/* A remote not seen yet: 1280-byte packets, which every IPv6 path takes. */
static void test_up_unknown_remote(void **state)
{
	(void)state;
	fresh(0);
	up_case(TCP_ACK | TCP_PSH, 60000, 32, 1280);
}

/* Its SYN-ACK said MSS 1440: 1500-byte packets (the IPv6 MTU 1500); MSS
 * 536 or none: 596-byte packets, as the host's own TCP would cut. */
static void test_up_learns_mss(void **state)
{
	(void)state;
	fresh(0);
	synack(1440);
	up_case(TCP_ACK | TCP_FIN, 60000, 32, 1500);
	synack(9000);	/* never above the IPv6 MTU */
	up_case(TCP_ACK, 5000, 20, 1500);
	xlat_state_init(&st, 1);
	synack(0);
	up_case(TCP_ACK, 5000, 20, 40 + 556);
}

/* A forged SYN-ACK with MSS 1 (or anything below 536) counts as 536: the
 * remote's super-packets still go, in 596-byte packets. */
static void test_up_mss_floor(void **state)
{
	(void)state;
	fresh(0);
	synack(1);
	up_case(TCP_ACK, 30000, 20, 40 + 556);
	xlat_state_init(&st, 1);
	synack(535);
	up_case(TCP_ACK, 30000, 32, 40 + 556);
}

/* Packet Too Big 1400 about the remote: 1400-byte packets from then on,
 * and a later SYN-ACK does not raise it again. */
static void test_up_learns_ptb(void **state)
{
	(void)state;
	fresh(0);
	synack(1440);
	ptb(1400);
	up_case(TCP_ACK, 30000, 32, 1400);
	synack(1440);
	up_case(TCP_ACK, 30000, 32, 1400);
}

/* Workers share what they learn (xlat_state_share): the Packet Too Big
 * that one worker translates sizes the segments another cuts. Without the
 * sharing the segments come out 1480 bytes and up_case fails. */
static void test_up_shared_ptb(void **state)
{
	static struct xlat_segcache cache;
	struct xlat_state flow;

	(void)state;
	fresh(0);
	memset(&cache, 0, sizeof(cache));
	xlat_state_share(&st, &cache);
	synack(1440);			/* the flow's worker sees the SYN */
	flow = st;
	xlat_state_init(&st, 2);	/* another worker, the same cache */
	xlat_state_share(&st, &cache);
	ptb(1400);
	st = flow;			/* back to the flow's worker */
	up_case(TCP_ACK, 30000, 32, 1400);
}

/* The other way, only partial checksums: completed. */
static void test_up_partial_csum(void **state)
{
	size_t len = tcp4(TCP_ACK, 777, 20), n;
	uint32_t s;

	(void)state;
	fresh(0);
	assert_int_equal(xlat_4to6_in(&cfg, &st, in4, len, XLAT_IN_CSUM_PARTIAL,
				      &out), XLAT_FORWARD);
	n = xlat_out_copy(&out, 0, seg, sizeof(seg));
	assert_int_equal(n, len + 20);
	s = sum(0, seg + 8, 32) + 6 + (uint32_t)(n - 40);
	assert_int_equal(fold(sum(s, seg + 40, n - 40)), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso_whole),
		cmocka_unit_test(test_gso_mtu1500),
		cmocka_unit_test(test_gso_odd),
		cmocka_unit_test(test_gso_over_65535),
		cmocka_unit_test(test_partial_csum),
		cmocka_unit_test(test_partial_needs_flag),
		cmocka_unit_test(test_leave_partial),
		cmocka_unit_test(test_gso_not_tcp),
		cmocka_unit_test(test_gso_truncated),
		cmocka_unit_test(test_forwarded_hop_limit),
		cmocka_unit_test(test_up_unknown_remote),
		cmocka_unit_test(test_up_learns_mss),
		cmocka_unit_test(test_up_mss_floor),
		cmocka_unit_test(test_up_learns_ptb),
		cmocka_unit_test(test_up_shared_ptb),
		cmocka_unit_test(test_up_partial_csum),
	};

	srand(7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
