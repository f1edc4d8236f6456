/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: packets with offloads pending (xlat_4to6_in and
 * xlat_6to4_in). The first byte picks the direction (bit 7) and the
 * XLAT_IN_* flags (bits 0-1); the rest is the packet. The state persists
 * across inputs, so remotes' learned segment sizes are exercised too.
 * Beyond fuzz_check(): every TCP packet that comes out of an offloaded
 * input carries a checksum that verifies whole (completed first where it
 * was left partial, as the kernel would), and segments cut for IPv6 fit
 * the IPv6 MTU. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tcp(const struct xlat_out *out)
{
	for (unsigned i = 0; i < out->npkts; i++) {
		size_t n = xlat_out_copy(out, i, fuzz_buf, sizeof(fuzz_buf));
		uint8_t *p = fuzz_buf;
		const struct xlat_pkt *k = &out->pkt[i];
		uint32_t sum;

		if (k->csum_start) {
			/* Only IPv4 toward the host, TCP or UDP, the field
			 * inside the packet; then completed. */
			if (out->family != AF_INET || k->csum_start != 20 ||
			    (p[9] != 6 && p[9] != 17) ||
			    k->csum_offset != (p[9] == 6 ? 16 : 6) ||
			    (size_t)k->csum_start + k->csum_offset + 2 > n)
				abort();
			put16(p + 20 + k->csum_offset,
			      csum_fold(csum_add(0, p + 20, n - 20)));
			if (p[9] == 17) {
				sum = csum_pseudo4(p + 12, p + 16, 17,
						   (uint32_t)(n - 20));
				if (csum_fold(csum_add(sum, p + 20, n - 20)))
					abort();
				continue;
			}
		}

		if (out->family == AF_INET6) {
			if (p[6] != 6)
				continue;
			if (n > fuzz_cfg.mtu6 && out->npkts > 1)
				abort();
			sum = csum_pseudo6(p + 8, p + 24, 6, (uint32_t)(n - 40));
			if (csum_fold(csum_add(sum, p + 40, n - 40)) != 0)
				abort();
		} else {
			if (p[9] != 6 || (get16(p + 6) & 0x3fff))
				continue;
			sum = csum_pseudo4(p + 12, p + 16, 6, (uint32_t)(n - 20));
			if (csum_fold(csum_add(sum, p + 20, n - 20)) != 0)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;

	if (size < 1)
		return 0;
	fuzz_setup();
	flags = data[0] & (XLAT_IN_CSUM_PARTIAL | XLAT_IN_GSO |
			   XLAT_IN_LEAVE_PARTIAL);
	if (data[0] & 0x80) {
		xlat_6to4_in(&fuzz_cfg, &fuzz_st, data + 1, size - 1, flags,
			     &fuzz_out);
		fuzz_check(&fuzz_out, AF_INET6);
	} else {
		xlat_4to6_in(&fuzz_cfg, &fuzz_st, data + 1, size - 1, flags,
			     &fuzz_out);
		fuzz_check(&fuzz_out, AF_INET);
	}
	if ((flags & (XLAT_IN_CSUM_PARTIAL | XLAT_IN_GSO)) &&
	    fuzz_out.verdict == XLAT_FORWARD)
		check_tcp(&fuzz_out);
	return 0;
}
