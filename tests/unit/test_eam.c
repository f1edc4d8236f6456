/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7757 explicit address mappings: the pure parser, the table and its
 * longest-match lookups in both directions, and the eam= / eam-file=
 * configuration keys (errors name the key and the value). The table's
 * effect on whole packets is in the vectors (preset E). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "xlat.h"

static char err[CONFIG_ERR_MAX];

static void v4(const char *s, uint8_t a[4])
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void v6(const char *s, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void add(struct xlat_eamt *t, const char *s)
{
	struct xlat_eam e;
	const char *why = NULL;

	if (xlat_eam_parse(s, &e, &why) || xlat_eam_add(t, &e, &why))
		fail_msg("%s: %s", s, why);
}

static void map46(const struct xlat_eamt *t, const char *a, const char *want)
{
	uint8_t in[4], out[16], w[16];

	v4(a, in);
	if (!want) {
		assert_int_equal(xlat_eam_4to6(t, in, out), -ENOENT);
		return;
	}
	v6(want, w);
	assert_int_equal(xlat_eam_4to6(t, in, out), 0);
	assert_memory_equal(out, w, 16);
	/* and back */
	assert_int_equal(xlat_eam_6to4(t, out, in), 0);
	v4(a, (uint8_t *)w);
	assert_memory_equal(in, w, 4);
}

static void test_lookup(void **state)
{
	struct xlat_eamt t = { 0 };
	uint8_t a6[16], a4[4];

	(void)state;
	add(&t, "198.51.100.0/24,2001:db8:aaaa::/120");
	add(&t, "198.51.100.128/25, 2001:db8:bbbb::/121");	/* longer */
	add(&t, "192.0.2.7/32,2001:db8:cccc::7/128");
	add(&t, "10.0.0.0/8,2001:db8:dddd::ff00:0/104");	/* 24 bits */
	add(&t, "172.16.0.0/13,2001:db8:eeee::8:0:0/109");	/* not on a byte */
	map46(&t, "198.51.100.5", "2001:db8:aaaa::5");
	map46(&t, "198.51.100.127", "2001:db8:aaaa::7f");
	/* RFC 7757 section 3: the longest match; 200 = 128 + 72 */
	map46(&t, "198.51.100.200", "2001:db8:bbbb::48");
	map46(&t, "192.0.2.7", "2001:db8:cccc::7");
	map46(&t, "192.0.2.8", NULL);
	map46(&t, "10.1.2.3", "2001:db8:dddd::ff01:203");
	/* 172.23.255.1: suffix 0x7ff01 (19 bits) behind the /109 */
	map46(&t, "172.23.255.1", "2001:db8:eeee::8:7:ff01");
	map46(&t, "172.24.0.1", NULL);
	v6("2001:db8:aaaa::1:5", a6);	/* outside the /120 */
	assert_int_equal(xlat_eam_6to4(&t, a6, a4), -ENOENT);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "198.51.100.0/24", "198.51.100.0/24,2001:db8::/120,x",
		"198.51.100.0/33,2001:db8::/121", "198.51.100.0/24,2001:db8::/129",
		"198.51.100.0/24,2001:db8::/119",	/* suffixes differ */
		"198.51.100.1/24,2001:db8::/120",	/* host bits */
		"198.51.100.0/24,2001:db8::1/120",
		"2001:db8::/120,198.51.100.0/24",	/* swapped */
		"198.51.100.0/x,2001:db8::/120", "198.51.100.0/,2001:db8::/120",
		"198.51.100.0/24,2001:db8::/ 120",
	};
	struct xlat_eam e;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (xlat_eam_parse(bad[i], &e, &why) != -EINVAL || !why)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* no length: a host on each side */
	assert_int_equal(xlat_eam_parse("192.0.2.1,2001:db8::1", &e, &why), 0);
	assert_int_equal(e.len4, 32);
	assert_int_equal(e.len6, 128);
}

static void test_config_keys(void **state)
{
	struct config c;
	char line[80];

	(void)state;
	config_init(&c);
	assert_int_equal(config_line(&c, "eam=198.51.100.0/24,2001:db8:aaaa::/120",
				     err, sizeof(err)), 0);
	assert_int_equal(config_line(&c, "eam = 192.0.2.7/32 , 2001:db8:cccc::7/128",
				     err, sizeof(err)), 0);
	assert_int_equal(c.eam.n, 2);
	/* the same IPv4 prefix again, the same IPv6 prefix again */
	assert_int_equal(config_line(&c, "eam=198.51.100.0/24,2001:db8:ffff::/120",
				     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "eam=198.51.100.0/24,2001:db8:ffff::/120"));
	assert_non_null(strstr(err, "mapped already"));
	assert_int_equal(config_line(&c, "eam=203.0.113.0/24,2001:db8:aaaa::/120",
				     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "IPv6 prefix is mapped already"));
	assert_int_equal(config_line(&c, "eam=10.0.0.0/8,2001:db8::/64", err,
				     sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "eam=10.0.0.0/8,2001:db8::/64: "));
	assert_non_null(strstr(err, "different lengths"));
	assert_int_equal(c.eam.n, 2);
	/* eam-file lines */
	assert_int_equal(config_eam_line(&c, "  # comment", err, sizeof(err)), 0);
	assert_int_equal(config_eam_line(&c, "", err, sizeof(err)), 0);
	assert_int_equal(config_eam_line(&c, " 203.0.113.0/28,2001:db8:9::/124 ",
				     err, sizeof(err)), 0);
	assert_int_equal(config_eam_line(&c, "203.0.113.16/28", err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "eam=203.0.113.16/28: "));
	assert_int_equal(c.eam.n, 3);
	assert_int_equal(config_line(&c, "eam-file=/etc/clat-nfq.eam", err,
				     sizeof(err)), 0);
	assert_string_equal(c.eam_file, "/etc/clat-nfq.eam");
	assert_int_equal(config_line(&c, "eam-file=", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "eam-file="));
	/* the table is bounded */
	config_init(&c);
	for (int i = 0; i < XLAT_EAM_MAX; i++) {
		snprintf(line, sizeof(line), "eam=10.0.%d.0/24,2001:db8:%x::/120",
			 i, i + 1);
		assert_int_equal(config_line(&c, line, err, sizeof(err)), 0);
	}
	assert_int_equal(config_line(&c, "eam=10.1.0.0/24,2001:db8:ff::/120",
				     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more mappings than"));
}

static void test_format(void **state)
{
	struct xlat_eam e, f;
	char buf[80];

	(void)state;
	assert_int_equal(xlat_eam_parse("198.51.100.128/25,2001:db8:bbbb::/121",
					&e, NULL), 0);
	assert_string_equal(xlat_eam_format(&e, buf, sizeof(buf)),
			    "198.51.100.128/25,2001:db8:bbbb::/121");
	assert_int_equal(xlat_eam_parse(buf, &f, NULL), 0);
	assert_memory_equal(&e, &f, sizeof(e));
}

static int lines(struct config *c, const char *const *l)
{
	config_init(c);
	for (; *l; l++)
		if (config_line(c, *l, err, sizeof(err)))
			fail_msg("%s: %s", *l, err);
	err[0] = '\0';
	return config_finish(c, err, sizeof(err));
}

/* RFC 7756 Edge Relay: the service address and its IPv6 partner. */
static void test_edge_relay(void **state)
{
	static const char *const no_v6[] = {
		"edge-relay=yes", "clat-v4-addr=192.0.2.1",
		"plat-prefix=2001:db8:64::/96", NULL };
	static const char *const no_prefix[] = {
		"edge-relay=yes", "clat-v4-addr=192.0.2.1",
		"clat-v6-addr=2001:db8:1::4:1", NULL };
	static const char *const by_eam[] = {
		"edge-relay=yes", "clat-v4-addr=192.0.2.1",
		"plat-prefix=2001:db8:64::/96",
		"eam=198.51.100.0/24,2001:db8:aaaa::/120",
		"eam=192.0.2.1/32,2001:db8:1::4:1/128", NULL };
	static const char *const under[] = {
		"edge-relay=yes", "clat-v4-addr=192.0.2.1",
		"plat-prefix=2001:db8:64::/96",
		"clat-v6-addr=2001:db8:64::c000:201", NULL };
	static const char *const under_other[] = {
		"edge-relay=yes", "clat-v4-addr=192.0.2.1",
		"plat-prefix=2001:db8:64::/96",
		"clat-v6-addr=2001:db8:64::c000:202", NULL };
	static const char *const under_clat[] = {
		"clat-v4-addr=192.0.2.1", "plat-prefix=2001:db8:64::/96",
		"clat-v6-addr=2001:db8:64::c000:201", NULL };
	struct config c;
	uint8_t a[16];

	(void)state;
	assert_int_equal(lines(&c, no_v6), -EINVAL);
	assert_non_null(strstr(err, "edge-relay=yes: needs clat-v6-addr"));
	assert_int_equal(lines(&c, no_prefix), -EINVAL);
	assert_non_null(strstr(err, "edge-relay=yes: needs plat-prefix"));
	assert_int_equal(lines(&c, by_eam), 0);
	assert_int_equal(c.v6_mode, CONFIG_V6_EXPLICIT);
	v6("2001:db8:1::4:1", a);
	assert_memory_equal(c.clat_v6, a, 16);
	assert_int_equal(c.eam.n, 1);	/* the host's own mapping is out */
	/* under the prefix only as the RFC 6052 address of the service */
	assert_int_equal(lines(&c, under), 0);
	assert_int_equal(lines(&c, under_other), -EINVAL);
	assert_non_null(strstr(err, "clat-v6-addr"));
	assert_int_equal(lines(&c, under_clat), -EINVAL);
	assert_non_null(strstr(err, "lies under plat-prefix"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_edge_relay),
	};

	return cmocka_run_group_tests_name("eam", tests, NULL, NULL);
}
