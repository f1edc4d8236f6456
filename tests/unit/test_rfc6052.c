/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 6052: the section 2.4 table, prefix validation and section 3.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rfc6052.h"

/* RFC 6052 section 2.4, Table 2: 192.0.2.33 under each prefix length. */
static const struct {
	const char *prefix, *v6;
} table[] = {
	{ "2001:db8::/32", "2001:db8:c000:221::" },
	{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
	{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
	{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
	{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0" },
	{ "2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33" },
	{ "64:ff9b::/96", "64:ff9b::192.0.2.33" },
};

static void test_table_embed_extract(void **state)
{
	const uint8_t v4[4] = { 192, 0, 2, 33 };

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct rfc6052_prefix p;
		uint8_t want[16], got[16], back[4];

		assert_int_equal(rfc6052_prefix_parse(table[i].prefix, &p), 0);
		assert_int_equal(inet_pton(AF_INET6, table[i].v6, want), 1);
		rfc6052_embed(&p, v4, got);
		assert_memory_equal(got, want, 16);
		assert_int_equal(rfc6052_extract(&p, want, back), 0);
		assert_memory_equal(back, v4, 4);
	}
}

static void test_extract_not_under_prefix(void **state)
{
	struct rfc6052_prefix p;
	uint8_t a[16], v4[4];

	(void)state;
	assert_int_equal(rfc6052_prefix_parse("2001:db8:64::/96", &p), 0);
	inet_pton(AF_INET6, "2001:db8:65::c000:221", a);
	assert_int_equal(rfc6052_extract(&p, a, v4), -ENOENT);
	inet_pton(AF_INET6, "2001:db8:1::2", a);
	assert_int_equal(rfc6052_extract(&p, a, v4), -ENOENT);
	assert_int_equal(rfc6052_prefix_parse("2001:db8:100::/40", &p), 0);
	inet_pton(AF_INET6, "2001:db8:200:2:21::", a);
	assert_int_equal(rfc6052_extract(&p, a, v4), -ENOENT);
}

/* Section 2.2: the decoder ignores the suffix (and the u-octet). */
static void test_extract_ignores_suffix(void **state)
{
	struct rfc6052_prefix p;
	uint8_t a[16], v4[4];
	const uint8_t want[4] = { 192, 0, 2, 33 };

	(void)state;
	assert_int_equal(rfc6052_prefix_parse("2001:db8:122::/48", &p), 0);
	inet_pton(AF_INET6, "2001:db8:122:c000:2:2100:1:1", a);
	assert_int_equal(rfc6052_extract(&p, a, v4), 0);
	assert_memory_equal(v4, want, 4);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2001:db8::", "2001:db8::/", "2001:db8::/33",
		"2001:db8::/0", "2001:db8::/128", "2001:db8::/96x",
		"2001:db8::/-96", "2001:db8::/+96", "2001:db8::/ 96",
		"192.0.2.0/24", "2001:db8::1/96", "2001:db8::/32/1",
		"2001:db8:0:0:100::/96", /* u-octet set inside a /96 */
		"2001:db8:1::/32", /* bits beyond the prefix */
		"zz::/96",
	};
	struct rfc6052_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = rfc6052_prefix_parse(bad[i], &p);

		if (rc != -EINVAL)
			fail_msg("accepted bad prefix \"%s\" (rc %d)", bad[i], rc);
	}
}

static void test_format_roundtrip(void **state)
{
	struct rfc6052_prefix p, q;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_int_equal(rfc6052_prefix_parse(table[i].prefix, &p), 0);
		rfc6052_prefix_format(&p, buf, sizeof(buf));
		assert_string_equal(buf, table[i].prefix);
		assert_int_equal(rfc6052_prefix_parse(buf, &q), 0);
		assert_memory_equal(&p, &q, sizeof(p));
	}
}

static void test_wkp(void **state)
{
	struct rfc6052_prefix p;

	(void)state;
	assert_int_equal(rfc6052_prefix_parse("64:ff9b::/96", &p), 0);
	assert_true(rfc6052_is_wkp(&p));
	assert_int_equal(rfc6052_prefix_parse("64:ff9b:1::/96", &p), 0);
	assert_false(rfc6052_is_wkp(&p));
	assert_int_equal(rfc6052_prefix_parse("64:ff9b::/64", &p), 0);
	assert_false(rfc6052_is_wkp(&p));
}

/* Section 3.1 (with the RFC 6890 registry): first, last and just-outside
 * address of each non-global range. */
static void test_v4_is_global(void **state)
{
	static const struct {
		const char *a;
		bool global;
	} cases[] = {
		{ "0.0.0.0", false }, { "0.255.255.255", false },
		{ "1.0.0.0", true },
		{ "9.255.255.255", true }, { "10.0.0.0", false },
		{ "10.255.255.255", false }, { "11.0.0.0", true },
		{ "100.63.255.255", true }, { "100.64.0.0", false },
		{ "100.127.255.255", false }, { "100.128.0.0", true },
		{ "126.255.255.255", true }, { "127.0.0.1", false },
		{ "169.253.255.255", true }, { "169.254.0.0", false },
		{ "169.254.255.255", false }, { "169.255.0.0", true },
		{ "172.15.255.255", true }, { "172.16.0.0", false },
		{ "172.31.255.255", false }, { "172.32.0.0", true },
		{ "191.255.255.255", true }, { "192.0.0.0", false },
		{ "192.0.0.255", false }, { "192.0.1.0", true },
		{ "192.0.2.0", false }, { "192.0.2.255", false },
		{ "192.0.3.0", true }, { "192.167.255.255", true },
		{ "192.168.0.0", false }, { "192.168.255.255", false },
		{ "192.169.0.0", true }, { "198.17.255.255", true },
		{ "198.18.0.0", false }, { "198.19.255.255", false },
		{ "198.20.0.0", true }, { "198.51.99.255", true },
		{ "198.51.100.0", false }, { "198.51.100.255", false },
		{ "198.51.101.0", true }, { "203.0.112.255", true },
		{ "203.0.113.0", false }, { "203.0.113.255", false },
		{ "203.0.114.0", true }, { "223.255.255.255", true },
		{ "224.0.0.0", false }, { "239.255.255.255", false },
		{ "240.0.0.0", false }, { "255.255.255.255", false },
		{ "8.8.8.8", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[4];

		assert_int_equal(inet_pton(AF_INET, cases[i].a, a), 1);
		if (rfc6052_v4_is_global(a) != cases[i].global)
			fail_msg("%s: global should be %d", cases[i].a,
				 cases[i].global);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_embed_extract),
		cmocka_unit_test(test_extract_not_under_prefix),
		cmocka_unit_test(test_extract_ignores_suffix),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_wkp),
		cmocka_unit_test(test_v4_is_global),
	};

	return cmocka_run_group_tests_name("rfc6052", tests, NULL, NULL);
}
