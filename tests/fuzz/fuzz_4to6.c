/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: RFC 7915 section 4, IPv4 to IPv6. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	xlat_4to6(&fuzz_cfg, &fuzz_st, data, size, &fuzz_out);
	fuzz_check(&fuzz_out, AF_INET);
	return 0;
}
