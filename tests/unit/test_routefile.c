/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The saved-routes file (routefile.h): a real IPv4 default route message
 * goes through, with its namespace's cookie only; anything else a
 * hostile file may hold is refused, byte by byte from rtnetlink's formats
 * (rtnetlink(7)). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "routefile.h"

/* RTM_NEWROUTE, AF_INET, 0.0.0.0/0, main table, proto dhcp, universe,
 * unicast; RTA_TABLE 254, RTA_PRIORITY 100, RTA_GATEWAY 10.99.0.1,
 * RTA_OIF 2. */
static size_t default4(uint8_t *m)
{
	static const uint8_t attrs[] = {
		8, 0, RTA_TABLE, 0, 254, 0, 0, 0,
		8, 0, RTA_PRIORITY, 0, 100, 0, 0, 0,
		8, 0, RTA_GATEWAY, 0, 10, 99, 0, 1,
		8, 0, RTA_OIF, 0, 2, 0, 0, 0,
	};
	struct nlmsghdr nlh = { .nlmsg_type = RTM_NEWROUTE };
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN,
			     .rtm_protocol = RTPROT_DHCP,
			     .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = RTN_UNICAST };
	size_t len = NLMSG_HDRLEN + sizeof(rtm) + sizeof(attrs);

	nlh.nlmsg_len = (uint32_t)len;
	memcpy(m, &nlh, sizeof(nlh));
	memcpy(m + NLMSG_HDRLEN, &rtm, sizeof(rtm));
	memcpy(m + NLMSG_HDRLEN + sizeof(rtm), attrs, sizeof(attrs));
	return len;
}

static void test_default_route_ok(void **state)
{
	uint8_t m[128];
	size_t len = default4(m);

	(void)state;
	assert_true(routefile_route_ok(m, len));
	assert_false(routefile_route_ok(m, len - 1));		/* length */
	m[NLMSG_HDRLEN] = AF_INET6;				/* family */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 1] = 16;				/* /16 */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 7] = RTN_LOCAL;			/* type */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 12 + 4] = 100;				/* table 100 */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 12 + 2] = RTA_DST;			/* a destination */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 12 + 2] = 22;				/* RTA_ENCAP */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 12 + 16] = 6;		/* gateway of 2 bytes */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[NLMSG_HDRLEN + 12 + 16] = 200;	/* attribute past the end */
	assert_false(routefile_route_ok(m, len));
	len = default4(m);
	m[4] = RTM_DELROUTE;
	assert_false(routefile_route_ok(m, len));
}

static void test_file_roundtrip_and_cookie(void **state)
{
	uint8_t m[128], f[ROUTEFILE_SIZE];
	const uint8_t *msg[1] = { m }, *got[ROUTEFILE_MAX];
	size_t mlen[1], gl[ROUTEFILE_MAX], flen;

	(void)state;
	mlen[0] = default4(m);
	flen = routefile_build(f, sizeof(f), 0x1122334455667788ull, msg, mlen, 1);
	assert_int_equal(flen, 16 + 4 + mlen[0]);
	assert_memory_equal(f, "clatrt01", 8);
	assert_int_equal(routefile_parse(f, flen, 0x1122334455667788ull, got, gl,
					 ROUTEFILE_MAX), 1);
	assert_int_equal(gl[0], mlen[0]);
	assert_memory_equal(got[0], m, mlen[0]);
	/* Another namespace (an inode number reused): stale. */
	assert_int_equal(routefile_parse(f, flen, 0x1122334455667789ull, got, gl,
					 ROUTEFILE_MAX), -ESTALE);
	/* No cookie known here (Linux < 5.14): never replayed. */
	assert_int_equal(routefile_parse(f, flen, 0, got, gl, ROUTEFILE_MAX),
			 -ESTALE);
	/* Cut, lengthened, or a record that is not a default route. */
	assert_int_equal(routefile_parse(f, flen - 1, 0x1122334455667788ull,
					 got, gl, ROUTEFILE_MAX), -EINVAL);
	f[16] = (uint8_t)(mlen[0] + 1);
	assert_int_equal(routefile_parse(f, flen, 0x1122334455667788ull, got, gl,
					 ROUTEFILE_MAX), -EINVAL);
	f[16] = (uint8_t)mlen[0];
	f[20 + NLMSG_HDRLEN + 1] = 8;
	assert_int_equal(routefile_parse(f, flen, 0x1122334455667788ull, got, gl,
					 ROUTEFILE_MAX), -EINVAL);
	/* The old format (records from byte 0): not ours. */
	assert_int_equal(routefile_parse(f + 16, flen - 16, 0x1122334455667788ull,
					 got, gl, ROUTEFILE_MAX), -EINVAL);
	/* build refuses what parse would. */
	m[NLMSG_HDRLEN] = AF_INET6;
	assert_int_equal(routefile_build(f, sizeof(f), 1, msg, mlen, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_route_ok),
		cmocka_unit_test(test_file_roundtrip_and_cookie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
