/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: RFC 7915 section 5, IPv6 to IPv4. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	xlat_6to4(&fuzz_cfg, &fuzz_st, data, size, &fuzz_out);
	fuzz_check(&fuzz_out, AF_INET6);
	return 0;
}
