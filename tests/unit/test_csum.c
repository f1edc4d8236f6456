/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksum: RFC 1071 sums and RFC 1624 incremental updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"

/* RFC 1071 section 3, numerical example: the words 0001 f203 f4f5 f6f7
 * sum to 2ddf0, folded ddf2; the checksum is its complement 220d. */
static void test_rfc1071_example(void **state)
{
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(csum_fold(csum_add(0, b, sizeof(b))), 0x220d);
}

/* A captured IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose
 * checksum field holds b861: summing the header with it gives zero. */
static void test_ipv4_header(void **state)
{
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
			0xc0, 0xa8, 0x00, 0xc7 };

	(void)state;
	assert_int_equal(csum_fold(csum_add(0, h, sizeof(h))), 0);
	h[10] = h[11] = 0;
	assert_int_equal(csum_fold(csum_add(0, h, sizeof(h))), 0xb861);
}

/* Odd lengths pad with a zero byte; every alignment gives one answer. */
static void test_odd_and_alignment(void **state)
{
	uint8_t buf[64 + 8];
	const uint8_t odd[] = { 0x12, 0x34, 0x56 };

	(void)state;
	/* 1234 + 5600 = 6834 -> ~ = 97cb */
	assert_int_equal(csum_fold(csum_add(0, odd, 3)), 0x97cb);
	for (size_t len = 0; len <= 64; len++) {
		uint16_t ref = 0;

		for (size_t a = 0; a < 8; a++) {
			uint32_t slow = 0;
			uint16_t c;

			for (size_t i = 0; i < len; i++)
				buf[a + i] = (uint8_t)(i * 37 + len + 1);
			for (size_t i = 0; i < len; i++)
				slow += (i & 1) ? buf[a + i] : buf[a + i] << 8;
			c = csum_fold(csum_add(0, buf + a, len));
			assert_int_equal(c, csum_fold(slow));
			if (a == 0)
				ref = c;
			assert_int_equal(c, ref);
		}
	}
}

/* An ICMPv6 echo request ::1 -> ::1, id 1 seq 1, no data, checksum worked
 * by hand: pseudo-header 0001 + 0001 + 0008 (length) + 003a (58) = 0044,
 * message 8000 + 0000 + 0001 + 0001 = 8002; 0044 + 8002 = 8046 -> ~ = 7fb9. */
static void test_icmpv6_pseudo(void **state)
{
	uint8_t lo[16] = { 0 };
	const uint8_t msg[] = { 0x80, 0, 0, 0, 0, 1, 0, 1 };
	uint32_t sum;

	(void)state;
	lo[15] = 1;
	sum = csum_pseudo6(lo, lo, 58, sizeof(msg));
	assert_int_equal(csum_fold(csum_add(sum, msg, sizeof(msg))), 0x7fb9);
}

/* UDP 192.0.2.1:1 -> 192.0.2.2:2, no data: pseudo-header c000 + 0201 +
 * c000 + 0202 + 0011 + 0008 = 1841c, header 0001 + 0002 + 0008 = 000b;
 * 18427 folds to 8428 -> ~ = 7bd7. */
static void test_udp_pseudo4(void **state)
{
	const uint8_t s[4] = { 192, 0, 2, 1 }, d[4] = { 192, 0, 2, 2 };
	const uint8_t udp[] = { 0, 1, 0, 2, 0, 8, 0, 0 };
	uint32_t sum = csum_pseudo4(s, d, 17, 8);

	(void)state;
	assert_int_equal(csum_fold(csum_add(sum, udp, 8)), 0x7bd7);
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* RFC 1624: updating for a changed field equals recomputing. */
static void test_incremental_equals_full(void **state)
{
	uint8_t buf[200];
	uint32_t x = 12345;

	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		size_t len = 40 + rnd(&x) % 160, off, n;
		uint8_t old[32];
		uint16_t c, full;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd(&x);
		c = csum_fold(csum_add(0, buf, len));
		n = 2 * (1 + rnd(&x) % 16);
		off = 2 * (rnd(&x) % ((len - n) / 2));
		memcpy(old, buf + off, n);
		for (size_t i = 0; i < n; i++)
			buf[off + i] = (uint8_t)rnd(&x);
		full = csum_fold(csum_add(0, buf, len));
		c = csum_adjust(c, csum_add(0, old, n),
				csum_add(0, buf + off, n));
		/* 0x0000 and 0xffff are both zero in one's complement. */
		if (c != full && !((c == 0 || c == 0xffff) &&
				   (full == 0 || full == 0xffff)))
			fail_msg("iteration %d: adjusted %04x, full %04x",
				 iter, c, full);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_odd_and_alignment),
		cmocka_unit_test(test_icmpv6_pseudo),
		cmocka_unit_test(test_udp_pseudo4),
		cmocka_unit_test(test_incremental_equals_full),
	};

	return cmocka_run_group_tests_name("csum", tests, NULL, NULL);
}
