/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clatd-style configuration (see clatd(8) and the README's migration
 * table): parsing and validation only, no I/O. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

void config_init(struct config *c)
{
	static const uint8_t clat_v4[4] = { 192, 0, 0, 1 };

	memset(c, 0, sizeof(*c));
	memcpy(c->clat_dev, "clat", sizeof("clat"));
	memcpy(c->clat_v4, clat_v4, 4);
	c->v6_mode = CONFIG_V6_SHARED;
	c->queue_num = 464;
	c->queue_length = 4096;
	c->fwmark = 0xc1a70001;
	c->ctmark = 0xc1a7;		/* clatd's shared-mode mark */
	c->v4_defaultroute_enable = true;
	c->v4_defaultroute_metric = 2048;
	c->v4_conncheck_enable = true;
	c->v4_conncheck_delay = 10;	/* clatd's default */
	c->script_timeout = 30;
	c->nft_rules = true;
	c->nft_owner = true;
	c->gso = true;
	c->udp_coalesce = true;
	c->ingress_fwd = true;
}

static int fail(char *err, size_t errlen, const char *key, const char *value,
		const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *key, const char *value,
		const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 loses va_start here when fail() is reached from a
	 * second static function (parse_servers): a known false positive. */
	vsnprintf(why, sizeof(why), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	if (value)
		snprintf(err, errlen, "%s=%s: %s", key, value, why);
	else
		snprintf(err, errlen, "%s: %s", key, why);
	return -EINVAL;
}

/* clatd 2.x's keys that mean nothing to clat-nfq, and clat-nfq's own
 * retired ones, and why: accepted so that a clatd.conf (or an older
 * clat-nfq.conf) works unchanged, warned about once each. */
static const struct {
	const char *key, *why;
} ignored[] = {
	{ "cmd-ip", "clat-nfq talks rtnetlink itself and runs no ip(8)" },
	{ "cmd-networkctl", "clat-nfq reads PREF64 from router "
	  "advertisements itself, without networkctl(1)" },
	{ "cmd-nft", "clat-nfq installs its rules through libnftnl and runs "
	  "no nft(8)" },
	{ "cmd-tayga", "clat-nfq translates itself: there is no TAYGA" },
	{ "cmd-ufw", "no firewall rules are added: the host firewall sees "
	  "translated packets as the host's own traffic, in both families" },
	{ "fail-open", "IPv4 reaches the workers through the CLAT device, "
	  "not a queue: with no worker reading it is discarded there, as "
	  "fail-open=yes had it (IPv6 never bypassed)" },
	{ "forwarding-enable", "translation happens in the host's own stack: "
	  "no IPv6 forwarding (or accept_ra change) is needed" },
	{ "proxynd-enable", "no proxy neighbour entry is needed: a derived "
	  "address is put on the uplink, an explicit one joined as anycast" },
	{ "route-table", "no policy routing: nftables rules steer the "
	  "CLAT's packets" },
	{ "tayga-conffile", "there is no TAYGA configuration to write" },
	{ "tayga-v4-addr", "there is no TAYGA: the translator's own ICMPv4 "
	  "errors come from 192.0.0.2" },
};

static long ignored_index(const char *key)
{
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (!strcmp(key, ignored[i].key))
			return (long)i;
	return -1;
}

/* True (and the warning in err) the first time an ignored key is seen. */
static bool ignored_key(struct config *c, const char *key, char *err,
			size_t errlen)
{
	long i = ignored_index(key);

	if (i < 0 || (c->ignored_warned & (1u << i)))
		return false;
	c->ignored_warned |= 1u << i;
	snprintf(err, errlen, "%s: ignored: %s", key, ignored[i].why);
	return true;
}

/* The yes/no keys: where each goes in struct config, or -1 for another
 * key. */
static long bool_key(const char *key)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
		{ "v4-defaultroute-enable",
		  offsetof(struct config, v4_defaultroute_enable) },
		{ "v4-defaultroute-replace",
		  offsetof(struct config, v4_defaultroute_replace) },
		{ "v4-conncheck-enable",
		  offsetof(struct config, v4_conncheck_enable) },
		{ "router-mode", offsetof(struct config, router) },
		{ "nft-rules", offsetof(struct config, nft_rules) },
		{ "nft-owner", offsetof(struct config, nft_owner) },
		{ "gso", offsetof(struct config, gso) },
		{ "udp-coalesce", offsetof(struct config, udp_coalesce) },
		{ "ingress-fwd", offsetof(struct config, ingress_fwd) },
		{ "trace", offsetof(struct config, trace) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].name))
			return (long)keys[i].off;
	return -1;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	/* Any case, as clatd (lc) takes them. */
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Unsigned integer in [min, max]; base 0 accepts 0x.. hex (fwmark). */
static int parse_uint(const char *v, int base, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, base);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_ifname(const char *v, char out[IF_NAMESIZE])
{
	size_t n = strlen(v);

	/* The kernel's dev_valid_name(): 1..15 bytes, no '/', ':' or
	 * whitespace, not "." or "..". Anything else it accepts is taken
	 * (bytes above 0x7f, quotes, backslashes): the status output escapes
	 * what it prints. */
	if (n == 0 || n >= IF_NAMESIZE || !strcmp(v, ".") || !strcmp(v, ".."))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (v[i] == '/' || v[i] == ':' || strchr(" \t\n\v\f\r", v[i]))
			return -EINVAL;
	memcpy(out, v, n + 1);
	return 0;
}

/* dns64-servers: addresses separated by commas or spaces (clatd takes a
 * comma-separated list), IPv6 or IPv4. */
static int parse_servers(struct config *c, const char *key, const char *v,
			 char *err, size_t errlen)
{
	const char *s = v;

	c->ndns = 0;
	while (*s) {
		size_t n = strcspn(s, ", \t");
		char a[INET6_ADDRSTRLEN];

		if (n == 0) {
			s++;
			continue;
		}
		if (n >= sizeof(a))
			return fail(err, errlen, key, v, "not an address list");
		memcpy(a, s, n);
		a[n] = '\0';
		if (c->ndns == CONFIG_DNS_MAX)
			return fail(err, errlen, key, v, "more than %d servers",
				    CONFIG_DNS_MAX);
		if (inet_pton(AF_INET6, a, c->dns[c->ndns].addr) == 1)
			c->dns[c->ndns].family = AF_INET6;
		else if (inet_pton(AF_INET, a, c->dns[c->ndns].addr) == 1)
			c->dns[c->ndns].family = AF_INET;
		else
			return fail(err, errlen, key, v,
				    "'%s' is not an IPv6 or IPv4 address", a);
		c->ndns++;
		s += n;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* RFC 7757 explicit address mappings: eam= (repeatable) and eam-file=. */
static int eam_key(struct config *c, const char *key, const char *v,
		   char *err, size_t errlen)
{
	struct xlat_eam e;
	const char *why;

	if (!strcmp(key, "eam-file")) {
		if (!v[0] || strlen(v) >= CONFIG_PATH_MAX)
			return fail(err, errlen, key, v,
				    "not a file name of 1 to %d bytes",
				    CONFIG_PATH_MAX - 1);
		memcpy(c->eam_file, v, strlen(v) + 1);
		return 0;
	}
	if (xlat_eam_parse(v, &e, &why) || xlat_eam_add(&c->eam, &e, &why))
		return fail(err, errlen, key, v, "%s", why);
	return 0;
}

int config_eam_line(struct config *c, const char *line, char *err,
		    size_t errlen)
{
	char buf[256], *s;
	size_t n = strlen(line);

	if (n >= sizeof(buf))
		return fail(err, errlen, "eam", NULL, "line longer than %zu "
			    "bytes", sizeof(buf) - 1);
	memcpy(buf, line, n + 1);
	s = trim(buf);
	if (*s == '\0' || *s == '#')
		return 0;
	return eam_key(c, "eam", s, err, errlen);
}

int config_set(struct config *c, const char *key, const char *v, char *err,
	       size_t errlen)
{
	unsigned long n;
	long off;

	if (!strcmp(key, "eam") || !strcmp(key, "eam-file"))
		return eam_key(c, key, v, err, errlen);
	if (!strcmp(key, "edge-relay")) {
		if (parse_bool(v, &c->edge_relay))
			return fail(err, errlen, key, v,
				    "not yes/no, true/false, on/off or 1/0");
		return 0;
	}
	if (ignored_index(key) >= 0) {
		return ignored_key(c, key, err, errlen) ? CONFIG_WARN : 0;
	} else if (!strcmp(key, "plat-dev") && !v[0]) {
		c->plat_dev[0] = '\0';	/* clatd: empty is "find it" */
	} else if (!strcmp(key, "clat-dev") || !strcmp(key, "plat-dev")) {
		char *dst = key[0] == 'c' ? c->clat_dev : c->plat_dev;

		if (parse_ifname(v, dst))
			return fail(err, errlen, key, v,
				    "not a valid interface name");
	} else if (!strcmp(key, "clat-v4-addr")) {
		uint8_t a[4];

		if (inet_pton(AF_INET, v, a) != 1)
			return fail(err, errlen, key, v,
				    "not an IPv4 address");
		if (a[0] == 0 || a[0] == 127 || a[0] >= 224)
			return fail(err, errlen, key, v,
				    "not a unicast host address");
		memcpy(c->clat_v4, a, 4);
	} else if (!strcmp(key, "clat-v6-addr")) {
		uint8_t a[16];
		static const uint8_t zero[16];

		if (!strcmp(v, "shared")) {
			c->v6_mode = CONFIG_V6_SHARED;
			return 0;
		}
		if (!strcmp(v, "derived")) {
			c->v6_mode = CONFIG_V6_DERIVED;
			return 0;
		}
		if (inet_pton(AF_INET6, v, a) != 1)
			return fail(err, errlen, key, v,
				    "neither 'shared', 'derived' nor an IPv6 "
				    "address");
		if (!memcmp(a, zero, 16) || a[0] == 0xff ||
		    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
			return fail(err, errlen, key, v,
				    "not a global unicast address");
		memcpy(c->clat_v6, a, 16);
		c->v6_mode = CONFIG_V6_EXPLICIT;
	} else if (!strcmp(key, "plat-prefix") ||
		   !strcmp(key, "plat-fallback-prefix")) {
		bool fb = key[5] == 'f';
		struct rfc6052_prefix *p = fb ? &c->fallback_prefix :
						&c->plat_prefix;

		/* clatd leaves plat-prefix empty for "discover it". */
		if (!v[0]) {
			*(fb ? &c->fallback_prefix_set : &c->plat_prefix_set) =
				false;
			return 0;
		}
		if (rfc6052_prefix_parse(v, p))
			return fail(err, errlen, key, v,
				    "not an RFC 6052 prefix (/32, /40, /48, "
				    "/56, /64 or /96 with host bits and bits "
				    "64-71 zero)");
		*(fb ? &c->fallback_prefix_set : &c->plat_prefix_set) = true;
	} else if (!strcmp(key, "dns64-servers")) {
		return parse_servers(c, key, v, err, errlen);
	} else if (!strcmp(key, "script-up") || !strcmp(key, "script-down")) {
		char *dst = key[7] == 'u' ? c->script_up : c->script_down;

		if (strlen(v) >= CONFIG_SCRIPT_MAX)
			return fail(err, errlen, key, v, "longer than %d bytes",
				    CONFIG_SCRIPT_MAX - 1);
		memcpy(dst, v, strlen(v) + 1);
	} else if (!strcmp(key, "script-timeout")) {
		if (parse_uint(v, 10, 1, 3600, &n))
			return fail(err, errlen, key, v,
				    "not a number of seconds from 1 to 3600");
		c->script_timeout = (uint32_t)n;
	} else if (!strcmp(key, "v4-conncheck-delay")) {
		if (parse_uint(v, 10, 0, 3600, &n))
			return fail(err, errlen, key, v,
				    "not a number of seconds from 0 to 3600");
		c->v4_conncheck_delay = (uint32_t)n;
	} else if (!strcmp(key, "threads")) {
		if (parse_uint(v, 10, 0, 64, &n))
			return fail(err, errlen, key, v,
				    "not a number from 0 (one per CPU) to 64");
		c->threads = (unsigned)n;
	} else if (!strcmp(key, "queue-num")) {
		/* Room for two ranges of up to 64 queues above it. */
		if (parse_uint(v, 10, 0, 65535 - 128, &n))
			return fail(err, errlen, key, v,
				    "not a queue number from 0 to 65407");
		c->queue_num = (uint16_t)n;
	} else if (!strcmp(key, "queue-length")) {
		if (parse_uint(v, 10, 64, 65536, &n))
			return fail(err, errlen, key, v,
				    "not a number of packets from 64 to 65536");
		c->queue_length = (uint32_t)n;
	} else if (!strcmp(key, "busy-poll")) {
		if (parse_uint(v, 10, 0, 100000, &n))
			return fail(err, errlen, key, v,
				    "not a number of microseconds from 0 (off) to 100000");
		c->busy_poll = (uint32_t)n;
	} else if (!strcmp(key, "fwmark")) {
		if (parse_uint(v, 0, 1, 0xffffffffUL, &n))
			return fail(err, errlen, key, v,
				    "not a non-zero 32-bit mark (decimal or 0x hex)");
		c->fwmark = (uint32_t)n;
	} else if (!strcmp(key, "ctmark")) {
		/* 0, as in clatd: no conntrack mark, so in shared mode every
		 * IPv6 packet from the prefix to the host's address is the
		 * CLAT's (the host's own IPv6 flows to the prefix break, as
		 * clatd's LIMITATIONS say). */
		if (parse_uint(v, 0, 0, 0xffffffffUL, &n))
			return fail(err, errlen, key, v,
				    "not a 32-bit mark, 0 for none (decimal or "
				    "0x hex)");
		c->ctmark = (uint32_t)n;
	} else if (!strcmp(key, "debug") || !strcmp(key, "quiet")) {
		unsigned *dst = key[0] == 'd' ? &c->debug : &c->quiet;
		bool b;

		/* clatd's levels 0-2; yes/no as 1/0, as earlier versions of
		 * clat-nfq took them. */
		if (!parse_uint(v, 10, 0, 2, &n))
			*dst = (unsigned)n;
		else if (!parse_bool(v, &b))
			*dst = b;
		else
			return fail(err, errlen, key, v,
				    "not a level 0, 1 or 2 (or yes/no)");
	} else if (!strcmp(key, "metrics-file")) {
		if (v[0] && (v[0] != '/' || strlen(v) >= CONFIG_PATH_MAX - 8 ||
			     v[strlen(v) - 1] == '/'))
			return fail(err, errlen, key, v,
				    "not an absolute file path shorter than %d "
				    "bytes", CONFIG_PATH_MAX - 8);
		memcpy(c->metrics_file, v, strlen(v) + 1);

	} else if ((off = bool_key(key)) >= 0) {
		if (parse_bool(v, (bool *)((char *)c + off)))
			return fail(err, errlen, key, v,
				    "not yes/no, true/false, on/off or 1/0");
	} else if (!strcmp(key, "v4-defaultroute-metric")) {
		if (parse_uint(v, 10, 0, 0xffffffffUL, &n))
			return fail(err, errlen, key, v,
				    "not a route metric (0 to 4294967295)");
		c->v4_defaultroute_metric = (uint32_t)n;
	} else if (!strcmp(key, "v4-defaultroute-mtu")) {
		/* 0 follows the uplink; otherwise IPv4's minimum 68 (RFC
		 * 791) up to what 1500 bytes of IPv6 carry. */
		if (parse_uint(v, 10, 0, 65515, &n) || (n && n < 68))
			return fail(err, errlen, key, v,
				    "not 0 (derive from the uplink) or an MTU "
				    "from 68 to 65515");
		c->v4_defaultroute_mtu = (uint16_t)n;
	} else if (!strcmp(key, "v4-defaultroute-advmss")) {
		if (parse_uint(v, 10, 0, 65475, &n) || (n && n < 28))
			return fail(err, errlen, key, v,
				    "not 0 (MTU - 40) or an MSS from 28 to 65475");
		c->v4_defaultroute_advmss = (uint16_t)n;
	} else {
		fail(err, errlen, key, NULL, "unknown key");
		return -ENOENT;
	}
	return 0;
}

int config_line(struct config *c, const char *line, char *err, size_t errlen)
{
	char buf[1024], *key, *eq;
	size_t n = strlen(line);
	int rc;

	if (n >= sizeof(buf))
		return fail(err, errlen, "line", NULL, "longer than %zu bytes",
			    sizeof(buf) - 1);
	memcpy(buf, line, n + 1);
	key = trim(buf);
	if (*key == '\0' || *key == '#' || *key == ';' ||
	    !strncmp(key, "//", 2))
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return fail(err, errlen, key, NULL, "expected key=value");
	*eq = '\0';
	key = trim(key);
	if (*key == '\0')
		return fail(err, errlen, "line", NULL, "key missing before '='");
	rc = config_set(c, key, trim(eq + 1), err, errlen);
	if (rc == -ENOENT) {
		/* clatd ignores unknown keys in its file with a warning. */
		snprintf(err, errlen, "%s: unknown key, ignored", key);
		return CONFIG_WARN;
	}
	return rc;
}

/* RFC 7756 Edge Relay: the service address's IPv6 partner from
 * clat-v6-addr or from a host mapping of clat-v4-addr (taken out of the
 * remote table: it names this host); a Border Relay's translation prefix
 * must be configured, not discovered; and clat-v6-addr may lie under it
 * only as the RFC 6052 address of clat-v4-addr (how a Border Relay that
 * has no explicit mapping for the service reaches it). */
static int edge_finish(struct config *c, char *err, size_t errlen)
{
	uint8_t v4[4];

	if (!c->edge_relay)
		return 0;
	if (c->v6_mode != CONFIG_V6_EXPLICIT) {
		for (unsigned i = 0; i < c->eam.n; i++) {
			struct xlat_eam *e = &c->eam.e[i];

			if (e->len4 != 32 || memcmp(e->v4, c->clat_v4, 4) != 0)
				continue;
			memcpy(c->clat_v6, e->v6, 16);
			c->v6_mode = CONFIG_V6_EXPLICIT;
			c->eam.e[i] = c->eam.e[--c->eam.n];
			break;
		}
	}
	if (c->v6_mode != CONFIG_V6_EXPLICIT)
		return fail(err, errlen, "edge-relay", "yes",
			    "needs clat-v6-addr=ADDRESS (what the Border Relay "
			    "maps clat-v4-addr to) or eam=CLAT-V4-ADDR/32,"
			    "ADDRESS/128");
	if (!c->plat_prefix_set)
		return fail(err, errlen, "edge-relay", "yes",
			    "needs plat-prefix= (the Border Relay's "
			    "translation prefix)");
	if (rfc6052_extract(&c->plat_prefix, c->clat_v6, v4) == 0 &&
	    memcmp(v4, c->clat_v4, 4) != 0)
		return fail(err, errlen, "clat-v6-addr", NULL,
			    "lies under plat-prefix without embedding "
			    "clat-v4-addr (edge-relay=yes)");
	return 0;
}

int config_finish(struct config *c, char *err, size_t errlen)
{
	if (edge_finish(c, err, errlen))
		return -EINVAL;
	if (c->v6_mode == CONFIG_V6_EXPLICIT && c->plat_prefix_set &&
	    !c->edge_relay) {
		uint8_t v4[4];

		if (rfc6052_extract(&c->plat_prefix, c->clat_v6, v4) == 0)
			return fail(err, errlen, "clat-v6-addr", NULL,
				    "lies under plat-prefix");
	}
	if (c->v4_defaultroute_advmss && c->v4_defaultroute_mtu &&
	    c->v4_defaultroute_advmss > c->v4_defaultroute_mtu - 40)
		return fail(err, errlen, "v4-defaultroute-advmss", NULL,
			    "larger than v4-defaultroute-mtu - 40");
	return 0;
}
