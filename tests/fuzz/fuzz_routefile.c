/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the saved-routes file (routefile.h), which lies in a
 * directory and may come from a namespace that is gone. Whatever it holds,
 * parsing never reads outside it, and what it hands back is an IPv4
 * default route message inside the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "routefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg[ROUTEFILE_MAX];
	size_t mlen[ROUTEFILE_MAX];
	uint64_t cookie;
	int n;

	if (size < 16)
		return 0;
	memcpy(&cookie, data + 8, 8);	/* let the fuzzer hit the right one */
	n = routefile_parse(data, size, cookie ? cookie : 1, msg, mlen,
			    ROUTEFILE_MAX);
	if (n > ROUTEFILE_MAX)
		abort();
	for (int i = 0; i < n; i++)
		if (msg[i] < data || msg[i] + mlen[i] > data + size ||
		    !routefile_route_ok(msg[i], mlen[i]))
			abort();
	return 0;
}
