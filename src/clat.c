/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT's host state (see clat.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clat.h"
#include "log.h"
#include "privs.h"
#include "rtnl.h"
#include "tundev.h"

extern char **environ;

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
	char path[64], alias[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifalias", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(alias, sizeof(alias), f))
		alias[0] = 0;
	fclose(f);
	alias[strcspn(alias, "\n")] = 0;
	return !strcmp(alias, DEV_ALIAS);
}

/* The CLAT's IPv4 interface: a dummy where the kernel has the driver, else
 * a tun device nobody reads. Its ifindex or -errno. */
static int dev_create(const char *name, const char **kind)
{
	int idx, e;

	*kind = "dummy";
	if (if_nametoindex(name))	/* someone else's: teardown keeps it */
		return -EEXIST;
	idx = rtnl_dummy_create(name);
	if (idx == -EOPNOTSUPP) {
		*kind = "tun";
		log_info("no dummy driver in this kernel: %s is a tun device "
			 "that nobody reads", name);
		idx = tundev_create(name);
	}
	if (idx < 0)
		return idx;
	e = rtnl_link_alias(idx, DEV_ALIAS);
	return e ? e : idx;
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

/* Where RFC 6052 puts the last octet of an IPv4 address under prefix p:
 * the rules choose a packet's worker by its low bits. */
static uint8_t last_octet_at(const struct rfc6052_prefix *p)
{
	static const uint8_t lo[4] = { 0, 0, 0, 0 }, hi[4] = { 0, 0, 0, 0xff };
	uint8_t a[16], b[16];

	rfc6052_embed(p, lo, a);
	rfc6052_embed(p, hi, b);
	for (uint8_t i = 0; i < 16; i++)
		if (a[i] != b[i])
			return i;
	return 15;
}

static void make_spec(const struct config *c, unsigned nworkers,
		      const struct rfc6052_prefix *pfx, const uint8_t clat6[16],
		      struct nftrules_spec *rs)
{
	memset(rs, 0, sizeof(*rs));
	memcpy(rs->clat4, c->clat_v4, 4);
	memcpy(rs->clat6, clat6, 16);
	rs->plat = *pfx;
	rs->shared = c->v6_mode == CONFIG_V6_SHARED;
	rs->fwmark = c->fwmark;
	rs->ctmark = c->ctmark;
	rs->queue_num = c->queue_num;
	rs->queues = (uint16_t)nworkers;
	rs->sel6 = last_octet_at(pfx);
	/* The offloading queues follow the plain ones. */
	rs->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + nworkers) : 0;
	rs->fail_open = c->fail_open;
	rs->trace = c->trace;
	rs->router = c->router;
	snprintf(rs->clat_dev, sizeof(rs->clat_dev), "%s", c->clat_dev);
	rs->eam = &c->eam;
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
	make_spec(c, nworkers, pfx, src, &rs);
	/* What an operator puts in their own ruleset: the syntax of the
	 * native queue expression, which nft also shows for the compat
	 * target. */
	rs.native_queue = true;
	nftrules_print(&rs, f);
	return 0;
}

/* v4-defaultroute-replace: native IPv4 default routes are taken out while
 * the CLAT runs and put back afterwards. Their messages are kept in a file
 * as well, so that a run after a crash puts them back. */
static void save_routes(const struct clat *k)
{
	int fd = open(k->saved_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0600);

	if (fd < 0)
		return;
	for (unsigned i = 0; i < k->nsaved; i++) {
		uint32_t len = (uint32_t)k->saved_len[i];

		if (write(fd, &len, sizeof(len)) != sizeof(len) ||
		    write(fd, k->saved[i], len) != (ssize_t)len)
			break;
	}
	close(fd);
}

static void restore_routes_file(const char *path)
{
	uint8_t msg[512];
	uint32_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, &len, sizeof(len)) == sizeof(len) &&
	       len <= sizeof(msg) && read(fd, msg, len) == (ssize_t)len) {
		int e = rtnl_route_replay(msg, len, true);

		if (e && e != -EEXIST)
			log_warn(e, "putting back a native IPv4 default route");
		else
			log_info("put back the native IPv4 default route a "
				 "previous run had replaced");
	}
	close(fd);
	unlink(path);
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
	unlink(k->saved_path);
}

/* script-up / script-down: run by /bin/sh with the configuration in the
 * environment, as clatd does (clat_dev, clat_v4_addr, clat_v6_addr,
 * plat_prefix, plat_dev), and the two network capabilities. */
static void run_script(const struct clat *k, const char *script,
		       const char *what)
{
	char vars[6][128];
	char *envp[512];
	size_t n = 0;
	pid_t pid;
	int st;

	if (!script[0])
		return;
	snprintf(vars[0], sizeof(vars[0]), "clat_dev=%s", k->si.clat_dev);
	snprintf(vars[1], sizeof(vars[1]), "clat_v4_addr=%s", k->si.clat4);
	snprintf(vars[2], sizeof(vars[2]), "clat_v6_addr=%s", k->si.clat6);
	snprintf(vars[3], sizeof(vars[3]), "plat_prefix=%s", k->si.plat_prefix);
	snprintf(vars[4], sizeof(vars[4]), "plat_dev=%s", k->si.plat_dev);
	snprintf(vars[5], sizeof(vars[5]), "clat_event=%s", what);
	for (size_t i = 0; i < 6; i++)
		envp[n++] = vars[i];
	for (char **e = environ; *e && n < 511; e++)
		envp[n++] = *e;
	envp[n] = NULL;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "sh", "-c", (char *)script, NULL };
		sigset_t none;

		/* The script starts with the signals as a shell expects
		 * them, not the daemon's blocked and ignored ones. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		privs_for_script();
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	if (pid < 0) {
		log_warn(-errno, "script-%s", what);
		return;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		log_warnx("script-%s failed (status %d)", what,
			  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

void clat_cleanup(const struct config *c, const char *saved_path,
		  bool keep_rules)
{
	int ifindex = (int)if_nametoindex(c->clat_dev);

	if (!keep_rules)
		nftrules_remove();
	if (ifindex > 0 && dev_is_ours(c->clat_dev)) {
		rtnl_default4(false, ifindex, c->clat_v4,
			      c->v4_defaultroute_metric, 0, 0);
		rtnl_addr4(false, ifindex, c->clat_v4);
		if (rtnl_link_del(c->clat_dev))
			tundev_remove(c->clat_dev);
	}
	rtnl_addr6_remove_ours();
	if (saved_path && saved_path[0])
		restore_routes_file(saved_path);
}

int clat_start(struct clat *k, const struct config *c, unsigned nworkers)
{
	int e;

	k->c = c;
	k->nworkers = nworkers;
	k->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + nworkers) : 0;
	k->anycast_fd = -1;
	k->first = true;
	pthread_mutex_init(&k->box.lock, NULL);
	if (run_path(k->saved_path, sizeof(k->saved_path), "route4"))
		k->saved_path[0] = '\0';
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
	clat_cleanup(c, k->saved_path, c->nft_rules);
	if (c->nft_rules) {
		k->rules_on = true;	/* maybe: replaced or removed later */
		k->leftover_until = discover_now() + LEFTOVER_GRACE_MS;
	}
	k->clat_ifindex = dev_create(c->clat_dev, &k->dev_kind);
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
	if (c->nft_rules)
		k->native_queue = nftrules_have_native_queue();
	if (c->router) {
		/* Sysctls are the operator's: said, not changed. */
		if (sysctl_int("/proc/sys/net/ipv4/ip_forward") == 0)
			log_warnx("router-mode=yes: net.ipv4.ip_forward is 0, "
				  "so nothing from the LAN reaches the CLAT "
				  "until it is set");
	}

	snprintf(k->si.clat_dev, sizeof(k->si.clat_dev), "%s", c->clat_dev);
	k->si.clat_dev_kind = k->dev_kind;
	inet_ntop(AF_INET, c->clat_v4, k->si.clat4, sizeof(k->si.clat4));
	k->si.v6_mode = c->v6_mode == CONFIG_V6_SHARED ? "shared" :
			c->v6_mode == CONFIG_V6_DERIVED ? "derived" :
			"explicit";
	k->si.queue_num = c->queue_num;
	k->si.gso_queue_num = k->gso_queue_num;
	k->si.fail_open = c->fail_open;
	k->si.queue_kind = "none";
	k->si.delivery = "raw";
	return 0;
}

/* The CLAT device went away (someone deleted it): make it again. */
static void ensure_device(struct clat *k)
{
	int idx = (int)if_nametoindex(k->c->clat_dev);

	if (idx == k->clat_ifindex)
		return;
	if (idx > 0 && !dev_is_ours(k->c->clat_dev))
		return;		/* someone else's now: leave it */
	log_info("%s disappeared: creating it again", k->c->clat_dev);
	idx = dev_create(k->c->clat_dev, &k->dev_kind);
	if (idx < 0) {
		log_warn(idx, "creating %s", k->c->clat_dev);
		return;
	}
	k->clat_ifindex = idx;
	k->route_on = false;
	rtnl_addr4(true, idx, k->c->clat_v4);
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
		memcpy(k->der_addr, src, 16);
		if (!k->der_random && src[11] == 0xff && src[12] == 0xfe) {
			k->der_addr[11] = 0xc1;
			k->der_addr[12] = 0xa7;
		} else if (getrandom(k->der_addr + 8, 8, 0) != 8) {
			return "derived address: no random numbers";
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
		break;		/* removed by someone: another one below */
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

/* What can change at run time, field by field (structs have padding). */
/* May the workers hand translations for the host in through lo? Not in
 * router mode (they may be bound elsewhere after NAT), and not with strict
 * reverse path filtering on lo: the kernel takes the larger of "all" and
 * "lo", and 1 (strict) would drop a packet from the internet arriving on
 * lo. Loose (2) and off (0) let it in. An unreadable setting counts as
 * strict. Changes come as RTM_NEWNETCONF events. */
static bool deliver_lo_ok(const struct config *c)
{
	int all = sysctl_int("/proc/sys/net/ipv4/conf/all/rp_filter");
	int lo = sysctl_int("/proc/sys/net/ipv4/conf/lo/rp_filter");

	if (c->router || all < 0 || lo < 0)
		return false;
	return (all > lo ? all : lo) != 1;
}

static bool cfg_equal(const struct xlat_cfg *a, const struct xlat_cfg *b)
{
	return a->plat.len == b->plat.len &&
	       !memcmp(a->plat.addr, b->plat.addr, 16) &&
	       !memcmp(a->clat6, b->clat6, 16) && a->mtu6 == b->mtu6;
}

static bool spec_equal(const struct nftrules_spec *a,
		       const struct nftrules_spec *b)
{
	return !memcmp(a->clat6, b->clat6, 16) && a->sel6 == b->sel6 &&
	       a->plat.len == b->plat.len &&
	       !memcmp(a->plat.addr, b->plat.addr, 16) &&
	       !memcmp(a->clat4, b->clat4, 4) && a->shared == b->shared &&
	       a->queues == b->queues && a->queue_num == b->queue_num &&
	       a->gso_queue_num == b->gso_queue_num &&
	       a->native_queue == b->native_queue;
}

void clat_status_refresh(struct clat *k, uint64_t now)
{
	struct rfc6052_prefix pfx;
	const char *source;

	bool have = discover_pick(&k->disc, &pfx, &source);

	if (have && !strcmp(source, "DNS64 (ipv4only.arpa)"))
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s from %s", source, k->disc.dns_from);
	else if (have && k->disc.ra_have && !k->c->plat_prefix_set) {
		char ifn[IF_NAMESIZE] = "?";

		if_indextoname(k->disc.ra_ifindex, ifn);
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s on %s, %llu s left", source, ifn,
			 (unsigned long long)(k->disc.ra_expires > now ?
					      (k->disc.ra_expires - now) / 1000 : 0));
	} else {
		snprintf(k->si.prefix_source, sizeof(k->si.prefix_source),
			 "%s", source);
	}
}

static void set_state(struct clat *k, const char *state)
{
	snprintf(k->si.state, sizeof(k->si.state), "%s", state);
	if (strcmp(k->last_state, state) != 0) {
		log_info("%s", state);
		snprintf(k->last_state, sizeof(k->last_state), "%s", state);
	}
}

void clat_reconcile(struct clat *k, uint64_t now)
{
	const struct config *c = k->c;
	struct rfc6052_prefix pfx = { .len = 0 };
	char uplink[IF_NAMESIZE] = "", buf[160];
	const char *source, *why = NULL;
	uint8_t src[16] = { 0 }, clat6[16] = { 0 };
	uint32_t mtu6 = 0, mtu4 = 0, advmss = 0;
	int uplink_idx = 0, e, st;
	bool native = false, aside = false, want_route;
	struct nftrules_spec want_rs = { 0 };

	k->again = false;
	ensure_device(k);
	if (!discover_pick(&k->disc, &pfx, &source))
		why = "waiting for a PLAT prefix (PREF64 in a router "
		      "advertisement, or DNS64)";
	else if (route_to_prefix(c, &pfx, src, &mtu6, uplink))
		why = "no IPv6 route toward the PLAT prefix";
	else if ((src[0] == 0xfe && (src[1] & 0xc0) == 0x80) ||
		 (src[0] == 0 && src[15] <= 1 && !memcmp(src, src + 1, 14)))
		/* With its global address gone, the kernel still routes,
		 * from a link-local source: no use toward the PLAT. */
		why = "no IPv6 route toward the PLAT prefix from a global "
		      "address";
	else
		uplink_idx = (int)if_nametoindex(uplink);
	if (!why && !uplink_idx)
		why = "the uplink is gone";
	if (!why) {
		switch (c->v6_mode) {
		case CONFIG_V6_SHARED:
			/* The address in use stays while the uplink has it,
			 * even when the kernel now prefers another (a new
			 * temporary address, RFC 8981): the CLAT's flows
			 * live on it. A new one is taken when it goes. */
			st = k->xc_published && k->shared_ifindex == uplink_idx ?
			     rtnl_addr6_state(uplink_idx, k->xc.clat6) :
			     RTNL_ADDR_ABSENT;
			if (st == RTNL_ADDR_OK || st < 0)   /* < 0: no news */
				memcpy(clat6, k->xc.clat6, 16);
			else
				memcpy(clat6, src, 16);
			k->shared_ifindex = uplink_idx;
			break;
		case CONFIG_V6_EXPLICIT:
			memcpy(clat6, c->clat_v6, 16);
			break;
		case CONFIG_V6_DERIVED:
			why = derived_step(k, uplink_idx, src, clat6);
			break;
		}
	}
	if (!why) {
		uint8_t v4[4];

		if (rfc6052_extract(&pfx, clat6, v4) == 0)
			why = "the CLAT IPv6 address lies under the PLAT prefix";
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
	aside = native &&
		now >= k->native_since + (uint64_t)c->v4_conncheck_delay * 1000;
	k->first = false;

	if (!why) {
		struct xlat_cfg xc = k->xc;
		struct nftrules_spec rs = { 0 };

		xc.plat = pfx;
		memcpy(xc.clat6, clat6, 16);
		xc.mtu6 = (uint16_t)(mtu6 < 1280 ? 1280 :
				     mtu6 > 65535 ? 65535 : mtu6);
		bool lo = deliver_lo_ok(c);

		if (!k->xc_published || !cfg_equal(&xc, &k->xc) ||
		    lo != k->deliver_lo) {
			k->xc = xc;
			k->xc_published = true;
			k->deliver_lo = lo;
			k->si.delivery = lo ? "lo" : "raw";
			worker_cfg_publish(&k->box, &xc, lo);
		}
		make_spec(c, k->nworkers, &pfx, clat6, &rs);
		rs.native_queue = k->native_queue;
		want_rs = rs;
	}
	if (!why && c->v6_mode == CONFIG_V6_EXPLICIT &&
	    (k->anycast_fd < 0 || k->anycast_ifindex != uplink_idx)) {
		if (k->anycast_fd >= 0)
			close(k->anycast_fd);
		k->anycast_fd = join_anycast(clat6, uplink_idx);
		k->anycast_ifindex = uplink_idx;
		if (k->anycast_fd < 0) {
			log_warn(k->anycast_fd, "joining the CLAT IPv6 address "
				 "as anycast on %s", uplink);
			why = "the CLAT IPv6 address could not be joined";
		}
	}
	if (why) {
		/* A crashed run's rules stay a little while, in case a prefix
		 * comes soon (see clat_start). */
		if (k->rules_on && (k->rs.queues || now >= k->leftover_until)) {
			nftrules_remove();
			k->rules_on = false;
		}
		if (k->anycast_fd >= 0) {
			close(k->anycast_fd);
			k->anycast_fd = -1;
		}
	}

	/* The IPv4 default route, with the uplink's MTU less the 20 bytes
	 * IPv6's header adds (RFC 7915 section 4). */
	want_route = !why && !aside && c->v4_defaultroute_enable;
	if (want_route) {
		mtu4 = c->v4_defaultroute_mtu ? c->v4_defaultroute_mtu :
		       (uint32_t)k->xc.mtu6 - 20;
		advmss = c->v4_defaultroute_advmss ? c->v4_defaultroute_advmss :
			 mtu4 - 40;
		if (!k->route_on || mtu4 != k->route_mtu ||
		    advmss != k->route_advmss) {
			e = rtnl_default4(true, k->clat_ifindex, c->clat_v4,
					  c->v4_defaultroute_metric, mtu4,
					  advmss);
			if (e) {
				log_warn(e, "adding the IPv4 default route");
			} else {
				k->route_on = true;
				k->route_mtu = mtu4;
				k->route_advmss = advmss;
			}
		}
	} else if (k->route_on) {
		rtnl_default4(false, k->clat_ifindex, c->clat_v4,
			      c->v4_defaultroute_metric, 0, 0);
		k->route_on = false;
	}
	/* Rules last, so that when they appear (what scripts wait for) the
	 * route is there too. One transaction replaces the tables: a new
	 * prefix or address switches over without a gap. */
	if (!why && c->nft_rules &&
	    (!k->rules_on || !spec_equal(&want_rs, &k->rs))) {
		e = nftrules_apply(&want_rs);
		if (e) {
			log_warn(e, "installing the nftables rules");
			why = "the nftables rules could not be installed";
			if (k->rules_on)
				nftrules_remove();
			k->rules_on = false;
		} else {
			k->rs = want_rs;
			k->rules_on = true;
		}
	}
	if (c->v4_defaultroute_replace) {
		if (!why)
			take_native_routes(k);
		else
			give_back_routes(k);
	}

	/* What status shows. */
	if (why) {
		snprintf(k->si.plat_prefix, sizeof(k->si.plat_prefix), "%s",
			 pfx.len ? rfc6052_prefix_format(&pfx, buf, sizeof(buf))
				 : "none");
	} else {
		rfc6052_prefix_format(&pfx, k->si.plat_prefix,
				      sizeof(k->si.plat_prefix));
		inet_ntop(AF_INET6, clat6, k->si.clat6, sizeof(k->si.clat6));
	}
	clat_status_refresh(k, now);
	snprintf(k->si.plat_dev, sizeof(k->si.plat_dev), "%s",
		 uplink[0] ? uplink : "?");
	k->si.queue_kind = !c->nft_rules ? "none (nft-rules=no)" :
			   !k->rules_on ? "none (not translating)" :
			   k->native_queue ? "nft queue" : "xt NFQUEUE";
	if (why)
		set_state(k, why);
	else if (aside)
		set_state(k, "standing aside: the host has native IPv4 "
			     "(v4-conncheck)");
	else {
		snprintf(buf, sizeof(buf), "translating: %s via %s on %s",
			 k->si.clat6, k->si.plat_prefix, uplink);
		set_state(k, buf);
	}

	/* script-up when the CLAT starts serving IPv4, script-down when it
	 * stops. */
	if (!why && !aside && !k->up) {
		k->up = true;
		run_script(k, c->script_up, "up");
	} else if ((why || aside) && k->up) {
		k->up = false;
		run_script(k, c->script_down, "down");
	}
}

uint64_t clat_next(const struct clat *k, uint64_t now)
{
	const struct config *c = k->c;
	bool want_dns = !c->plat_prefix_set && !k->disc.ra_have;
	uint64_t next = discover_next(&k->disc, want_dns);

	if (k->again)
		return now;
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
	if (k->rules_on)
		nftrules_remove();
	k->rules_on = false;
	if (k->anycast_fd >= 0)
		close(k->anycast_fd);
	k->anycast_fd = -1;
	if (k->der_added)
		rtnl_addr6(false, k->der_ifindex, k->der_addr, 128);
	k->der_added = false;
	give_back_routes(k);
	discover_close(&k->disc);
	if (k->clat_ifindex > 0)
		clat_cleanup(k->c, NULL, false);
	pthread_mutex_destroy(&k->box.lock);
}
