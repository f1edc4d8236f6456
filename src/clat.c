/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT's host state (see clat.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clat.h"
#include "log.h"
#include "privs.h"
#include "routefile.h"
#include "rtnl.h"
#include "rundir.h"
#include "scripts.h"
#include "tundev.h"

/* How long a crashed run's rules may wait for this run's first prefix. */
#define LEFTOVER_GRACE_MS 5000

/* The CLAT device carries this alias: only a device that does is ever
 * removed, so an interface of the same name that someone else made (a
 * clatd's TAYGA device, say) is left alone. */
#define DEV_ALIAS "clat-nfq"

/* A sysctl as a number; -1 when it cannot be read. */
static int sysctl_int(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool dev_is_ours(const char *name)
{
	char alias[64];

	return rtnl_link_alias_get(name, alias, sizeof(alias)) == 0 &&
	       !strcmp(alias, DEV_ALIAS);
}

/* The CLAT's IPv4 interface: a tun device, also where the kernel has the
 * dummy driver, because the workers write the translations for the host
 * into it (tundev.h): they arrive as received on it. Its ifindex (the
 * descriptor in *fd) or -errno. */
static int dev_create(const char *name, const struct config *c,
		      const char **kind, int *fd)
{
	int idx, e;

	*kind = "tun";
	if (if_nametoindex(name))	/* someone else's: teardown keeps it */
		return -EEXIST;
	*fd = tundev_create(name, c->gso, &idx);
	if (*fd < 0)
		return *fd;
	/* Unmarked, a later run would take it for someone else's. */
	e = rtnl_link_alias(idx, DEV_ALIAS);
	if (!e)
		e = rtnl_link_rp_loose(idx);
	if (!e)
		e = tundev_up(name, c->queue_length);
	if (e) {
		close(*fd);
		*fd = -1;
		if (rtnl_link_del(name))
			tundev_remove(name);
		return e;
	}
	return idx;
}

/* The interface holding addr (the source the route picked); name is left
 * empty when none does. */
static void uplink_of(const uint8_t addr[16], char name[IF_NAMESIZE])
{
	struct ifaddrs *ifa, *i;

	name[0] = '\0';
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 &&
		    !memcmp(((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr,
			    addr, 16)) {
			snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
			break;
		}
	freeifaddrs(ifa);
}

/* Source address, path MTU and uplink toward prefix p, as the kernel's
 * routing picks them now (connect() on a UDP socket sends nothing); bound
 * to plat-dev when that is given. */
static int route_to_prefix(const struct config *c,
			   const struct rfc6052_prefix *p, uint8_t src[16],
			   uint32_t *mtu, char uplink[IF_NAMESIZE])
{
	static const uint8_t probe4[4] = { 192, 0, 0, 170 };	/* RFC 7050 */
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0, m;
	socklen_t ml = sizeof(m);

	if (fd < 0)
		return -errno;
	rfc6052_embed(p, probe4, a.sin6_addr.s6_addr);
	if ((c->plat_dev[0] &&
	     setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->plat_dev,
			(socklen_t)strlen(c->plat_dev)) < 0) ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &m, &ml) < 0) {
		err = -errno;
	} else {
		memcpy(src, a.sin6_addr.s6_addr, 16);
		*mtu = (uint32_t)m;
	}
	close(fd);
	if (err)
		return err;
	if (c->plat_dev[0])
		snprintf(uplink, IF_NAMESIZE, "%s", c->plat_dev);
	else
		uplink_of(src, uplink);
	return uplink[0] ? 0 : -ENODEV;
}

/* Explicit-address mode: make the CLAT IPv6 address answer neighbour
 * discovery on the uplink without the host ever choosing it as a source:
 * an anycast join. The returned socket holds the membership. */
static int join_anycast(const uint8_t a[16], int ifindex)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)ifindex };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memcpy(&mr.ipv6mr_multiaddr, a, 16);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_ANYCAST, &mr, sizeof(mr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int clat_print_rules(const struct config *c, unsigned nworkers, FILE *f)
{
	const struct rfc6052_prefix *pfx = c->plat_prefix_set ?
		&c->plat_prefix : c->fallback_prefix_set ?
		&c->fallback_prefix : NULL;
	struct nftrules_spec rs;
	char uplink[IF_NAMESIZE], buf[64];
	uint8_t src[16] = { 0 };
	uint32_t mtu;
	int e;

	if (!pfx) {
		log_warnx("plat-prefix: -p needs a prefix (plat-prefix or "
			  "plat-fallback-prefix)");
		return -EINVAL;
	}
	e = route_to_prefix(c, pfx, src, &mtu, uplink);
	if (e && c->v6_mode != CONFIG_V6_EXPLICIT) {
		log_warn(e, "no IPv6 route toward %s",
			 rfc6052_prefix_format(pfx, buf, sizeof(buf)));
		return e;
	}
	if (c->v6_mode == CONFIG_V6_EXPLICIT) {
		memcpy(src, c->clat_v6, 16);
	} else if (c->v6_mode == CONFIG_V6_DERIVED) {
		if (src[11] != 0xff || src[12] != 0xfe) {
			log_warnx("clat-v6-addr=derived: the address is drawn "
				  "at run time here (no EUI-64 source "
				  "address); see clat-nfq status");
			return -EINVAL;
		}
		src[11] = 0xc1;
		src[12] = 0xa7;
	}
	clat_make_spec(c, nworkers, pfx, src, &rs);
	/* The fast path as it would hook the uplink the route takes now
	 * (the device's index does not show in nft's syntax). */
	if (c->ingress_fwd && !e) {
		rs.fwd_ifindex = 1;
		snprintf(rs.uplink, sizeof(rs.uplink), "%s", uplink);
	}
	/* What an operator puts in their own ruleset: the syntax of the
	 * native queue expression, which nft also shows for the compat
	 * target. */
	rs.native_queue = true;
	nftrules_print(&rs, f);
	return 0;
}

/* v4-defaultroute-replace: native IPv4 default routes are taken out while
 * the CLAT runs and put back afterwards. Their messages are kept in a file
 * as well (routefile.h), with this namespace's cookie, so that a run after
 * a crash puts them back, only in this namespace and only as IPv4 default
 * routes. Without a cookie (Linux before 5.14) no file is written: a
 * namespace's inode number is reused at once, so nothing else says whose
 * a file is; the routes then come back at a normal exit only. */
static void save_routes(const struct clat *k)
{
	uint8_t buf[ROUTEFILE_SIZE];
	const uint8_t *msg[CLAT_SAVED_ROUTES];
	size_t len;
	uint64_t cookie;
	int e;

	if (k->run_fd < 0 || !k->saved_name[0] || netns_cookie(&cookie))
		return;
	for (unsigned i = 0; i < k->nsaved; i++)
		msg[i] = k->saved[i];
	len = routefile_build(buf, sizeof(buf), cookie, msg, k->saved_len,
			      k->nsaved);
	e = len ? rundir_write(k->run_fd, k->saved_name, buf, len) : -EINVAL;
	if (e)
		log_warn(e, "saving the native IPv4 default routes in %s/%s",
			 RUNDIR, k->saved_name);
}

static void restore_routes_file(int run_fd, const char *name)
{
	uint8_t buf[ROUTEFILE_SIZE + 1];
	const uint8_t *msg[ROUTEFILE_MAX];
	size_t mlen[ROUTEFILE_MAX];
	uint64_t cookie = 0;
	ssize_t len;
	int fd = rundir_openat(run_fd, name, O_RDONLY), n;

	if (fd == -ENOENT)
		return;
	if (fd < 0) {
		log_warn(fd, "%s/%s: not read", RUNDIR, name);
		unlinkat(run_fd, name, 0);
		return;
	}
	len = read(fd, buf, sizeof(buf));
	close(fd);
	netns_cookie(&cookie);
	n = len < 0 || (size_t)len > ROUTEFILE_SIZE ? -EINVAL :
	    routefile_parse(buf, (size_t)len, cookie, msg, mlen, ROUTEFILE_MAX);
	if (n == -ESTALE)
		log_warnx("%s/%s: saved routes of another network namespace "
			  "(gone; its inode number now names this one): not "
			  "put back", RUNDIR, name);
	else if (n < 0)
		log_warnx("%s/%s: not a saved IPv4 default route: ignored",
			  RUNDIR, name);
	for (int i = 0; i < n; i++) {
		int e = rtnl_route_replay(msg[i], mlen[i], true);

		if (e && e != -EEXIST)
			log_warn(e, "putting back a native IPv4 default route");
		else
			log_info("put back the native IPv4 default route a "
				 "previous run had replaced");
	}
	unlinkat(run_fd, name, 0);
}

static void take_native_routes(struct clat *k)
{
	while (k->nsaved < CLAT_SAVED_ROUTES) {
		size_t len = sizeof(k->saved[0]);
		int r = rtnl_native_default4(k->clat_ifindex,
					     k->saved[k->nsaved], &len);

		if (r <= 0 || !len)
			return;
		k->saved_len[k->nsaved++] = len;
		save_routes(k);
		r = rtnl_route_replay(k->saved[k->nsaved - 1], len, false);
		if (r) {
			log_warn(r, "v4-defaultroute-replace: removing the "
				 "native IPv4 default route");
			k->nsaved--;
			save_routes(k);
			return;
		}
		log_info("v4-defaultroute-replace: the native IPv4 default "
			 "route is out while the CLAT runs");
	}
}

static void give_back_routes(struct clat *k)
{
	for (unsigned i = 0; i < k->nsaved; i++) {
		int e = rtnl_route_replay(k->saved[i], k->saved_len[i], true);

		if (e && e != -EEXIST)
			log_warn(e, "putting back a native IPv4 default route");
	}
	if (k->nsaved)
		log_info("native IPv4 default route put back");
	k->nsaved = 0;
	if (k->run_fd >= 0 && k->saved_name[0])
		unlinkat(k->run_fd, k->saved_name, 0);
}

/* script-up / script-down: run by /bin/sh with the configuration in the
 * environment, as clatd does (clat_dev, clat_v4_addr, clat_v6_addr,
 * plat_prefix, plat_dev), and the two network capabilities; in the
 * background, with a timeout (scripts.h). */
static void run_script(struct clat *k, const char *script, const char *what)
{
	char vars[6][128];
	char *v[6];

	if (!script[0])
		return;
	snprintf(vars[0], sizeof(vars[0]), "clat_dev=%s", k->si.clat_dev);
	snprintf(vars[1], sizeof(vars[1]), "clat_v4_addr=%s", k->si.clat4);
	snprintf(vars[2], sizeof(vars[2]), "clat_v6_addr=%s", k->si.clat6);
	snprintf(vars[3], sizeof(vars[3]), "plat_prefix=%s", k->si.plat_prefix);
	snprintf(vars[4], sizeof(vars[4]), "plat_dev=%s", k->si.plat_dev);
	snprintf(vars[5], sizeof(vars[5]), "clat_event=%s", what);
	for (size_t i = 0; i < 6; i++)
		v[i] = vars[i];
	scripts_start(&k->scripts, script, what, v, 6, discover_now());
}

/* The status fields that come from the configuration (at start and at
 * each reload). */
static void status_from_config(struct clat *k, const struct config *c)
{
	snprintf(k->si.clat_dev, sizeof(k->si.clat_dev), "%s", c->clat_dev);
	k->si.clat_dev_kind = k->dev_kind;
	inet_ntop(AF_INET, c->clat_v4, k->si.clat4, sizeof(k->si.clat4));
	k->si.v6_mode = c->v6_mode == CONFIG_V6_SHARED ? "shared" :
			c->v6_mode == CONFIG_V6_DERIVED ? "derived" :
			"explicit";
	k->si.queue_num = c->queue_num;
	k->si.gso_queue_num = k->gso_queue_num;
}

void clat_cleanup(const struct config *c, int run_fd, const char *saved_name,
		  bool keep_rules)
{
	int ifindex = (int)if_nametoindex(c->clat_dev);
	struct nftrules n;

	/* Ownerless tables (a crashed run's, persistent or not) go. */
	if (!keep_rules && nftrules_open(&n, 0) == 0) {
		nftrules_remove(&n);
		nftrules_close(&n);
	}
	if (ifindex > 0 && dev_is_ours(c->clat_dev)) {
		rtnl_default4(false, ifindex, c->clat_v4,
			      c->v4_defaultroute_metric, 0, 0);
		rtnl_addr4(false, ifindex, c->clat_v4);
		if (rtnl_link_del(c->clat_dev))
			tundev_remove(c->clat_dev);
	}
	rtnl_addr6_remove_ours();
	if (run_fd >= 0 && saved_name && saved_name[0])
		restore_routes_file(run_fd, saved_name);
}

int clat_start(struct clat *k, const struct config *c, unsigned nworkers)
{
	int e;

	k->route_metric = c->v4_defaultroute_metric;
	memcpy(k->route_src, c->clat_v4, 4);
	k->c = c;
	k->nworkers = nworkers;
	k->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + nworkers) : 0;
	k->anycast_fd = -1;
	scripts_init(&k->scripts, c->script_timeout);
	k->dev_fd = -1;
	k->box.dev_fd = -1;
	k->first = true;
	pthread_mutex_init(&k->box.lock, NULL);
	if (rundir_name(k->saved_name, sizeof(k->saved_name), "route4"))
		k->saved_name[0] = '\0';
	xlat_cfg_init(&k->xc);
	memcpy(k->xc.clat4, c->clat_v4, 4);
	k->xc.eam = c->eam;			/* RFC 7757 */
	k->si.eam = &c->eam;

	/* A crashed run may have left its pieces: remove them first, but
	 * its rules only when this run installs none. Otherwise they stay
	 * until the first reconcile replaces them in one transaction: taken
	 * out before the new workers listen, they would hand the CLAT's
	 * IPv6 packets to the host's own TCP, which resets the connections
	 * that were meant to survive the restart. While no prefix is known
	 * they stay for a grace period, then go. */
	clat_cleanup(c, k->run_fd, k->saved_name, c->nft_rules);
	if (c->nft_rules) {
		k->rules_on = true;	/* maybe: replaced or removed later */
		k->leftover_until = discover_now() + LEFTOVER_GRACE_MS;
	}
	k->clat_ifindex = dev_create(c->clat_dev, c, &k->dev_kind, &k->dev_fd);
	if (k->clat_ifindex == -EEXIST) {
		log_warnx("clat-dev=%s: an interface of that name exists and "
			  "is not clat-nfq's", c->clat_dev);
		return -EEXIST;
	} else if (k->clat_ifindex < 0) {
		log_warn(k->clat_ifindex, "creating %s", c->clat_dev);
		return k->clat_ifindex;
	}
	e = rtnl_addr4(true, k->clat_ifindex, c->clat_v4);
	if (e) {
		log_warn(e, "adding the CLAT address");
		return e;
	}
	e = discover_open(&k->disc, c);
	if (e) {
		log_warn(e, "listening for router advertisements");
		return e;
	}
	if (c->nft_rules) {
		k->native_queue = nftrules_have_native_queue();
		e = nftrules_open(&k->nft, c->nft_owner ?
				  NFTRULES_OWNER | NFTRULES_PERSIST : 0);
		if (e) {
			log_warn(e, "opening nftables");
			return e;
		}
	}
	/* What this kernel offers, said once: the two paths differ. */
	log_info("%s is a %s device; %s", c->clat_dev, k->dev_kind,
		 !c->nft_rules ? "no rules (nft-rules=no)" :
		 k->native_queue ? "rules queue with the nft queue expression" :
		 "rules queue with the xtables NFQUEUE target (no nft queue "
		 "expression in this kernel)");
	if (c->router) {
		/* Sysctls are the operator's: said, not changed. */
		if (sysctl_int("/proc/sys/net/ipv4/ip_forward") == 0)
			log_warnx("router-mode=yes: net.ipv4.ip_forward is 0, "
				  "so nothing from the LAN reaches the CLAT "
				  "until it is set");
	}

	status_from_config(k, c);
	k->si.queue_kind = "none";
	k->si.delivery = "raw";
	k->si.v6_how = "";
	k->si.table_owner = "none";
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		k->si.started = ts.tv_sec;
	}
	return 0;
}

/* A repair: counted, and logged the first time for each kind (after
 * that, status shows the count and the last one). */
static void repaired(struct clat *k, enum status_repair kind,
		     const char *what)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	k->si.repairs[kind]++;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(k->si.last_repair, sizeof(k->si.last_repair), "%s at %s",
		 what, when);
	if (k->repaired_kinds & (1u << kind)) {
		log_debug("%s (repair %llu)", what,
			  (unsigned long long)k->si.repairs[kind]);
		return;
	}
	k->repaired_kinds |= 1u << kind;
	log_info("%s; further repairs of this kind are counted in "
		 "clat-nfq status", what);
}

/* Whether ifindex carries the IPv4 address a. */
static bool addr4_present(const char *dev, const uint8_t a[4])
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return true;	/* no news: no repair */
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			!strcmp(i->ifa_name, dev) &&
			!memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				a, 4);
	freeifaddrs(ifa);
	return found;
}

/* Whether the kernel still has the anycast membership of a on ifindex
 * (/proc/net/anycast6: ifindex, name, address in hex, users). */
static bool anycast_present(int ifindex, const uint8_t a[16])
{
	FILE *f = fopen("/proc/net/anycast6", "re");
	char line[160], hex[33], want[33];
	int idx;
	bool found = false;

	if (!f)
		return true;	/* no news: no repair */
	for (int i = 0; i < 16; i++)
		snprintf(want + 2 * i, 3, "%02x", a[i]);
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%d %*s %32s", &idx, hex) == 2 &&
			idx == ifindex && !strcmp(hex, want);
	fclose(f);
	return found;
}

/* A new CLAT device's descriptor: the workers take it from the box; the
 * old one stays open until it is no longer in the box they copy from. */
static void replace_dev_fd(struct clat *k, int fd)
{
	worker_cfg_publish(&k->box, &k->xc, fd, k->c->clat_dev);
	if (k->dev_fd >= 0)
		close(k->dev_fd);
	k->dev_fd = fd;
}

/* The CLAT device and its IPv4 address: someone deleted them, or the
 * device went: make them again. */
static void check_device(struct clat *k)
{
	const struct config *c = k->c;
	int idx = (int)if_nametoindex(c->clat_dev), e, fd;

	if (idx != k->clat_ifindex) {
		if (idx > 0 && !dev_is_ours(c->clat_dev)) {
			k->clat_ifindex = -EEXIST;
			return;	/* someone else's now: leave it */
		}
		idx = dev_create(c->clat_dev, c, &k->dev_kind, &fd);
		if (idx < 0) {
			if (k->clat_ifindex != idx)
				log_warn(idx, "creating %s again",
					 c->clat_dev);
			k->clat_ifindex = idx;
			return;
		}
		replace_dev_fd(k, fd);
		k->si.clat_dev_kind = k->dev_kind;
		repaired(k, STATUS_REPAIR_device, "the CLAT device was "
			 "removed by someone else: made again");
		k->clat_ifindex = idx;
		k->route_on = false;
		rtnl_addr4(true, idx, c->clat_v4);
		return;
	}
	if (!addr4_present(c->clat_dev, c->clat_v4)) {
		e = rtnl_addr4(true, idx, c->clat_v4);
		if (e)
			log_warn(e, "putting back the CLAT address");
		else
			repaired(k, STATUS_REPAIR_address, "the CLAT IPv4 "
				 "address was removed by someone else: put back");
		k->route_on = false;	/* it went with the address */
	}
}

/* Derived mode (clatd's): the uplink's SLAAC address with ff:fe in the
 * middle of its interface identifier replaced by c1:a7, else (or after a
 * duplicate) a random identifier in its /64. The address is added to the
 * uplink deprecated and without a prefix route, so the kernel runs
 * duplicate address detection (RFC 4862 5.4) and defends it, and the host
 * never picks it as a source. NULL when out is ready, else why not. */
static const char *derived_step(struct clat *k, int ifindex,
				const uint8_t src[16], uint8_t out[16])
{
	char a[INET6_ADDRSTRLEN];
	int st, e;

	if (k->der_added &&
	    (k->der_ifindex != ifindex || memcmp(k->der_addr, src, 8) != 0)) {
		/* Another uplink or /64: the old address goes. */
		rtnl_addr6(false, k->der_ifindex, k->der_addr, 128);
		k->der_added = k->der_random = false;
		k->der_tries = 0;
	}
	if (!k->der_added) {
		if (k->der_tries >= 5)
			return "derived address: 5 candidates were duplicates";
		if (k->der_readd) {
			/* removed by someone: the same one goes back */
			k->der_readd = false;
		} else {
			memcpy(k->der_addr, src, 16);
			if (!k->der_random && src[11] == 0xff &&
			    src[12] == 0xfe) {
				k->der_addr[11] = 0xc1;
				k->der_addr[12] = 0xa7;
			} else if (getrandom(k->der_addr + 8, 8, 0) != 8) {
				return "derived address: no random numbers";
			}
		}
		k->der_ifindex = ifindex;
		e = rtnl_addr6(true, ifindex, k->der_addr, 128);
		inet_ntop(AF_INET6, k->der_addr, a, sizeof(a));
		if (e == -EEXIST) {
			/* The host has it already: a duplicate too. */
			log_info("derived address %s is in use on this host",
				 a);
			k->der_random = true;
			k->der_tries++;
			k->again = true;
			return "derived address in use, trying another";
		}
		if (e) {
			log_warn(e, "adding derived address %s", a);
			return "derived address could not be added";
		}
		k->der_added = true;
		log_info("derived address %s added, duplicate address "
			 "detection running", a);
	}
	st = rtnl_addr6_state(ifindex, k->der_addr);
	inet_ntop(AF_INET6, k->der_addr, a, sizeof(a));
	switch (st) {
	case RTNL_ADDR_OK:
		memcpy(out, k->der_addr, 16);
		return NULL;
	case RTNL_ADDR_TENTATIVE:
		return "waiting for duplicate address detection";
	case RTNL_ADDR_ABSENT:
		/* removed by someone: the same one goes back at once */
		repaired(k, STATUS_REPAIR_derived_address, "the derived "
			 "address was removed by someone else: put back");
		k->der_added = false;
		k->der_readd = true;
		k->again = true;
		return "derived address removed, putting it back";
	case RTNL_ADDR_DADFAILED:
		log_warnx("derived address %s is a duplicate on the link: "
			  "trying a random one", a);
		rtnl_addr6(false, ifindex, k->der_addr, 128);
		break;
	default:	/* the dump failed: look again (clat_next polls) */
		return "checking the derived address";
	}
	k->der_added = false;
	k->der_random = true;
	k->der_tries++;
	k->again = true;
	return "derived address lost, trying another";
}

void clat_status_refresh(struct clat *k, uint64_t now)
{
	struct rfc6052_prefix pfx;
	const char *source;

	bool have = discover_pick(&k->disc, &pfx, &source);
	k->si.prefix_lifetime = -1;	/* no lifetime but an RA's */

	k->si.ra_accepted = k->disc.ra_count;
	k->si.ra_ignored = k->disc.ra_ignored;

	if (have && !strcmp(source, "DNS64 (ipv4only.arpa)"))
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s from %s", source, k->disc.dns_from);
	else if (have && k->disc.ra_have && !k->c->plat_prefix_set) {
		char ifn[IF_NAMESIZE] = "?";

		if_indextoname(k->disc.ra_ifindex, ifn);
		k->si.prefix_lifetime = k->disc.ra_expires > now ?
			(long long)((k->disc.ra_expires - now) / 1000) : 0;
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s on %s, %lld s left", source, ifn,
			 k->si.prefix_lifetime);
	} else {
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s", source);
	}
}

static void set_state(struct clat *k, const char *state)
{
	/* Said once, when it changes (compared whole: a long reason and
	 * its fix must not look new every time). */
	snprintf(k->si.state, sizeof(k->si.state), "%s", state);
	if (strcmp(k->last_state, state) != 0) {
		log_info("%s", state);
		snprintf(k->last_state, sizeof(k->last_state), "%s", state);
	}
	_Static_assert(sizeof(k->last_state) >= 320, "room for a reason");
}

/* Explicit mode: how the kernel reaches the address now. */
static enum clat_v6route v6route(const struct clat *k, int *oif)
{
	int type, e;
	bool gw;

	e = rtnl_route6_get(k->c->clat_v6, &type, oif, &gw);
	if (e == -ENETUNREACH || e == -EHOSTUNREACH)
		return CLAT_V6R_NONE;
	if (e)
		return CLAT_V6R_UNKNOWN;
	if (type == RTN_ANYCAST || type == RTN_LOCAL) {
		/* The daemon's own join puts an anycast route for it in the
		 * local table: it was on-link when joined. */
		if (k->anycast_fd >= 0 &&
		    !memcmp(k->anycast_addr, k->c->clat_v6, 16)) {
			*oif = k->anycast_ifindex;
			return CLAT_V6R_ONLINK;
		}
		return CLAT_V6R_LOCAL;
	}
	if (type != RTN_UNICAST)	/* unreachable, blackhole, prohibit */
		return CLAT_V6R_NONE;
	return gw ? CLAT_V6R_ROUTED : CLAT_V6R_ONLINK;
}

/* What the network offers now (the I/O half of the reconcile step): the
 * prefix, the route toward it, the uplink and the CLAT address it allows,
 * native IPv4. */
static void observe(struct clat *k, uint64_t now, struct clat_facts *f,
		    char uplink[IF_NAMESIZE])
{
	const struct config *c = k->c;
	const char *source;
	bool usable, native = false;
	int st;

	memset(f, 0, sizeof(*f));
	f->nworkers = k->nworkers;
	f->native_queue = k->native_queue;
	f->have_prefix = discover_pick(&k->disc, &f->pfx, &source);
	f->plat_dev_missing = c->plat_dev[0] && !if_nametoindex(c->plat_dev);
	if (f->have_prefix && !f->plat_dev_missing) {
		f->route_err = route_to_prefix(c, &f->pfx, f->src, &f->mtu6,
					       uplink);
		if (!f->route_err)
			f->uplink_idx = (int)if_nametoindex(uplink);
		if (f->uplink_idx)
			snprintf(f->uplink, sizeof(f->uplink), "%s", uplink);
	}
	f->clat_ifindex = k->clat_ifindex;
	usable = f->have_prefix && !f->plat_dev_missing && !f->route_err &&
		 f->uplink_idx &&
		 clat_src_usable(f->src);
	switch (c->v6_mode) {
	case CONFIG_V6_SHARED:
		if (!usable)
			break;
		st = k->xc_published && k->shared_ifindex == f->uplink_idx ?
		     rtnl_addr6_state(f->uplink_idx, k->xc.clat6) :
		     RTNL_ADDR_ABSENT;
		f->shared_kept = st == RTNL_ADDR_OK || st < 0; /* < 0: no news */
		memcpy(f->shared_addr, k->xc.clat6, 16);
		k->shared_ifindex = f->uplink_idx;
		break;
	case CONFIG_V6_DERIVED:
		if (usable)
			f->derived_wait = derived_step(k, f->uplink_idx, f->src,
						       f->derived_addr);
		break;
	case CONFIG_V6_EXPLICIT:
		f->v6route = v6route(k, &f->v6route_oif);
		break;
	}

	/* Native IPv4 (event-driven v4-conncheck): the CLAT steps aside
	 * once it has lasted v4-conncheck-delay seconds, at once when it
	 * is there from the start. */
	if (c->v4_conncheck_enable && !c->v4_defaultroute_replace) {
		int r = rtnl_native_default4(k->clat_ifindex, NULL, NULL);

		/* A failed look changes nothing: in particular it does not
		 * restart the delay, which no event might ever end. */
		native = r < 0 ? k->native_since != 0 : r == 1;
	}
	if (!native)
		k->native_since = 0;
	else if (!k->native_since)
		k->native_since = k->first ? 1 : now;
	f->aside = native &&
		now >= k->native_since + (uint64_t)c->v4_conncheck_delay * 1000;
	k->first = false;
}

/* The anycast join of explicit mode, checked against the kernel; NULL or
 * why it cannot be (in buf). */
static const char *apply_anycast(struct clat *k, const struct clat_desired *d,
				 char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";
	bool have = k->anycast_fd >= 0 &&
		    k->anycast_ifindex == d->anycast_ifindex &&
		    !memcmp(k->anycast_addr, d->clat6, 16);
	bool lost = false;

	if (have && !anycast_present(k->anycast_ifindex, k->anycast_addr)) {
		have = false;
		lost = true;
	}
	if (have)
		return NULL;
	if (k->anycast_fd >= 0)
		close(k->anycast_fd);
	k->anycast_fd = join_anycast(d->clat6, d->anycast_ifindex);
	k->anycast_ifindex = d->anycast_ifindex;
	memcpy(k->anycast_addr, d->clat6, 16);
	if (k->anycast_fd >= 0) {
		if (lost)
			repaired(k, STATUS_REPAIR_anycast, "the anycast "
				 "membership of the CLAT IPv6 address was "
				 "lost: joined again");
		return NULL;
	}
	inet_ntop(AF_INET6, d->clat6, a, sizeof(a));
	if_indextoname((unsigned)d->anycast_ifindex, ifn);
	snprintf(buf, size, "clat-v6-addr=%s is on-link on %s, but the kernel "
		 "refused to answer for it as anycast (%s); fix: have the "
		 "provider route it (or a prefix holding it) to this host, "
		 "which needs no neighbour discovery", a, ifn,
		 strerror(-k->anycast_fd));
	return buf;
}

/* The IPv4 default route, checked against the kernel. */
static void apply_route(struct clat *k, const struct clat_desired *d)
{
	const struct config *c = k->c;
	bool lost = false;
	int e;

	if (!d->route || k->clat_ifindex <= 0) {
		if (k->route_on && k->clat_ifindex > 0)
			rtnl_default4(false, k->route_ifindex, k->route_src,
				      k->route_metric, 0, 0);
		k->route_on = false;
		return;
	}
	if (k->route_on && (k->route_ifindex != k->clat_ifindex ||
	    rtnl_default4_on(k->clat_ifindex, k->route_metric) == 0)) {
		k->route_on = false;
		lost = k->route_ifindex == k->clat_ifindex;
	}
	if (k->route_on && d->mtu4 == k->route_mtu &&
	    d->advmss == k->route_advmss)
		return;
	e = rtnl_default4(true, k->clat_ifindex, c->clat_v4,
			  c->v4_defaultroute_metric, d->mtu4, d->advmss);
	if (e) {
		log_warn(e, "adding the IPv4 default route");
		return;
	}
	k->route_on = true;
	k->route_ifindex = k->clat_ifindex;
	k->route_metric = c->v4_defaultroute_metric;
	memcpy(k->route_src, c->clat_v4, 4);
	k->route_mtu = d->mtu4;
	k->route_advmss = d->advmss;
	if (lost)
		repaired(k, STATUS_REPAIR_route, "the IPv4 default route was "
			 "removed by someone else: put back");
}

/* The rules, in one transaction that replaces the tables: a new prefix or
 * address switches over without a gap, and what someone else changed or
 * removed is put back. NULL or why they cannot be. */
static const char *apply_rules(struct clat *k, const struct clat_desired *d)
{
	bool tampered = k->rules_tampered && k->rules_on && k->rs.queues;
	struct nftrules_seen seen;
	int e;

	if (tampered && (k->nft.flags & NFTRULES_OWNER) &&
	    nftrules_look(&seen) == 0 && seen.present[0] && seen.present[1] &&
	    seen.owner[0] == k->nft.portid && seen.owner[1] == k->nft.portid)
		tampered = false;	/* owned, so untouched: events lost */
	if (!tampered && !k->rules_reapply && k->rules_on &&
	    clat_spec_equal(&d->rs, &k->rs)) {
		k->rules_tampered = false;
		return NULL;
	}
	k->rules_tampered = k->rules_reapply = false;
	e = nftrules_apply(&k->nft, &d->rs);
	log_debug("nftables transaction: %llu us",
		  (unsigned long long)k->nft.last_us);
	if (e) {
		log_warn(e, "installing the nftables rules");
		if (k->rules_on)
			nftrules_remove(&k->nft);
		k->rules_on = false;
		return "the nftables rules could not be installed";
	}
	if (k->nft.shortcut_refused)
		log_warn(k->nft.shortcut_err, "the ingress shortcut on %s "
			 "(ingress-fwd): every IPv6 packet goes through the "
			 "queues", d->rs.uplink);
	k->rs = d->rs;
	k->rules_on = true;
	k->si.table_owner = k->nft.flags & NFTRULES_PERSIST ?
			    "owner, persistent" :
			    k->nft.flags & NFTRULES_OWNER ?
			    "owner (not persistent: kernel before 6.9)" :
			    "none (watched and put back)";
	if (tampered)
		repaired(k, STATUS_REPAIR_rules, "the nftables tables were "
			 "changed or removed by someone else (a firewall "
			 "reload?): put back");
	return NULL;
}

/* At once, before anything else is looked at: the window in which the
 * host's own stack gets the CLAT's packets (unowned tables only) is the
 * time one transaction takes. */
void clat_rules_tampered(struct clat *k)
{
	struct nftrules_seen seen;

	if (!k->c->nft_rules || !k->rules_on || !k->rs.queues)
		return;
	if ((k->nft.flags & NFTRULES_OWNER) && nftrules_look(&seen) == 0 &&
	    seen.present[0] && seen.present[1] &&
	    seen.owner[0] == k->nft.portid && seen.owner[1] == k->nft.portid)
		return;		/* owned, so untouched: events lost */
	if (nftrules_apply(&k->nft, &k->rs)) {
		k->rules_tampered = true;	/* the reconcile says why */
		return;
	}
	repaired(k, STATUS_REPAIR_rules, "the nftables tables were changed "
		 "or removed by someone else (a firewall reload?): put back");
}

/* What should be in place and is not (the kernel's word for rules, route
 * and workers), into k->missing; "" when all is. */
static void check_in_place(struct clat *k, const struct clat_desired *d,
			   uint64_t now)
{
	const struct config *c = k->c;
	char w[48] = "";

	k->missing[0] = '\0';
	if (k->workers_alive < k->nworkers)
		snprintf(w, sizeof(w), "workers (%u of %u running)",
			 k->workers_alive, k->nworkers);
	snprintf(k->missing, sizeof(k->missing), "%s%s%s%s%s",
		 c->nft_rules && !k->rules_on ? "the nftables rules" : "",
		 c->nft_rules && !k->rules_on && d->route && !k->route_on ?
		 ", " : "",
		 d->route && !k->route_on ? "the IPv4 default route" : "",
		 w[0] && ((c->nft_rules && !k->rules_on) ||
			  (d->route && !k->route_on)) ? ", " : "", w);
	if (!k->missing[0]) {
		k->missing_since = 0;
	} else if (!k->missing_since) {
		k->missing_since = now ? now : 1;
		k->missing_wall = time(NULL);
	}
}

void clat_reconcile(struct clat *k, uint64_t now)
{
	const struct config *c = k->c;
	char uplink[IF_NAMESIZE] = "", buf[160], whybuf[320];
	struct clat_facts f;
	struct clat_desired d;
	const char *why;

	k->again = false;
	check_device(k);
	observe(k, now, &f, uplink);
	clat_desire(c, &f, &k->xc, &d);
	why = d.why;
	if (!why && k->clat_ifindex == -EEXIST)
		why = "clat-dev: an interface of that name is someone else's "
		      "now; fix: remove it, or choose another clat-dev";
	else if (!why && k->clat_ifindex < 0)
		why = "the CLAT device could not be made again (see the log)";

	if (!why) {
		if (!k->xc_published || !clat_xc_equal(&d.xc, &k->xc) ||
		    k->dev_fd != k->box.dev_fd) {
			k->xc = d.xc;
			k->xc_published = true;
			k->si.delivery = k->dev_fd >= 0 ? "clat device" : "raw";
			worker_cfg_publish(&k->box, &d.xc, k->dev_fd,
					   c->clat_dev);
		}
	}
	if (!why && d.anycast_ifindex > 0)
		why = apply_anycast(k, &d, whybuf, sizeof(whybuf));
	if (k->anycast_fd >= 0 && (why || d.anycast_ifindex <= 0)) {
		close(k->anycast_fd);
		k->anycast_fd = -1;
	}
	if (why) {
		/* A crashed run's rules stay a little while, in case a prefix
		 * comes soon (see clat_start). */
		if (k->rules_on && (k->rs.queues || now >= k->leftover_until)) {
			nftrules_remove(&k->nft);
			k->rules_on = false;
		}
		k->rules_tampered = false;
		d.route = false;
	}
	apply_route(k, &d);
	/* Rules last, so that when they appear (what scripts wait for) the
	 * route is there too. */
	if (!why && c->nft_rules)
		why = apply_rules(k, &d);
	if (c->v4_defaultroute_replace) {
		if (!why)
			take_native_routes(k);
		else
			give_back_routes(k);
	}
	check_in_place(k, &d, now);

	/* What status shows. */
	if (why) {
		snprintf(k->si.plat_prefix, sizeof(k->si.plat_prefix), "%s",
			 f.pfx.len ? rfc6052_prefix_format(&f.pfx, buf, sizeof(buf))
				   : "none");
	} else {
		rfc6052_prefix_format(&f.pfx, k->si.plat_prefix,
				      sizeof(k->si.plat_prefix));
		inet_ntop(AF_INET6, d.clat6, k->si.clat6, sizeof(k->si.clat6));
	}
	k->si.v6_how = c->v6_mode == CONFIG_V6_EXPLICIT && d.v6_how ?
		       d.v6_how : "";
	clat_status_refresh(k, now);
	snprintf(k->si.plat_dev, sizeof(k->si.plat_dev), "%s",
		 uplink[0] ? uplink : "?");
	k->si.queue_kind = !c->nft_rules ? "none (nft-rules=no)" :
			   !k->rules_on ? "none (not translating)" :
			   k->native_queue ? "nft queue" : "xt NFQUEUE";
	if (k->rules_on && nftrules_fast(&k->rs) && !k->nft.shortcut_refused) {
		snprintf(k->rules_desc, sizeof(k->rules_desc), "%s; IPv6 UDP%s "
			 "by the ingress shortcut on %s", k->si.queue_kind,
			 k->rs.shared ? " of CLAT flows" : " and ICMPv6",
			 k->rs.uplink);
		k->si.queue_kind = k->rules_desc;
	}
	k->translating = false;
	if (why) {
		set_state(k, why);
	} else if (f.aside) {
		set_state(k, "standing aside: the host has native IPv4 "
			     "(v4-conncheck)");
	} else if (k->missing[0]) {
		char when[16];
		struct tm tm;

		gmtime_r(&k->missing_wall, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(whybuf, sizeof(whybuf), "not translating: missing %s "
			 "(since %s UTC)", k->missing, when);
		set_state(k, whybuf);
	} else {
		snprintf(buf, sizeof(buf), "translating: %s via %s on %s",
			 k->si.clat6, k->si.plat_prefix, uplink);
		set_state(k, buf);
		k->translating = true;
	}

	/* script-up when the CLAT starts serving IPv4, script-down when it
	 * stops. */
	if (k->translating && !k->up) {
		k->up = true;
		run_script(k, c->script_up, "up");
	} else if ((why || f.aside) && k->up) {
		k->up = false;
		run_script(k, c->script_down, "down");
	}
}

void clat_reload(struct clat *k, const struct config *old, unsigned nworkers)
{
	const struct config *c = k->c;
	int e, fd;

	k->scripts.timeout_ms = (uint64_t)c->script_timeout * 1000;
	k->nworkers = nworkers;
	k->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + nworkers) : 0;
	/* The route goes first when what names it changes: its device,
	 * source or metric. */
	if (k->route_on && (strcmp(old->clat_dev, c->clat_dev) != 0 ||
			    memcmp(old->clat_v4, c->clat_v4, 4) != 0 ||
			    old->v4_defaultroute_metric !=
			    c->v4_defaultroute_metric)) {
		rtnl_default4(false, k->route_ifindex, k->route_src,
			      k->route_metric, 0, 0);
		k->route_on = false;
	}
	if (strcmp(old->clat_dev, c->clat_dev) != 0) {
		if (k->clat_ifindex > 0 && dev_is_ours(old->clat_dev) &&
		    rtnl_link_del(old->clat_dev))
			tundev_remove(old->clat_dev);
		k->clat_ifindex = dev_create(c->clat_dev, c, &k->dev_kind,
					     &fd);
		if (k->clat_ifindex < 0) {
			log_warn(k->clat_ifindex, "creating %s", c->clat_dev);
		} else {
			replace_dev_fd(k, fd);
			if ((e = rtnl_addr4(true, k->clat_ifindex, c->clat_v4)))
				log_warn(e, "adding the CLAT address");
		}
	} else if (memcmp(old->clat_v4, c->clat_v4, 4) != 0 &&
		   k->clat_ifindex > 0) {
		rtnl_addr4(false, k->clat_ifindex, old->clat_v4);
		e = rtnl_addr4(true, k->clat_ifindex, c->clat_v4);
		if (e)
			log_warn(e, "adding the CLAT address");
	}
	/* The same device, its queues resized, its offloads as gso says. */
	if (!strcmp(old->clat_dev, c->clat_dev) && k->dev_fd >= 0) {
		if (old->queue_length != c->queue_length &&
		    (e = tundev_qlen(c->clat_dev, c->queue_length)))
			log_warn(e, "queue-length=%u on %s", c->queue_length,
				 c->clat_dev);
		if (old->gso != c->gso &&
		    (e = tundev_offload(k->dev_fd, c->gso)))
			log_warn(e, "gso=%s on %s", c->gso ? "yes" : "no",
				 c->clat_dev);
	}
	/* What the old address mode held. */
	if (k->der_added && c->v6_mode != CONFIG_V6_DERIVED) {
		rtnl_addr6(false, k->der_ifindex, k->der_addr, 128);
		k->der_added = k->der_random = k->der_readd = false;
		k->der_tries = 0;
	}
	if (k->anycast_fd >= 0 && (c->v6_mode != CONFIG_V6_EXPLICIT ||
				   memcmp(old->clat_v6, c->clat_v6, 16) != 0)) {
		close(k->anycast_fd);
		k->anycast_fd = -1;
	}
	if (old->v6_mode != c->v6_mode)
		k->xc_published = false;
	/* RFC 7757 mappings: the rules point at the configuration's table,
	 * which changed in place. */
	if (old->eam.n != c->eam.n ||
	    memcmp(old->eam.e, c->eam.e,
		   c->eam.n * sizeof(c->eam.e[0])) != 0)
		k->rules_reapply = true;
	/* Discovery: what it asks and listens to. */
	if (old->plat_prefix_set != c->plat_prefix_set ||
	    old->ndns != c->ndns ||
	    memcmp(old->dns, c->dns, sizeof(c->dns)) != 0 ||
	    strcmp(old->plat_dev, c->plat_dev) != 0) {
		discover_close(&k->disc);
		e = discover_open(&k->disc, c);
		if (e)
			log_warn(e, "listening for router advertisements");
	}
	/* Rules: given up, taken on, or owned differently. */
	if (old->nft_rules && !c->nft_rules) {
		if (k->rules_on)
			nftrules_remove(&k->nft);
		k->rules_on = false;
		nftrules_close(&k->nft);
	} else if (c->nft_rules && (!old->nft_rules ||
				    old->nft_owner != c->nft_owner)) {
		if (k->nft.nl && k->rules_on && (k->nft.flags & NFTRULES_OWNER)) {
			/* Owned tables can only be replaced through their
			 * owner: by unowned ones first, in one transaction,
			 * which the new socket then replaces. */
			k->nft.flags = 0;
			k->nft.probed = true;
			if (nftrules_apply(&k->nft, &k->rs))
				k->rules_on = false;
		}
		nftrules_close(&k->nft);
		if (!old->nft_rules)
			k->native_queue = nftrules_have_native_queue();
		e = nftrules_open(&k->nft, c->nft_owner ?
				  NFTRULES_OWNER | NFTRULES_PERSIST : 0);
		if (e)
			log_warn(e, "opening nftables");
		k->rules_reapply = true;
	}
	status_from_config(k, c);
	k->again = true;
}

uint64_t clat_next(const struct clat *k, uint64_t now)
{
	const struct config *c = k->c;
	bool want_dns = !c->plat_prefix_set && !k->disc.ra_have;
	uint64_t next = discover_next(&k->disc, want_dns);

	if (k->again)
		return now;
	if (scripts_next(&k->scripts) < next)
		next = scripts_next(&k->scripts);
	if (k->rules_on && !k->rs.queues && k->leftover_until > now &&
	    k->leftover_until < next)
		next = k->leftover_until;
	if (k->native_since) {
		uint64_t t = k->native_since +
			     (uint64_t)c->v4_conncheck_delay * 1000;

		if (t > now && t < next)
			next = t;
	}
	/* DAD ends with an address event; look anyway now and then. */
	if (k->der_added && !k->up && now + 1000 < next)
		next = now + 1000;
	return next;
}

void clat_stop(struct clat *k)
{
	if (k->up) {
		k->up = false;
		run_script(k, k->c->script_down, "down");
	}
	scripts_stop(&k->scripts, discover_now());
	if (k->rules_on)
		nftrules_remove(&k->nft);
	k->rules_on = false;
	nftrules_close(&k->nft);
	if (k->anycast_fd >= 0)
		close(k->anycast_fd);
	k->anycast_fd = -1;
	if (k->der_added)
		rtnl_addr6(false, k->der_ifindex, k->der_addr, 128);
	k->der_added = false;
	give_back_routes(k);
	discover_close(&k->disc);
	if (k->clat_ifindex > 0)
		clat_cleanup(k->c, -1, NULL, false);
	if (k->dev_fd >= 0)
		close(k->dev_fd);
	k->dev_fd = -1;
	pthread_mutex_destroy(&k->box.lock);
}
