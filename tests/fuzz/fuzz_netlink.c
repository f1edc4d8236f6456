/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: what the kernel's rtnetlink sends the daemon, as far
 * as it parses it: event classification, and the route and address dump
 * callbacks (src/rtnl.c is included for its static parsers; nothing here
 * opens a socket). Netlink is the kernel's and trusted, but a parser bug
 * there would still take the daemon down, so it is fuzzed too. */
#include <stdlib.h>

#include "../../src/rtnl.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	/* Netlink messages are 4-byte aligned in the kernel's buffers. */
	uint32_t buf[16384];
	struct route4_scan rs = { .skip_ifindex = 3 };
	struct addr6_scan as = { .ifindex = 0, .addr = NULL };
	struct addr6_scan one = { .ifindex = 2, .addr = addr };
	uint8_t saved[512];

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (rtnl_events_classify(buf, size) & ~RTNL_EV_ALL)
		abort();
	/* The dump callbacks get what dump() lets through. */
	if (!rtnl_msgs_valid(buf, size))
		return 0;
	rs.saved = saved;
	rs.cap = sizeof(saved);
	/* seq 0 and portid 0: the callbacks see every message. */
	mnl_cb_run(buf, size, 0, 0, route4_cb, &rs);
	if (rs.len > sizeof(saved))
		abort();
	mnl_cb_run(buf, size, 0, 0, addr6_cb, &as);
	if (as.n > 8)
		abort();
	mnl_cb_run(buf, size, 0, 0, addr6_cb, &one);
	return 0;
}
