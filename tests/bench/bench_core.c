/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Micro-benchmark of the translation core alone: nanoseconds per packet
 * for a 1400-byte TCP segment, a 64-byte UDP datagram and an ICMP error,
 * in both directions. Prints the median of several runs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "csum.h"
#include "xlat.h"

#define RUNS 7

static struct xlat_cfg cfg;
static struct xlat_state st;
static struct xlat_out out;

static uint8_t remote4[4] = { 203, 0, 113, 1 };
static uint8_t remote6[16];

static size_t l4_csum4(uint8_t *p, size_t len, uint8_t proto, size_t coff)
{
	put16(p + 20 + coff, 0);
	put16(p + 20 + coff, csum_fold(csum_add(csum_pseudo4(p + 12, p + 16,
			proto, (uint32_t)(len - 20)), p + 20, len - 20)));
	return len;
}

static size_t ip4(uint8_t *p, size_t len, uint8_t proto, const uint8_t *src,
		  const uint8_t *dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
	return len;
}

static size_t ip6(uint8_t *p, size_t len, uint8_t nh, const uint8_t *src,
		  const uint8_t *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(len - 40));
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return len;
}

static void l4_csum6(uint8_t *p, size_t len, uint8_t proto, size_t coff)
{
	put16(p + 40 + coff, 0);
	put16(p + 40 + coff, csum_fold(csum_add(csum_pseudo6(p + 8, p + 24,
			proto, (uint32_t)(len - 40)), p + 40, len - 40)));
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void bench(const char *name, int dir, const uint8_t *pkt, size_t len,
		  enum xlat_verdict want)
{
	double t[RUNS];
	long iters = 2000000;
	/* For instruction counts under valgrind, where time means nothing
	 * on a shared machine: BENCH_CORE_ITERS=N, BENCH_CORE_CASE=substring
	 * (see tests/bench/RESULTS.md). */
	const char *e = getenv("BENCH_CORE_ITERS");
	const char *only = getenv("BENCH_CORE_CASE");

	if (only && !strstr(name, only))
		return;
	if (e && atol(e) > 0)
		iters = atol(e);

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (long i = 0; i < iters; i++) {
			enum xlat_verdict v = dir == 4 ?
				xlat_4to6(&cfg, &st, pkt, len, &out) :
				xlat_6to4(&cfg, &st, pkt, len, &out);

			if (v != want) {
				fprintf(stderr, "%s: verdict %d (%s), want %d\n",
					name, v, xlat_reason_name(out.reason),
					want);
				exit(1);
			}
		}
		t[r] = (now_ns() - t0) / iters;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp);
	printf("%-28s %8.1f ns/packet  (min %.1f, max %.1f, %d runs x %ld)\n",
	       name, t[RUNS / 2], t[0], t[RUNS - 1], RUNS, iters);
}

int main(void)
{
	static uint8_t p[2048];
	size_t n;

	xlat_cfg_init(&cfg);
	rfc6052_prefix_parse("2001:db8:64::/96", &cfg.plat);
	inet_pton(AF_INET6, "2001:db8:1::2", cfg.clat6);
	cfg.mtu6 = 1500;
	xlat_state_init(&st, 1);
	rfc6052_embed(&cfg.plat, remote4, remote6);

	printf("clat-nfq translation core, median of %d runs\n", RUNS);
	/* IPv4 -> IPv6 */
	memset(p, 0xa5, sizeof(p));
	n = ip4(p, 1400, 6, cfg.clat4, remote4);
	p[20 + 12] = 0x50;
	l4_csum4(p, n, 6, 16);
	bench("4to6 TCP 1400 bytes", 4, p, n, XLAT_FORWARD);

	n = ip4(p, 64, 17, cfg.clat4, remote4);
	put16(p + 24, 44);
	l4_csum4(p, n, 17, 6);
	bench("4to6 UDP 64 bytes", 4, p, n, XLAT_FORWARD);

	/* Port unreachable from the host about a UDP datagram it got. */
	{
		static uint8_t q[128];
		size_t qn = ip4(q, 64, 17, remote4, cfg.clat4);

		put16(q + 24, 44);
		l4_csum4(q, qn, 17, 6);
		n = ip4(p, 28 + qn, 1, cfg.clat4, remote4);
		memset(p + 20, 0, 8);
		p[20] = 3;
		p[21] = 3;
		memcpy(p + 28, q, qn);
		put16(p + 22, csum_fold(csum_add(0, p + 20, n - 20)));
		bench("4to6 ICMP error (port)", 4, p, n, XLAT_FORWARD);
	}

	/* IPv6 -> IPv4 */
	memset(p, 0xa5, sizeof(p));
	n = ip6(p, 1420, 6, remote6, cfg.clat6);
	p[40 + 12] = 0x50;
	l4_csum6(p, n, 6, 16);
	bench("6to4 TCP 1400 bytes", 6, p, n, XLAT_FORWARD);

	n = ip6(p, 84, 17, remote6, cfg.clat6);
	put16(p + 44, 44);
	l4_csum6(p, n, 17, 6);
	bench("6to4 UDP 64 bytes", 6, p, n, XLAT_FORWARD);

	/* Packet Too Big from the PLAT side about a TCP segment we sent. */
	{
		static uint8_t q[1500];
		size_t qn = ip6(q, 1280 - 48, 6, cfg.clat6, remote6);

		q[40 + 12] = 0x50;
		l4_csum6(q, qn, 6, 16);
		n = ip6(p, 48 + qn, 58, remote6, cfg.clat6);
		memset(p + 40, 0, 8);
		p[40] = 2;
		put32(p + 44, 1280);
		memcpy(p + 48, q, qn);
		l4_csum6(p, n, 58, 2);
		bench("6to4 ICMP error (PTB)", 6, p, n, XLAT_FORWARD);
	}
	return 0;
}
