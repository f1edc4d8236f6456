/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The clatd-style configuration parser: defaults, every key, and errors
 * that name the key and the value. */
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

static char err[CONFIG_ERR_MAX];

static void test_defaults(void **state)
{
	struct config c;
	const uint8_t v4[4] = { 192, 0, 0, 1 };

	(void)state;
	config_init(&c);
	assert_string_equal(c.clat_dev, "clat");
	assert_memory_equal(c.clat_v4, v4, 4);
	assert_int_equal(c.v6_mode, CONFIG_V6_SHARED);
	assert_int_equal(c.ctmark, 0xc1a7);
	assert_true(c.v4_defaultroute_enable);
	assert_int_equal(c.v4_defaultroute_metric, 2048);
	assert_int_equal(c.v4_defaultroute_mtu, 0);
	assert_true(c.nft_rules);
	assert_false(c.plat_prefix_set);
	assert_true(c.v4_conncheck_enable);
	assert_int_equal(c.v4_conncheck_delay, 10);
	assert_int_equal(c.script_timeout, 30);
	assert_false(c.v4_defaultroute_replace);
	assert_int_equal(c.ndns, 0);
	/* No configuration at all is a valid one: the prefix is found. */
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
}

static void test_good_lines(void **state)
{
	static const char *const lines[] = {
		"# a comment",
		"",
		"   ",
		"clat-dev = clat0",
		"clat-v4-addr=192.0.0.5",
		"clat-v6-addr=2001:db8:1::c1a7",
		"plat-prefix=2001:db8:64::/96",
		"plat-dev=eth0",
		"plat-fallback-prefix=64:ff9b::/96",
		"dns64-servers=2001:db8::53, 192.0.2.53,2001:db8::54",
		"v4-conncheck-enable=no",
		"v4-conncheck-delay=0",
		"v4-defaultroute-replace=yes",
		"router-mode=yes",
		"script-up=/usr/local/bin/clat-up --verbose",
		"script-down=logger clat down",
		"script-timeout=5",
		"threads=4",
		"queue-num=100",
		"queue-length=65536",
		"busy-poll=50",
		"udp-coalesce=no",
		"ingress-fwd=no",
		"fwmark=0x1234",
		"ctmark=4096",
		"v4-defaultroute-enable=no",
		"v4-defaultroute-metric=10",
		"v4-defaultroute-mtu=1472",
		"v4-defaultroute-advmss=1400",
		"nft-rules=no",
		"debug=1",
		"quiet=off",
		"metrics-file=/run/clat-nfq/metrics.prom",
	};
	struct config c;
	uint8_t v6[16];

	(void)state;
	config_init(&c);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (config_line(&c, lines[i], err, sizeof(err)))
			fail_msg("refused \"%s\": %s", lines[i], err);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_string_equal(c.clat_dev, "clat0");
	assert_int_equal(c.clat_v4[3], 5);
	assert_int_equal(c.v6_mode, CONFIG_V6_EXPLICIT);
	inet_pton(AF_INET6, "2001:db8:1::c1a7", v6);
	assert_memory_equal(c.clat_v6, v6, 16);
	assert_true(c.plat_prefix_set);
	assert_int_equal(c.plat_prefix.len, 96);
	assert_string_equal(c.plat_dev, "eth0");
	assert_true(c.fallback_prefix_set);
	assert_int_equal(c.ndns, 3);
	assert_int_equal(c.dns[1].family, AF_INET);
	assert_int_equal(c.dns[2].addr[15], 0x54);
	assert_false(c.v4_conncheck_enable);
	assert_int_equal(c.v4_conncheck_delay, 0);
	assert_true(c.v4_defaultroute_replace);
	assert_true(c.router);
	assert_string_equal(c.script_up, "/usr/local/bin/clat-up --verbose");
	assert_string_equal(c.script_down, "logger clat down");
	assert_int_equal(c.script_timeout, 5);
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.queue_num, 100);
	assert_int_equal(c.queue_length, 65536);
	assert_int_equal(c.busy_poll, 50);
	assert_false(c.udp_coalesce);
	assert_false(c.ingress_fwd);
	assert_int_equal(c.fwmark, 0x1234);
	assert_int_equal(c.ctmark, 4096);
	assert_false(c.v4_defaultroute_enable);
	assert_int_equal(c.v4_defaultroute_metric, 10);
	assert_int_equal(c.v4_defaultroute_mtu, 1472);
	assert_int_equal(c.v4_defaultroute_advmss, 1400);
	assert_false(c.nft_rules);
	assert_int_equal(c.debug, 1);
	assert_int_equal(c.quiet, 0);
	assert_string_equal(c.metrics_file, "/run/clat-nfq/metrics.prom");
}

/* A clatd 2.x clatd.conf, every key of clatd(8) in it, is taken as it is:
 * the keys that mean nothing here are warned about once each (the key and
 * why in the message), the rest are used with clatd's meaning. */
static void test_clatd_conf(void **state)
{
	static const char *const ignored[] = {
		"cmd-ip=/sbin/ip", "cmd-networkctl=networkctl", "cmd-nft=nft",
		"cmd-tayga=/usr/sbin/tayga", "cmd-ufw=", "forwarding-enable=yes",
		"proxynd-enable=no", "route-table=0xc1a7",
		"tayga-conffile=/etc/tayga-clat.conf", "tayga-v4-addr=192.0.0.2",
	};
	static const char *const used[] = {
		"; clatd's comments: semicolons,",
		"// double slashes",
		"   # and hashes after spaces",
		"quiet=1", "debug=2",
		"script-up=echo `date -Ins`: clatd started on $clat_dev",
		"script-down=true", "clat-dev=clat", "clat-v4-addr=192.0.0.1",
		"clat-v6-addr=shared", "dns64-servers=2001:db8::53",
		"ctmark=0", "plat-dev=", "plat-prefix=",
		"plat-fallback-prefix=64:ff9b::/96",
		"v4-conncheck-enable=Yes", "v4-conncheck-delay=10",
		"v4-defaultroute-enable=TRUE", "v4-defaultroute-replace=off",
		"v4-defaultroute-metric=2048", "v4-defaultroute-mtu=1260",
		"v4-defaultroute-advmss=0",
	};
	struct config c;

	(void)state;
	config_init(&c);
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		if (config_line(&c, used[i], err, sizeof(err)))
			fail_msg("\"%s\": %s", used[i], err);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		char key[32];

		snprintf(key, sizeof(key), "%.*s",
			 (int)strcspn(ignored[i], "="), ignored[i]);
		err[0] = '\0';
		assert_int_equal(config_line(&c, ignored[i], err, sizeof(err)),
				 CONFIG_WARN);
		if (strncmp(err, key, strlen(key)) || !strstr(err, "ignored: "))
			fail_msg("\"%s\": warning \"%s\"", ignored[i], err);
		/* Once per key, from the file or the command line. */
		assert_int_equal(config_line(&c, ignored[i], err, sizeof(err)), 0);
		assert_int_equal(config_set(&c, key, "x", err, sizeof(err)), 0);
	}
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_int_equal(c.quiet, 1);
	assert_int_equal(c.debug, 2);
	assert_int_equal(c.ctmark, 0);
	assert_string_equal(c.plat_dev, "");
	assert_false(c.plat_prefix_set);
	assert_true(c.fallback_prefix_set);
	assert_int_equal(c.v4_defaultroute_mtu, 1260);
	assert_true(c.v4_conncheck_enable);
	assert_false(c.v4_defaultroute_replace);
	assert_string_equal(c.script_up,
			    "echo `date -Ins`: clatd started on $clat_dev");
}

/* Unknown keys: a warning in a file (as clatd), an error on the command
 * line (config_set), both naming the key. */
static void test_unknown_keys(void **state)
{
	struct config c;

	(void)state;
	config_init(&c);
	err[0] = '\0';
	assert_int_equal(config_line(&c, "no-such-key=1", err, sizeof(err)),
			 CONFIG_WARN);
	assert_non_null(strstr(err, "no-such-key: unknown key, ignored"));
	err[0] = '\0';
	assert_int_equal(config_set(&c, "no-such-key", "1", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no-such-key: unknown key"));
	/* Levels, and yes/no as before. */
	assert_int_equal(config_set(&c, "debug", "yes", err, sizeof(err)), 0);
	assert_int_equal(c.debug, 1);
	assert_int_equal(config_set(&c, "quiet", "2", err, sizeof(err)), 0);
	assert_int_equal(c.quiet, 2);
	/* Names the kernel takes: quotes, backslashes, bytes above 0x7f. */
	assert_int_equal(config_set(&c, "clat-dev", "a\"b\\", err,
				    sizeof(err)), 0);
	assert_string_equal(c.clat_dev, "a\"b\\");
	assert_int_equal(config_set(&c, "plat-dev", "wl\xc3\xa4n\xff", err,
				    sizeof(err)), 0);
}

/* The command line wins because it is fed after the file: later wins. */
static void test_later_wins(void **state)
{
	struct config c;

	(void)state;
	config_init(&c);
	assert_int_equal(config_line(&c, "threads=2", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "threads", "3", err, sizeof(err)), 0);
	assert_int_equal(c.threads, 3);
	assert_int_equal(config_set(&c, "clat-v6-addr", "shared", err,
				    sizeof(err)), 0);
	assert_int_equal(c.v6_mode, CONFIG_V6_SHARED);
}

/* Each bad line is refused, and the message names key and value. */
static void test_bad_values(void **state)
{
	static const struct {
		const char *line, *must_contain;
	} bad[] = {
		{ "clat-dev=", "clat-dev=" },
		{ "clat-dev=0123456789abcdef", "clat-dev=0123456789abcdef" },
		{ "clat-dev=a/b", "clat-dev=a/b" },
		{ "clat-dev=..", "clat-dev=.." },
		{ "plat-dev=eth 0", "plat-dev=eth 0" },
		{ "clat-v4-addr=192.0.0", "clat-v4-addr=192.0.0" },
		{ "clat-v4-addr=224.0.0.1", "clat-v4-addr=224.0.0.1" },
		{ "clat-v4-addr=127.0.0.1", "clat-v4-addr=127.0.0.1" },
		{ "clat-v6-addr=fe80::1", "clat-v6-addr=fe80::1" },
		{ "clat-v6-addr=ff02::1", "clat-v6-addr=ff02::1" },
		{ "clat-v6-addr=::", "clat-v6-addr=::" },
		{ "clat-v6-addr=maybe", "clat-v6-addr=maybe" },
		{ "plat-fallback-prefix=2001:db8::/95",
		  "plat-fallback-prefix=2001:db8::/95" },
		{ "dns64-servers=2001:db8::53,resolver",
		  "'resolver' is not an IPv6 or IPv4 address" },
		{ "dns64-servers=::1,::2,::3,::4,::5", "more than 4 servers" },
		{ "v4-conncheck-delay=3601", "v4-conncheck-delay=3601" },
		{ "script-timeout=0", "script-timeout=0" },
		{ "script-timeout=3601", "script-timeout=3601" },
		{ "script-timeout=5s", "script-timeout=5s" },
		{ "v4-conncheck-enable=sometimes",
		  "v4-conncheck-enable=sometimes" },
		{ "plat-prefix=2001:db8::/33", "plat-prefix=2001:db8::/33" },
		{ "plat-prefix=64:ff9b::", "plat-prefix=64:ff9b::" },
		{ "threads=65", "threads=65" },
		{ "threads=-1", "threads=-1" },
		{ "threads=two", "threads=two" },
		{ "queue-num=65408", "queue-num=65408" },
		{ "queue-num=1e3", "queue-num=1e3" },
		{ "queue-length=63", "queue-length=63" },
		{ "queue-length=65537", "queue-length=65537" },
		{ "busy-poll=100001", "busy-poll=100001" },
		{ "busy-poll=-5", "busy-poll=-5" },
		{ "udp-coalesce=maybe", "udp-coalesce=maybe" },
		{ "ingress-fwd=sometimes", "ingress-fwd=sometimes" },
		{ "fwmark=0", "fwmark=0" },
		{ "fwmark=0x100000000", "fwmark=0x100000000" },
		{ "ctmark=0xzz", "ctmark=0xzz" },
		{ "ctmark=-1", "ctmark=-1" },
		{ "debug=3", "debug=3" },
		{ "quiet=lots", "quiet=lots" },
		{ "clat-dev=a\tb", "clat-dev=a\tb" },
		{ "clat-dev=a:b", "clat-dev=a:b" },
		{ "metrics-file=relative.prom", "metrics-file=relative.prom" },
		{ "metrics-file=/var/lib/", "metrics-file=/var/lib/" },
		{ "nft-rules=2", "nft-rules=2" },
		{ "v4-defaultroute-enable=", "v4-defaultroute-enable=" },
		{ "v4-defaultroute-metric=4294967296",
		  "v4-defaultroute-metric=4294967296" },
		{ "v4-defaultroute-mtu=67", "v4-defaultroute-mtu=67" },
		{ "v4-defaultroute-mtu=65516", "v4-defaultroute-mtu=65516" },
		{ "v4-defaultroute-advmss=27", "v4-defaultroute-advmss=27" },
		{ "just words", "just words" },
		{ "=value", "key missing" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;

		config_init(&c);
		err[0] = '\0';
		if (config_line(&c, bad[i].line, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i].line);
		if (!strstr(err, bad[i].must_contain))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
				 bad[i].line, err, bad[i].must_contain);
	}
}

static void test_finish_checks(void **state)
{
	struct config c;

	(void)state;
	config_init(&c);
	assert_int_equal(config_line(&c, "plat-prefix=2001:db8:64::/96", err,
				     sizeof(err)), 0);
	assert_int_equal(config_line(&c, "clat-v6-addr=2001:db8:64::1", err,
				     sizeof(err)), 0);
	assert_int_equal(config_finish(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "clat-v6-addr"));

	config_init(&c);
	assert_int_equal(config_line(&c, "plat-prefix=2001:db8:64::/96", err,
				     sizeof(err)), 0);
	assert_int_equal(config_line(&c, "v4-defaultroute-mtu=1280", err,
				     sizeof(err)), 0);
	assert_int_equal(config_line(&c, "v4-defaultroute-advmss=1250", err,
				     sizeof(err)), 0);
	assert_int_equal(config_finish(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "v4-defaultroute-advmss"));
}

static void test_long_line(void **state)
{
	char line[2048];
	struct config c;

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	config_init(&c);
	assert_int_equal(config_line(&c, line, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_later_wins),
		cmocka_unit_test(test_clatd_conf),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_finish_checks),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
