/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packet vectors of tests/vectors/gen.py: for each, the core's verdict,
 * reason and every output byte must match what scapy built from the RFC. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "bytes.h"
#include "csum.h"
#include "xlat.h"

struct vector {
	const char *name;
	const char *rfc;	/* where the expected bytes come from */
	char cfg;		/* configuration preset, see preset() */
	int dir;		/* 4: xlat_4to6, 6: xlat_6to4 */
	const uint8_t *in;
	size_t in_len;
	enum xlat_verdict verdict;
	enum xlat_reason reason;
	unsigned npkts;
	const uint8_t *const *out;
	const size_t *out_len;
	unsigned flags;
};

#include "vectors.h"

static struct xlat_out out;

/* A: 2001:db8:64::/96, CLAT 192.0.0.1 / 2001:db8:1::2, IPv6 MTU 1500.
 * W: the Well-Known Prefix with the RFC 6052 3.1 rule on. N: a /40.
 * M: IPv6 MTU 1280, IPv4 MTU 1400. J: IPv6 MTU 9000. E: A with RFC 7757
 * mappings (see gen.py's EAMS). */
static void preset(char name, struct xlat_cfg *cfg)
{
	const char *prefix = "2001:db8:64::/96";

	xlat_cfg_init(cfg);
	cfg->mtu6 = 1500;
	switch (name) {
	case 'W':
		prefix = "64:ff9b::/96";
		cfg->wkp_strict = true;
		break;
	case 'N':
		prefix = "2001:db8:100::/40";
		break;
	case 'M':
		cfg->mtu6 = 1280;
		cfg->mtu4 = 1400;
		break;
	case 'J':
		cfg->mtu6 = 9000;
		break;
	case 'E': {
		static const char *const eams[] = {
			"198.51.100.0/24,2001:db8:aaaa::/120",
			"198.51.100.128/25,2001:db8:bbbb::/121",
			"192.0.2.7/32,2001:db8:cccc::7/128",
			"192.0.2.99/32,2001:db8:1::2/128",
			"192.0.0.1/32,2001:db8:dddd::1/128",
		};

		for (size_t i = 0; i < sizeof(eams) / sizeof(eams[0]); i++) {
			struct xlat_eam e;

			assert_int_equal(xlat_eam_parse(eams[i], &e, NULL), 0);
			assert_int_equal(xlat_eam_add(&cfg->eam, &e, NULL), 0);
		}
		break;
	}
	}
	assert_int_equal(rfc6052_prefix_parse(prefix, &cfg->plat), 0);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::2", cfg->clat6), 1);
	assert_int_equal(xlat_cfg_check(cfg, NULL), 0);
}

static void hexdiff(const uint8_t *want, size_t wn, const uint8_t *got,
		    size_t gn)
{
	size_t n = wn > gn ? wn : gn;

	for (size_t i = 0; i < n; i++) {
		int w = i < wn ? want[i] : -1, g = i < gn ? got[i] : -1;

		if (w != g)
			print_message("  offset %4zu: expected %02x, got %02x\n",
				      i, w & 0xff, g & 0xff);
	}
}

static void run_vector(void **state)
{
	const struct vector *v = *state;
	static uint8_t got[70000], want[70000];
	struct xlat_cfg cfg;
	struct xlat_state st;
	enum xlat_verdict verdict;

	preset(v->cfg, &cfg);
	xlat_state_init(&st, 1);
	verdict = v->dir == 4 ? xlat_4to6(&cfg, &st, v->in, v->in_len, &out)
			      : xlat_6to4(&cfg, &st, v->in, v->in_len, &out);
	if (verdict != v->verdict || out.reason != v->reason)
		fail_msg("%s (%s): verdict %d reason %s, expected %d %s",
			 v->name, v->rfc, verdict, xlat_reason_name(out.reason),
			 v->verdict, xlat_reason_name(v->reason));
	assert_int_equal(out.npkts, v->npkts);
	if (v->npkts)
		assert_int_equal(out.family,
				 (v->dir == 4) == (verdict == XLAT_FORWARD) ?
				 AF_INET6 : AF_INET);
	for (unsigned i = 0; i < v->npkts; i++) {
		size_t n = xlat_out_copy(&out, i, got, sizeof(got));

		memcpy(want, v->out[i], v->out_len[i]);
		if ((v->flags & V_IGNORE_IPID) && n >= 20 && v->out_len[i] >= 20) {
			/* RFC 7915 5.1: the translator picks this ID; take
			 * it over and recompute the expected checksum. */
			memcpy(want + 4, got + 4, 2);
			put16(want + 10, 0);
			put16(want + 10, csum_fold(csum_add(0, want, 20)));
		}
		if (n != v->out_len[i] || memcmp(got, want, n) != 0) {
			print_message("%s packet %u (%s): %zu bytes, expected %zu\n",
				      v->name, i, v->rfc, n, v->out_len[i]);
			hexdiff(want, v->out_len[i], got, n);
			fail();
		}
	}
}

int main(void)
{
	size_t n = sizeof(vectors) / sizeof(vectors[0]);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = vectors[i].name;
		tests[i].test_func = run_vector;
		tests[i].initial_state = (void *)(uintptr_t)&vectors[i];
	}
	rc = _cmocka_run_group_tests("vectors", tests, n, NULL, NULL);
	free(tests);
	return rc;
}
