/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLAT prefix discovery helpers: PREF64 in router advertisements (RFC
 * 8781 section 4) and DNS64 answers for ipv4only.arpa (RFC 7050 section
 * 3), with messages written out byte by byte from the RFCs' formats. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns64.h"
#include "pref64.h"

/* RA header (RFC 4861 4.2): type 134, code 0, checksum, hop limit 64,
 * flags 0, router lifetime 1800, reachable 0, retrans 0. */
#define RA_HDR 0x86, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0

static void test_pref64_96(void **state)
{
	/* PREF64 (RFC 8781 Figure 1): type 38, length 2, scaled lifetime
	 * 225 (1800 s) with PLC 0 (/96): 225 << 3 = 0x0708; prefix
	 * 2001:db8:64::. Then a source link-layer option to step over. */
	static const uint8_t ra[] = {
		RA_HDR,
		38, 2, 0x07, 0x08, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64,
		0, 0, 0, 0, 0, 0,
		1, 1, 0x02, 0, 0, 0, 0, 1,
	};
	struct pref64 p[2];
	char buf[64];

	(void)state;
	assert_int_equal(pref64_parse_ra(ra, sizeof(ra), p, 2), 1);
	assert_int_equal(p[0].lifetime, 1800);
	assert_string_equal(rfc6052_prefix_format(&p[0].prefix, buf,
						  sizeof(buf)),
			    "2001:db8:64::/96");
}

static void test_pref64_plc(void **state)
{
	/* Every PLC (0..5 = /96 /64 /56 /48 /40 /32), then 6 and 7 which
	 * RFC 8781 says to ignore; bits past the PLC's length are ignored. */
	static const uint8_t want[] = { 96, 64, 56, 48, 40, 32 };

	(void)state;
	for (uint8_t plc = 0; plc < 8; plc++) {
		uint8_t ra[32] = { RA_HDR, 38, 2, 0x00, (uint8_t)(0x08 | plc),
				   0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff,
				   0xff, 0, 0xff, 0xff, 0xff };
		struct pref64 p;
		int n = pref64_parse_ra(ra, sizeof(ra), &p, 1);

		if (plc > 5) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_int_equal(p.prefix.len, want[plc]);
		assert_int_equal(p.lifetime, 8);
		assert_int_equal(rfc6052_prefix_check(&p.prefix), 0);
		for (unsigned i = want[plc] / 8; i < 16; i++)
			assert_int_equal(p.prefix.addr[i], 0);
	}
}

static void test_pref64_malformed(void **state)
{
	uint8_t ra[40] = { RA_HDR, 38, 2, 0, 0, 0x20, 0x01, 0x0d, 0xb8 };
	struct pref64 p;

	(void)state;
	/* Lifetime 0: a withdrawal, still reported. */
	assert_int_equal(pref64_parse_ra(ra, 32, &p, 1), 1);
	assert_int_equal(p.lifetime, 0);
	/* Length other than 2: ignored (RFC 8781 4), message still valid. */
	ra[17] = 3;
	assert_int_equal(pref64_parse_ra(ra, 40, &p, 1), 0);
	ra[17] = 1;
	assert_int_equal(pref64_parse_ra(ra, 24, &p, 1), 0);
	/* An option of length 0 or running past the end: not a valid RA
	 * (RFC 4861 6.1.2). */
	ra[17] = 0;
	assert_int_equal(pref64_parse_ra(ra, 32, &p, 1), -EINVAL);
	ra[17] = 2;
	assert_int_equal(pref64_parse_ra(ra, 30, &p, 1), -EINVAL);
	assert_int_equal(pref64_parse_ra(ra, 17, &p, 1), -EINVAL);
	/* Not an RA, or code not 0. */
	ra[0] = 135;
	assert_int_equal(pref64_parse_ra(ra, 32, &p, 1), -EINVAL);
	ra[0] = 134;
	ra[1] = 1;
	assert_int_equal(pref64_parse_ra(ra, 32, &p, 1), -EINVAL);
	/* Bits 64..71 set under a /96: RFC 6052 2.2 forbids, ignored. */
	ra[1] = 0;
	ra[28] = 1;
	assert_int_equal(pref64_parse_ra(ra, 32, &p, 1), 0);
}

static void test_pref64_option_roundtrip(void **state)
{
	static const char *const prefixes[] = {
		"64:ff9b::/96", "2001:db8:1:2::/64", "2001:db8:100::/40",
		"2001:db8::/32", "2001:db8:122:300::/56", "2001:db8:122::/48",
	};

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		uint8_t ra[32] = { RA_HDR };
		struct rfc6052_prefix want;
		struct pref64 got;

		assert_int_equal(rfc6052_prefix_parse(prefixes[i], &want), 0);
		pref64_option(&want, 600, ra + 16);
		assert_int_equal(pref64_parse_ra(ra, 32, &got, 1), 1);
		assert_memory_equal(&got.prefix, &want, sizeof(want));
		assert_int_equal(got.lifetime, 600);
	}
}

/* The query, byte by byte (RFC 1035 4.1). */
static void test_dns64_query(void **state)
{
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		8, 'i', 'p', 'v', '4', 'o', 'n', 'l', 'y', 4, 'a', 'r', 'p',
		'a', 0, 0, 28, 0, 1,
	};
	uint8_t q[DNS64_QUERY_MAX];

	(void)state;
	assert_int_equal(dns64_query(q, 0x1234), sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
}

/* An answer as a DNS64 server gives it: the question, then two AAAA
 * records whose owner is a pointer to the question's name (0xc00c). */
static size_t answer(uint8_t *m, uint16_t id, const char *a1, const char *a2,
		     uint32_t ttl1, uint32_t ttl2)
{
	size_t n;

	n = dns64_query(m, id);
	m[2] = 0x81;			/* QR, RD */
	m[3] = 0x80;			/* RA, RCODE 0 */
	m[7] = 2;			/* two answers */
	for (int i = 0; i < 2; i++) {
		uint32_t ttl = i ? ttl2 : ttl1;
		uint8_t r[12] = { 0xc0, 0x0c, 0, 28, 0, 1,
				  (uint8_t)(ttl >> 24), (uint8_t)(ttl >> 16),
				  (uint8_t)(ttl >> 8), (uint8_t)ttl, 0, 16 };

		memcpy(m + n, r, 12);
		assert_int_equal(inet_pton(AF_INET6, i ? a2 : a1, m + n + 12), 1);
		n += 28;
	}
	return n;
}

static void test_dns64_every_length(void **state)
{
	/* 192.0.0.170 and .171 under each RFC 6052 length (section 2.2). */
	static const struct {
		const char *a170, *a171, *prefix;
	} t[] = {
		{ "2001:db8:64::c000:aa", "2001:db8:64::c000:ab",
		  "2001:db8:64::/96" },
		{ "64:ff9b::192.0.0.170", "64:ff9b::192.0.0.171",
		  "64:ff9b::/96" },
		{ "2001:db8:1:2:c0:0:aa00:0", "2001:db8:1:2:c0:0:ab00:0",
		  "2001:db8:1:2::/64" },
		{ "2001:db8:122:3c0:0:aa::", "2001:db8:122:3c0:0:ab::",
		  "2001:db8:122:300::/56" },
		{ "2001:db8:122:c000:0:aa00::", "2001:db8:122:c000:0:ab00::",
		  "2001:db8:122::/48" },
		{ "2001:db8:1c0:0:aa::", "2001:db8:1c0:0:ab::",
		  "2001:db8:100::/40" },
		{ "2001:db8:c000:aa::", "2001:db8:c000:ab::", "2001:db8::/32" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t m[256];
		struct rfc6052_prefix p;
		uint32_t ttl;
		char buf[64];
		size_t n = answer(m, 7, t[i].a170, t[i].a171, 300, 60);

		assert_int_equal(dns64_parse(m, n, 7, &p, &ttl), 0);
		assert_string_equal(rfc6052_prefix_format(&p, buf, sizeof(buf)),
				    t[i].prefix);
		assert_int_equal(ttl, 60);
	}
}

static void test_dns64_refusals(void **state)
{
	uint8_t m[256];
	struct rfc6052_prefix p;
	uint32_t ttl;
	size_t n;

	(void)state;
	/* Only one of the two well-known addresses: no prefix (the issue's
	 * rule, stricter than RFC 7050's SHOULD). */
	n = answer(m, 9, "2001:db8:64::c000:aa", "2001:db8:64::c000:aa", 1, 1);
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -ENOENT);
	/* The two under different prefixes. */
	n = answer(m, 9, "2001:db8:64::c000:aa", "2001:db8:65::c000:ab", 1, 1);
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -ENOENT);
	/* Other addresses altogether (a real AAAA). */
	n = answer(m, 9, "2001:db8::1", "2001:db8::2", 1, 1);
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -ENOENT);
	/* Wrong id, not a response, truncated. */
	n = answer(m, 9, "2001:db8:64::c000:aa", "2001:db8:64::c000:ab", 1, 1);
	assert_int_equal(dns64_parse(m, n, 10, &p, &ttl), -EINVAL);
	assert_int_equal(dns64_parse(m, n - 1, 9, &p, &ttl), -EINVAL);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(dns64_parse(m, cut, 9, &p, &ttl), 0);
	/* NXDOMAIN. */
	m[3] = 0x83;
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -ENOENT);
	m[3] = 0x80;
	/* Another question. */
	m[13] = 'x';
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -EINVAL);
	m[13] = 'I';		/* names compare without case */
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), 0);
	m[2] = 0x01;
	assert_int_equal(dns64_parse(m, n, 9, &p, &ttl), -EINVAL);
}

/* Several routers on the uplink (RFC 8781 section 5 leaves the choice to
 * the host): the first prefix heard is kept while its lifetime lasts,
 * another router's never displaces it, and when it ends the longest-lived
 * other takes over. */
static struct pref64 pf(const char *a, uint8_t len, uint32_t life)
{
	struct pref64 p = { .prefix.len = len, .lifetime = life };

	assert_int_equal(inet_pton(AF_INET6, a, p.prefix.addr), 1);
	return p;
}

static void chosen_is(const struct pref64_set *s, const char *want)
{
	const struct pref64_cand *c = pref64_set_chosen(s);
	char buf[64];

	if (!want) {
		assert_null(c);
		return;
	}
	assert_non_null(c);
	assert_string_equal(rfc6052_prefix_format(&c->prefix, buf, sizeof(buf)),
			    want);
}

static void test_pref64_two_routers(void **state)
{
	uint8_t r1[16] = { 0xfe, 0x80, [15] = 1 }, r2[16] = { 0xfe, 0x80, [15] = 2 };
	struct pref64 a = pf("2001:db8:64::", 96, 600),
		      b = pf("2001:db8:46::", 96, 1800);
	struct pref64_set s;

	(void)state;
	pref64_set_init(&s);
	chosen_is(&s, NULL);
	assert_true(pref64_set_ra(&s, r1, 2, &a, 1, 0));
	chosen_is(&s, "2001:db8:64::/96");
	/* The other router, alternating, for a while: no change. */
	for (uint64_t t = 1000; t < 590000; t += 1000) {
		assert_false(pref64_set_ra(&s, (t / 1000) % 2 ? r2 : r1, 2,
					   (t / 1000) % 2 ? &b : &a, 1, t));
		chosen_is(&s, "2001:db8:64::/96");
	}
	assert_int_equal(pref64_set_chosen(&s)->expires, 588000 + 600000);
	/* r1 falls silent: its prefix lasts until 1188 s, then b. */
	assert_false(pref64_set_expire(&s, 1187999));
	chosen_is(&s, "2001:db8:64::/96");
	assert_true(pref64_set_expire(&s, 1188000));
	chosen_is(&s, "2001:db8:46::/96");
	/* r1 comes back: b stays while it lasts. */
	assert_false(pref64_set_ra(&s, r1, 2, &a, 1, 1190000));
	chosen_is(&s, "2001:db8:46::/96");
	/* r2 withdraws b (lifetime 0, RFC 8781 section 4): a at once. */
	b.lifetime = 0;
	assert_true(pref64_set_ra(&s, r2, 2, &b, 1, 1191000));
	chosen_is(&s, "2001:db8:64::/96");
	assert_int_equal(pref64_set_next(&s), 1190000 + 600000);
	assert_true(pref64_set_expire(&s, 1790000));
	chosen_is(&s, NULL);
	assert_int_equal(pref64_set_next(&s), UINT64_MAX);
}

static void test_pref64_renumbering(void **state)
{
	uint8_t r1[16] = { 0xfe, 0x80, [15] = 1 }, r2[16] = { 0xfe, 0x80, [15] = 2 };
	struct pref64 a = pf("2001:db8:64::", 96, 600),
		      b = pf("2001:db8:46::", 96, 600),
		      c = pf("64:ff9b::", 96, 600);
	struct pref64_set s;

	(void)state;
	pref64_set_init(&s);
	assert_true(pref64_set_ra(&s, r1, 2, &a, 1, 0));
	/* The chosen prefix's own router announces another instead: it
	 * renumbered, follow. */
	assert_true(pref64_set_ra(&s, r1, 2, &b, 1, 1000));
	chosen_is(&s, "2001:db8:46::/96");
	/* A router announcing two, the chosen one among them: kept. */
	struct pref64 two[2] = { c, b };
	assert_false(pref64_set_ra(&s, r1, 2, two, 2, 2000));
	chosen_is(&s, "2001:db8:46::/96");
	/* Many other routers fill the table: the chosen one stays. */
	for (int i = 0; i < 3 * PREF64_CANDS; i++) {
		uint8_t rx[16] = { 0xfe, 0x80, [14] = 1, [15] = (uint8_t)i };
		struct pref64 x = pf("2001:db8:99::", 96, 600 + (uint32_t)i);

		x.prefix.addr[6] = (uint8_t)i;
		assert_false(pref64_set_ra(&s, rx, 3, &x, 1, 3000));
	}
	chosen_is(&s, "2001:db8:46::/96");
	(void)r2;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pref64_96),
		cmocka_unit_test(test_pref64_plc),
		cmocka_unit_test(test_pref64_malformed),
		cmocka_unit_test(test_pref64_option_roundtrip),
		cmocka_unit_test(test_pref64_two_routers),
		cmocka_unit_test(test_pref64_renumbering),
		cmocka_unit_test(test_dns64_query),
		cmocka_unit_test(test_dns64_every_length),
		cmocka_unit_test(test_dns64_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
