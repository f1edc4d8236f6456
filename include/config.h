/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Daemon configuration in clatd's vocabulary: key=value lines from a file
 * and from the command line. The parser does no I/O (init, feed lines or
 * pairs, finish), so it is unit-tested and fuzzed directly. Errors name the
 * key and the value. */
#ifndef CLAT_CONFIG_H
#define CLAT_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"
#include "xlat.h"

enum config_v6_mode {
	CONFIG_V6_SHARED,	/* the host's own address toward the PLAT */
	CONFIG_V6_EXPLICIT,	/* clat-v6-addr given */
	CONFIG_V6_DERIVED,	/* one of the uplink's /64, as clatd makes it */
};

#define CONFIG_DNS_MAX 4
#define CONFIG_SCRIPT_MAX 256
#define CONFIG_PATH_MAX 256

struct config {
	char clat_dev[IF_NAMESIZE];
	uint8_t clat_v4[4];
	enum config_v6_mode v6_mode;
	uint8_t clat_v6[16];
	bool plat_prefix_set;
	struct rfc6052_prefix plat_prefix;
	bool fallback_prefix_set;
	struct rfc6052_prefix fallback_prefix;	/* when discovery finds none */
	unsigned ndns;			/* dns64-servers; 0: resolv.conf */
	struct { int family; uint8_t addr[16]; } dns[CONFIG_DNS_MAX];
	char plat_dev[IF_NAMESIZE];	/* empty: from the route to the prefix */
	unsigned threads;		/* 0: one per CPU */
	uint16_t queue_num;		/* first NFQUEUE number */
	uint32_t queue_length;		/* packets waiting per queue */
	uint32_t busy_poll;		/* microseconds a worker keeps looking
					 * for packets before it sleeps; 0 off */
	uint32_t fwmark;		/* on the daemon's own packets */
	uint32_t ctmark;		/* on CLAT flows in conntrack */
	bool v4_defaultroute_enable;
	uint32_t v4_defaultroute_metric;
	uint16_t v4_defaultroute_mtu;	/* 0: uplink IPv6 MTU - 20 */
	uint16_t v4_defaultroute_advmss;	/* 0: MTU - 40 */
	bool v4_defaultroute_replace;	/* take over the native IPv4 default
					 * route; restored at exit */
	bool v4_conncheck_enable;	/* step aside while native IPv4 is there */
	uint32_t v4_conncheck_delay;	/* seconds it must last first */
	char script_up[CONFIG_SCRIPT_MAX];	/* run when translation starts */
	char script_down[CONFIG_SCRIPT_MAX];	/* and when it stops */
	uint32_t script_timeout;	/* seconds a script may run */
	bool router;			/* router-mode: the LAN's IPv4 too */
	bool trace;			/* nftrace on the CLAT's packets */
	bool nft_rules;			/* no: the operator queues packets */
	bool nft_owner;			/* the tables owned by the daemon
					 * where the kernel can (no: watched
					 * and put back, see README) */
	bool gso;			/* IPv6 TCP to offloading queues */
	bool udp_coalesce;		/* UDP runs into the CLAT device joined */
	bool ingress_fwd;		/* IPv6 UDP, ICMPv6 past the queues
					 * (nftrules.h fwd_ifindex) */
	unsigned debug;			/* clatd's levels 0-2 */
	unsigned quiet;			/* 0-2; 2 hides warnings too */
	char metrics_file[CONFIG_PATH_MAX];	/* Prometheus text file,
						 * rewritten atomically */
	uint32_t ignored_warned;	/* clatd keys already warned about */
	/* RFC 7757 explicit address mappings (eam=, repeatable) and the
	 * file of more (eam-file=, read by the daemon, fed to
	 * config_eam_line()). */
	struct xlat_eamt eam;
	char eam_file[CONFIG_PATH_MAX];
	/* SIIT-DC Edge Relay (RFC 7756): clat-v4-addr is the host's IPv4
	 * service address, clat-v6-addr (or an eam= of it, /32 to /128) the
	 * address a Border Relay maps it to; it may then be the RFC 6052
	 * address of clat-v4-addr under plat-prefix. */
	bool edge_relay;
};

#define CONFIG_ERR_MAX 256

void config_init(struct config *c);

/* config_set() and config_line() return 0, CONFIG_WARN with err holding
 * a warning for the log (the value is not used), -EINVAL with err ("key=
 * value: why") for a bad value or line, or (config_set only) -ENOENT for a
 * key nobody knows. */
#define CONFIG_WARN 1

/* Set one key. The keys of clatd 2.x that mean nothing here (TAYGA, ufw,
 * forwarding, proxy-ND, policy routing, the cmd-* paths) are accepted and
 * ignored, with one warning per key. The command line uses this: an
 * unknown key there is an error. */
int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen);

/* One line of a file, as clatd reads its file: blank lines and comments
 * ('#', ';' or '//' first) are skipped, spaces around key and value are
 * ignored, and an unknown key is a warning (CONFIG_WARN), not an error. */
int config_line(struct config *c, const char *line, char *err, size_t errlen);

/* One line of an eam-file: an IPV4-PREFIX,IPV6-PREFIX pair; blank lines
 * and '#' comments are skipped. 0 or -EINVAL with err filled. */
int config_eam_line(struct config *c, const char *line, char *err,
		    size_t errlen);

/* Check what only the whole configuration can tell; 0 or -EINVAL. */
int config_finish(struct config *c, char *err, size_t errlen);

#endif
