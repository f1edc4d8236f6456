/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared harness for the core's fuzz targets: translate the input with a
 * fixed configuration and check what comes out, so a wrong length or a
 * broken checksum is a crash, not only an out-of-bounds read. */
#ifndef CLAT_FUZZ_COMMON_H
#define CLAT_FUZZ_COMMON_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat.h"

static struct xlat_cfg fuzz_cfg;
static struct xlat_state fuzz_st;
static struct xlat_out fuzz_out;
static uint8_t fuzz_buf[70000];

static void fuzz_setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	xlat_cfg_init(&fuzz_cfg);
	rfc6052_prefix_parse("2001:db8:64::/96", &fuzz_cfg.plat);
	inet_pton(AF_INET6, "2001:db8:1::2", fuzz_cfg.clat6);
	fuzz_cfg.mtu6 = 1500;
	{
		/* RFC 7757: inputs from or to 198.51.100.0/24 take the
		 * explicit mapping. */
		struct xlat_eam e;

		if (xlat_eam_parse("198.51.100.0/24,2001:db8:aaaa::/120", &e,
				   NULL) ||
		    xlat_eam_add(&fuzz_cfg.eam, &e, NULL))
			abort();
	}
	if (xlat_cfg_check(&fuzz_cfg, NULL))
		abort();
	xlat_state_init(&fuzz_st, 1);
}

static void check_v4(const uint8_t *p, size_t n)
{
	if (n < 20 || p[0] != 0x45 || get16(p + 2) != n ||
	    csum_fold(csum_add(0, p, 20)) != 0)
		abort();
	/* ICMP errors are rebuilt with a full checksum: it must verify. */
	if (p[9] == 1 && n > 20 && (get16(p + 6) & 0x3fff) == 0 &&
	    (p[20] == 3 || p[20] == 11 || p[20] == 12) &&
	    csum_fold(csum_add(0, p + 20, n - 20)) != 0)
		abort();
	/* RFC 4884 4.1: a length attribute (32-bit words) leaves a field
	 * of 128 octets at least inside the message. */
	if (p[9] == 1 && n >= 28 && (p[20] == 3 || p[20] == 11) && p[25] &&
	    ((size_t)p[25] * 4 < 128 || 28 + (size_t)p[25] * 4 > n))
		abort();
}

static void check_v6(const uint8_t *p, size_t n)
{
	if (n < 40 || p[0] >> 4 != 6 || get16(p + 4) != n - 40)
		abort();
	if (p[6] == 58 && n > 40 && p[40] < 128 &&
	    csum_fold(csum_add(csum_pseudo6(p + 8, p + 24, 58,
					    (uint32_t)(n - 40)),
			       p + 40, n - 40)) != 0)
		abort();
	/* RFC 4884 4.5: the same in 64-bit words, and never more than the
	 * IPv6 minimum MTU for an error. */
	if (p[6] == 58 && n >= 48 && (p[40] == 1 || p[40] == 3) && p[44] &&
	    ((size_t)p[44] * 8 < 128 || 48 + (size_t)p[44] * 8 > n ||
	     n > 1280))
		abort();
}

static void fuzz_check(const struct xlat_out *out, int in_family)
{
	if (out->verdict == XLAT_DROP) {
		if (out->reason == XLAT_R_NONE || out->reason >= XLAT_R_COUNT)
			abort();
		return;
	}
	if (out->npkts == 0 || out->npkts > XLAT_MAX_PKTS)
		abort();
	if (out->verdict == XLAT_REPLY && out->family != in_family)
		abort();
	for (unsigned i = 0; i < out->npkts; i++) {
		size_t n = xlat_out_copy(out, i, fuzz_buf, sizeof(fuzz_buf));

		if (n == 0 || n != out->pkt[i].len)
			abort();
		if (out->family == AF_INET)
			check_v4(fuzz_buf, n);
		else
			check_v6(fuzz_buf, n);
	}
}

#endif
