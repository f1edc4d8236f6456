/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure half of the reconcile step (src/clat_desire.c): from facts
 * about the network and the configuration, what should be in place. Each
 * test changes one thing (prefix, address mode, uplink, MTU) and checks
 * what follows: the translator's configuration, the rules, the IPv4 route,
 * the anycast join, or why nothing can be. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "clat_desire.h"

static char err[CONFIG_ERR_MAX];

/* A host with 2001:db8:1::2 on uplink 2, path MTU 1500, the prefix
 * 2001:db8:64::/96 known. */
static void facts(struct clat_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->have_prefix = true;
	assert_int_equal(rfc6052_prefix_parse("2001:db8:64::/96", &f->pfx), 0);
	inet_pton(AF_INET6, "2001:db8:1::2", f->src);
	f->mtu6 = 1500;
	f->uplink_idx = 2;
	f->nworkers = 2;
	f->v6route = CLAT_V6R_UNKNOWN;
}

static void conf(struct config *c, const char *const *kv)
{
	config_init(c);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(config_set(c, kv[0], kv[1], err, sizeof(err)), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
}

static void desire(const struct config *c, const struct clat_facts *f,
		   struct clat_desired *d)
{
	struct xlat_cfg base;

	xlat_cfg_init(&base);
	clat_desire(c, f, &base, d);
}

static void addr6(const char *s, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void test_shared_translates(void **state)
{
	struct config c;
	struct clat_facts f;
	struct clat_desired d;
	uint8_t want[16];

	(void)state;
	conf(&c, NULL);
	facts(&f);
	desire(&c, &f, &d);
	assert_null(d.why);
	addr6("2001:db8:1::2", want);
	assert_memory_equal(d.clat6, want, 16);
	assert_memory_equal(d.xc.clat6, want, 16);
	assert_memory_equal(d.rs.clat6, want, 16);
	assert_true(d.rs.shared);
	assert_int_equal(d.rs.queues, 2);
	assert_int_equal(d.rs.queue_num, 464);
	assert_int_equal(d.rs.gso_queue_num, 466);	/* after the plain ones */
	assert_int_equal(d.rs.sel6, 15);	/* /96: the last octet */
	assert_true(d.serve);
	assert_true(d.route);
	assert_int_equal(d.anycast_ifindex, 0);
	/* RFC 7915 4: 20 bytes more in IPv6; MSS 40 below */
	assert_int_equal(d.xc.mtu6, 1500);
	assert_int_equal(d.mtu4, 1480);
	assert_int_equal(d.advmss, 1440);
}

static void test_prefix_changes(void **state)
{
	struct config c;
	struct clat_facts f;
	struct clat_desired a, b;
	struct rfc6052_prefix p64;

	(void)state;
	conf(&c, NULL);
	facts(&f);
	desire(&c, &f, &a);
	/* A /64 prefix (RFC 6052 2.2): the IPv4 address's last octet
	 * moves to byte 12, the rules follow. */
	assert_int_equal(rfc6052_prefix_parse("2001:db8:6464::/64", &p64), 0);
	f.pfx = p64;
	desire(&c, &f, &b);
	assert_null(b.why);
	assert_int_equal(b.xc.plat.len, 64);
	assert_int_equal(b.rs.plat.len, 64);
	assert_int_equal(b.rs.sel6, 12);
	assert_false(clat_spec_equal(&a.rs, &b.rs));
	assert_false(clat_xc_equal(&a.xc, &b.xc));
	/* No prefix at all: nothing, and why. */
	f.have_prefix = false;
	desire(&c, &f, &b);
	assert_non_null(b.why);
	assert_non_null(strstr(b.why, "waiting for a PLAT prefix"));
	assert_false(b.route);
	assert_false(b.serve);
	/* An address under the prefix cannot be the CLAT's. */
	facts(&f);
	addr6("2001:db8:64::1", f.src);
	desire(&c, &f, &b);
	assert_non_null(strstr(b.why, "under the PLAT prefix"));
}

static void test_address_modes(void **state)
{
	static const char *const explicit_kv[] = {
		"clat-v6-addr", "2001:db8:2::c1a7", NULL };
	static const char *const derived_kv[] = {
		"clat-v6-addr", "derived", NULL };
	struct config c;
	struct clat_facts f;
	struct clat_desired d;
	uint8_t want[16];

	(void)state;
	/* Shared: the address in use is kept while the uplink has it, even
	 * when the kernel now picks another source (RFC 8981). */
	conf(&c, NULL);
	facts(&f);
	f.shared_kept = true;
	addr6("2001:db8:1::77", f.shared_addr);
	desire(&c, &f, &d);
	assert_memory_equal(d.clat6, f.shared_addr, 16);

	/* Explicit, routed to this host: no join, no neighbour discovery. */
	conf(&c, explicit_kv);
	facts(&f);
	f.v6route = CLAT_V6R_ROUTED;
	desire(&c, &f, &d);
	assert_null(d.why);
	addr6("2001:db8:2::c1a7", want);
	assert_memory_equal(d.clat6, want, 16);
	assert_false(d.rs.shared);
	assert_int_equal(d.anycast_ifindex, 0);
	assert_non_null(strstr(d.v6_how, "routed"));
	/* on-link: joined as anycast on that link */
	f.v6route = CLAT_V6R_ONLINK;
	f.v6route_oif = 7;
	desire(&c, &f, &d);
	assert_null(d.why);
	assert_int_equal(d.anycast_ifindex, 7);
	/* neither: why, with the fix */
	f.v6route = CLAT_V6R_NONE;
	desire(&c, &f, &d);
	assert_non_null(d.why);
	assert_non_null(strstr(d.why, "fix:"));
	assert_int_equal(d.anycast_ifindex, 0);
	assert_false(d.route);

	/* Derived: waits for duplicate address detection, then uses it. */
	conf(&c, derived_kv);
	facts(&f);
	f.derived_wait = "waiting for duplicate address detection";
	desire(&c, &f, &d);
	assert_string_equal(d.why, f.derived_wait);
	f.derived_wait = NULL;
	addr6("2001:db8:1::c1a7", f.derived_addr);
	desire(&c, &f, &d);
	assert_null(d.why);
	assert_memory_equal(d.clat6, f.derived_addr, 16);
	assert_false(d.rs.shared);
}

static void test_uplink_changes(void **state)
{
	struct config c;
	struct clat_facts f;
	struct clat_desired d;

	(void)state;
	conf(&c, NULL);
	facts(&f);
	f.uplink_idx = 0;
	desire(&c, &f, &d);
	assert_non_null(strstr(d.why, "uplink is gone"));
	/* the global address gone, the kernel routes from link-local */
	facts(&f);
	addr6("fe80::1", f.src);
	desire(&c, &f, &d);
	assert_non_null(strstr(d.why, "from a global address"));
	facts(&f);
	f.route_err = -101;	/* ENETUNREACH */
	desire(&c, &f, &d);
	assert_non_null(strstr(d.why, "no IPv6 route"));
	/* plat-dev given and not there (yet): waited for */
	facts(&f);
	f.plat_dev_missing = true;
	desire(&c, &f, &d);
	assert_non_null(strstr(d.why, "plat-dev"));
	/* a new uplink: on-link explicit addresses follow it */
	{
		static const char *const kv[] = {
			"clat-v6-addr", "2001:db8:1::c1a7", NULL };

		conf(&c, kv);
		facts(&f);
		f.v6route = CLAT_V6R_ONLINK;
		f.v6route_oif = 2;
		desire(&c, &f, &d);
		assert_int_equal(d.anycast_ifindex, 2);
		f.uplink_idx = f.v6route_oif = 9;
		desire(&c, &f, &d);
		assert_int_equal(d.anycast_ifindex, 9);
	}
	/* native IPv4 (v4-conncheck): rules stay, the route goes */
	conf(&c, NULL);
	facts(&f);
	f.aside = true;
	desire(&c, &f, &d);
	assert_null(d.why);
	assert_false(d.serve);
	assert_false(d.route);
}

static void test_mtu_changes(void **state)
{
	static const char *const fixed[] = {
		"v4-defaultroute-mtu", "1260", NULL };
	struct config c;
	struct clat_facts f;
	struct clat_desired d;

	(void)state;
	conf(&c, NULL);
	facts(&f);
	f.mtu6 = 9000;
	desire(&c, &f, &d);
	assert_int_equal(d.xc.mtu6, 9000);
	assert_int_equal(d.mtu4, 8980);
	assert_int_equal(d.advmss, 8940);
	/* below the IPv6 minimum: 1280 (RFC 8200 5) */
	f.mtu6 = 1000;
	desire(&c, &f, &d);
	assert_int_equal(d.xc.mtu6, 1280);
	assert_int_equal(d.mtu4, 1260);
	/* configured: kept whatever the path */
	conf(&c, fixed);
	f.mtu6 = 9000;
	desire(&c, &f, &d);
	assert_int_equal(d.xc.mtu6, 9000);
	assert_int_equal(d.mtu4, 1260);
	assert_int_equal(d.advmss, 1220);
	/* no route at all when asked not to */
	{
		static const char *const kv[] = {
			"v4-defaultroute-enable", "no", NULL };

		conf(&c, kv);
		desire(&c, &f, &d);
		assert_null(d.why);
		assert_false(d.route);
		assert_true(d.serve);
	}
}

static void test_config_reaches_rules(void **state)
{
	static const char *const kv[] = {
		"threads", "3", "queue-num", "100", "trace", "yes",
		"gso", "no", "clat-v4-addr", "192.0.0.5",
		NULL };
	struct config c;
	struct clat_facts f;
	struct clat_desired a, b;
	const uint8_t v4[4] = { 192, 0, 0, 5 };

	(void)state;
	conf(&c, NULL);
	facts(&f);
	desire(&c, &f, &a);
	conf(&c, kv);
	f.nworkers = 3;
	desire(&c, &f, &b);
	assert_int_equal(b.rs.queues, 3);
	assert_int_equal(b.rs.queue_num, 100);
	assert_int_equal(b.rs.gso_queue_num, 0);
	assert_true(b.rs.trace);
	assert_memory_equal(b.rs.clat4, v4, 4);
	assert_memory_equal(b.xc.clat4, v4, 4);
	assert_false(clat_spec_equal(&a.rs, &b.rs));
	assert_false(clat_xc_equal(&a.xc, &b.xc));
	/* trace alone is a difference (SIGHUP trace=yes applies) */
	a = b;
	a.rs.trace = false;
	assert_false(clat_spec_equal(&a.rs, &b.rs));
	assert_true(clat_spec_equal(&b.rs, &b.rs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_translates),
		cmocka_unit_test(test_prefix_changes),
		cmocka_unit_test(test_address_modes),
		cmocka_unit_test(test_uplink_changes),
		cmocka_unit_test(test_mtu_changes),
		cmocka_unit_test(test_config_reaches_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
