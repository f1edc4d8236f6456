/* clat-nfq: set up the CLAT, run the workers, take everything down again. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "nftrules.h"
#include "rtnl.h"
#include "tundev.h"
#include "privs.h"
#include "status.h"
#include "worker.h"
#include "xlat.h"

#define MAX_WORKERS 64

static void usage(FILE *f)
{
	fprintf(f, "usage: clat-nfq [-c FILE] [-d] [-q] [-p] [-h] [key=value ...]\n"
		   "       clat-nfq status [--json]   ask the running daemon\n"
		   "  -c FILE  configuration (default /etc/clat-nfq.conf)\n"
		   "  -d       debug output   -q  quiet\n"
		   "  -p       print the nftables ruleset this configuration\n"
		   "           installs, and exit (see nft-rules=no)\n"
		   "  key=value on the command line wins over the file\n");
}

static int load_file(struct config *c, const char *path, bool must)
{
	char line[1100], err[CONFIG_ERR_MAX];
	FILE *f = fopen(path, "re");
	int n = 0, rc = 0;

	if (!f) {
		if (!must && errno == ENOENT)
			return 0;
		log_warn(-errno, "%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		if (config_line(c, line, err, sizeof(err))) {
			log_warnx("%s:%d: %s", path, n, err);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

static void uplink_of(const uint8_t addr[16], char name[IF_NAMESIZE]);

/* Source address, path MTU and uplink toward the PLAT prefix, as the
 * kernel's routing picks them (connect() on a UDP socket sends nothing);
 * bound to plat-dev when that is given. */
static int route_to_prefix(struct config *c, uint8_t src[16], uint32_t *mtu)
{
	static const uint8_t probe4[4] = { 192, 0, 0, 170 };	/* RFC 7050 */
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0, m;
	socklen_t ml = sizeof(m);

	if (fd < 0)
		return -errno;
	rfc6052_embed(&c->plat_prefix, probe4, a.sin6_addr.s6_addr);
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
	if (!err && !c->plat_dev[0])
		uplink_of(src, c->plat_dev);
	return err;
}

/* The interface holding addr (the source the route picked); left empty
 * when none does. */
static void uplink_of(const uint8_t addr[16], char name[IF_NAMESIZE])
{
	struct ifaddrs *ifa, *i;

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

/* One daemon per network namespace: the lock is named after it, since
 * /run is shared by every namespace on the machine. */
/* One instance per network namespace: a lock file named after it, in
 * RUNDIR (the service's RuntimeDirectory=, owned by its user; created here
 * when started by hand). */
static int lock_instance(char *path, size_t size)
{
	int fd = run_path(path, size, "lock");

	if (fd < 0)
		return fd;
	if (mkdir(RUNDIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

/* Explicit-address mode: make the CLAT IPv6 address answer neighbour
 * discovery on the uplink without the host ever choosing it as a source:
 * an anycast join. The returned socket holds the membership; closing it
 * ends it. */
static int join_anycast(const uint8_t a[16], unsigned ifindex)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = ifindex };
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

/* systemd's readiness protocol without libsystemd. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
		return;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
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

static void print_stats(struct worker *w, unsigned n)
{
	struct worker_stats t;

	worker_stats_sum(w, n, &t);
	fprintf(stderr, "clat-nfq counters: received %llu, translated 4to6 %llu, "
		"6to4 %llu, icmp errors sent %llu, send errors %llu, "
		"queue overflows %llu, offloaded super-packets %llu\n",
		(unsigned long long)t.rx,
		(unsigned long long)t.xlat_4to6, (unsigned long long)t.xlat_6to4,
		(unsigned long long)t.icmp_errors,
		(unsigned long long)t.send_errors,
		(unsigned long long)t.overflows,
		(unsigned long long)t.offloaded);
	for (int r = 1; r < XLAT_R_COUNT; r++)
		if (t.drop[r])
			fprintf(stderr, "clat-nfq counters: dropped %s %llu\n",
				xlat_reason_name((enum xlat_reason)r),
				(unsigned long long)t.drop[r]);
}

/* The CLAT device carries this alias: only a device that does is ever
 * removed, so an interface of the same name that someone else made (a
 * clatd's TAYGA device, say) is left alone. */
#define DEV_ALIAS "clat-nfq"

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

/* Remove what a run installs; tolerant of pieces that are not there, so
 * it also cleans up after a crashed run. */
static void teardown(const struct config *c, int ifindex)
{
	nftrules_remove();
	if (ifindex > 0 && dev_is_ours(c->clat_dev)) {
		rtnl_default4(false, ifindex, c->clat_v4, c->v4_defaultroute_metric,
			      0, 0);
		rtnl_addr4(false, ifindex, c->clat_v4);
		if (rtnl_link_del(c->clat_dev))
			tundev_remove(c->clat_dev);
	}
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_WORKERS];
	static struct xlat_cfg xc;
	const char *file = "/etc/clat-nfq.conf", *why;
	char err[CONFIG_ERR_MAX], pfx[64], lockpath[64];
	struct nftrules_spec rs = { 0 };
	struct status_info si = { .prefix_source = "configured",
				  .clat_dev_kind = "?", .queue_kind = "none" };
	char sockpath[96] = "";
	struct config c;
	sigset_t sigs;
	uint32_t mtu6 = 0, mtu4, advmss;
	unsigned nworkers = 0, i;
	int opt, lock, ifindex = -1, stopfd = -1, anycast = -1, rc = 1, e;
	int sfd = -1, sigfd = -1;
	bool must = false, print = false;

	if (argc >= 2 && !strcmp(argv[1], "status"))
		return status_client(argc >= 3 && !strcmp(argv[2], "--json"));
	config_init(&c);
	while ((opt = getopt(argc, argv, "c:dqph")) != -1) {
		switch (opt) {
		case 'c': file = optarg; must = true; break;
		case 'd': c.debug = true; break;
		case 'q': c.quiet = true; break;
		case 'p': print = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (load_file(&c, file, must))
		return 2;
	for (; optind < argc; optind++) {
		const char *eq = strchr(argv[optind], '=');
		char key[64];

		if (!eq || (size_t)(eq - argv[optind]) >= sizeof(key)) {
			log_warnx("%s: expected key=value", argv[optind]);
			return 2;
		}
		/* argv stays as given, so ps and pgrep -f show it whole. */
		memcpy(key, argv[optind], (size_t)(eq - argv[optind]));
		key[eq - argv[optind]] = '\0';
		if (config_set(&c, key, eq + 1, err, sizeof(err))) {
			log_warnx("%s", err);
			return 2;
		}
	}
	if (config_finish(&c, err, sizeof(err))) {
		log_warnx("%s", err);
		return 2;
	}
	log_set_level(c.quiet ? LOG_QUIET : c.debug ? LOG_DEBUG : LOG_NORMAL);

	if (c.plat_dev[0] && !if_nametoindex(c.plat_dev)) {
		log_warnx("plat-dev=%s: no such interface", c.plat_dev);
		return 2;
	}
	xlat_cfg_init(&xc);
	xc.plat = c.plat_prefix;
	memcpy(xc.clat4, c.clat_v4, 4);
	e = route_to_prefix(&c, xc.clat6, &mtu6);
	if (e) {
		log_warn(e, "no IPv6 route toward %s",
			 rfc6052_prefix_format(&c.plat_prefix, pfx, sizeof(pfx)));
		return 1;
	}
	if (c.v6_mode == CONFIG_V6_EXPLICIT)
		memcpy(xc.clat6, c.clat_v6, 16);
	xc.mtu6 = (uint16_t)(mtu6 < 1280 ? 1280 : mtu6 > 65535 ? 65535 : mtu6);
	if (xlat_cfg_check(&xc, &why)) {
		log_warnx("translator configuration: bad %s", why);
		return 1;
	}

	nworkers = c.threads ? c.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	memcpy(rs.clat4, c.clat_v4, 4);
	memcpy(rs.clat6, xc.clat6, 16);
	rs.shared = c.v6_mode == CONFIG_V6_SHARED;
	rs.fwmark = c.fwmark;
	rs.ctmark = c.ctmark;
	rs.queue_num = c.queue_num;
	rs.queues = (uint16_t)nworkers;
	rs.sel6 = last_octet_at(&c.plat_prefix);
	/* The offloading queues follow the plain ones. */
	rs.gso_queue_num = c.gso ? (uint16_t)(c.queue_num + nworkers) : 0;
	rs.fail_open = c.fail_open;
	rs.trace = c.trace;
	if (print) {
		/* What an operator puts in their own ruleset: the syntax of
		 * the native queue expression, which nft also shows for the
		 * compat target. */
		rs.native_queue = true;
		nftrules_print(&rs, stdout);
		return 0;
	}

	/* From here on: CAP_NET_ADMIN and CAP_NET_RAW only, no new
	 * privileges, for this thread and the workers it starts. */
	e = privs_drop();
	if (e) {
		log_warn(e, "dropping privileges");
		return 1;
	}
	lock = lock_instance(lockpath, sizeof(lockpath));
	if (lock == -EBUSY) {
		log_warnx("another clat-nfq runs in this network namespace "
			  "(%s is locked)", lockpath);
		return 1;
	} else if (lock < 0) {
		log_warn(lock, "locking %s", lockpath);
		return 1;
	}

	/* Signals are taken by sigwait() in this thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* A crashed run may have left its pieces: remove them first. */
	e = (int)if_nametoindex(c.clat_dev);
	teardown(&c, e);

	ifindex = dev_create(c.clat_dev, &si.clat_dev_kind);
	if (ifindex == -EEXIST) {
		log_warnx("clat-dev=%s: an interface of that name exists and "
			  "is not clat-nfq's", c.clat_dev);
		goto out;
	} else if (ifindex < 0) {
		log_warn(ifindex, "creating %s", c.clat_dev);
		goto out;
	}
	e = rtnl_addr4(true, ifindex, c.clat_v4);
	if (e) {
		log_warn(e, "adding the CLAT address");
		goto out;
	}
	mtu4 = c.v4_defaultroute_mtu ? c.v4_defaultroute_mtu : xc.mtu6 - 20;
	advmss = c.v4_defaultroute_advmss ? c.v4_defaultroute_advmss : mtu4 - 40;
	if (c.v4_defaultroute_enable) {
		e = rtnl_default4(true, ifindex, c.clat_v4,
				  c.v4_defaultroute_metric, mtu4, advmss);
		if (e) {
			log_warn(e, "adding the IPv4 default route");
			goto out;
		}
	}

	if (c.v6_mode == CONFIG_V6_EXPLICIT) {
		anycast = join_anycast(xc.clat6, if_nametoindex(c.plat_dev));
		if (anycast < 0) {
			log_warn(anycast, "joining the CLAT IPv6 address as anycast");
			goto out;
		}
	}

	stopfd = eventfd(0, EFD_CLOEXEC);
	if (stopfd < 0) {
		log_warn(-errno, "eventfd");
		goto out;
	}
	for (i = 0; i < nworkers; i++) {
		workers[i] = (struct worker){
			.queue = (uint16_t)(c.queue_num + i), .fwmark = c.fwmark,
			.gso_queue = rs.gso_queue_num ?
				(uint16_t)(rs.gso_queue_num + i) : 0,
			.cfg = &xc, .stopfd = stopfd,
		};
		e = worker_start(&workers[i]);
		if (e) {
			log_warn(e, "worker for queue %u", c.queue_num + i);
			nworkers = i;
			goto out;
		}
	}
	/* Rules last: nothing is queued before a worker listens. */
	if (c.nft_rules) {
		rs.native_queue = nftrules_have_native_queue();
		log_info("queue rules use the %s", rs.native_queue ?
			 "nft queue expression" :
			 "xtables NFQUEUE target (nft_compat)");
		e = nftrules_apply(&rs);
		if (e) {
			log_warn(e, "installing the nftables rules");
			goto out;
		}
	} else {
		log_info("nft-rules=no: queue the CLAT's packets to %u-%u "
			 "(IPv6 TCP to %u-%u, where gso=yes) and accept fwmark "
			 "0x%x yourself (clat-nfq -p prints the rules)",
			 c.queue_num, c.queue_num + nworkers - 1,
			 c.queue_num + nworkers, c.queue_num + 2 * nworkers - 1,
			 c.fwmark);
	}
	log_info("translating %s <-> %s via %s on %s, %u workers, queues %u-%u%s",
		 inet_ntop(AF_INET, c.clat_v4, err, sizeof(err)) ? err : "?",
		 inet_ntop(AF_INET6, xc.clat6, pfx, sizeof(pfx)) ? pfx : "?",
		 rfc6052_prefix_format(&c.plat_prefix, (char[64]){ 0 }, 64),
		 c.plat_dev[0] ? c.plat_dev : "?", nworkers, c.queue_num,
		 c.queue_num + nworkers * (c.gso ? 2 : 1) - 1,
		 c.gso ? " (the upper half for IPv6 TCP with offloads)" : "");
	rfc6052_prefix_format(&c.plat_prefix, si.plat_prefix,
			      sizeof(si.plat_prefix));
	inet_ntop(AF_INET, c.clat_v4, si.clat4, sizeof(si.clat4));
	inet_ntop(AF_INET6, xc.clat6, si.clat6, sizeof(si.clat6));
	si.v6_mode = rs.shared ? "shared" : "explicit";
	snprintf(si.plat_dev, sizeof(si.plat_dev), "%s",
		 c.plat_dev[0] ? c.plat_dev : "?");
	snprintf(si.clat_dev, sizeof(si.clat_dev), "%s", c.clat_dev);
	si.queue_num = c.queue_num;
	si.gso_queue_num = rs.gso_queue_num;
	si.fail_open = c.fail_open;
	if (c.nft_rules)
		si.queue_kind = rs.native_queue ? "nft queue" : "xt NFQUEUE";
	sfd = run_path(sockpath, sizeof(sockpath), "sock");
	if (!sfd)
		sfd = status_listen(sockpath);
	if (sfd < 0) {
		log_warn(sfd, "status socket %s", sockpath);
		sockpath[0] = 0;
	}
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		log_warn(-errno, "signalfd");
		goto out;
	}
	notify("READY=1");

	for (;;) {
		struct pollfd pf[2] = { { .fd = sigfd, .events = POLLIN },
					{ .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo ssi;

		if (poll(pf, sfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents & POLLIN)
			status_serve(sfd, &si, workers, nworkers);
		if (!(pf[0].revents & POLLIN))
			continue;
		if (read(sigfd, &ssi, sizeof(ssi)) != sizeof(ssi))
			continue;
		if (ssi.ssi_signo == SIGUSR1) {
			print_stats(workers, nworkers);
			continue;
		}
		break;
	}
	notify("STOPPING=1");
	rc = 0;
out:
	if (stopfd >= 0) {
		uint64_t one = 1;

		if (write(stopfd, &one, sizeof(one)) < 0)
			log_warn(-errno, "stopping workers");
	}
	for (i = 0; i < nworkers; i++)
		worker_join(&workers[i]);
	if (nworkers)
		print_stats(workers, nworkers);
	teardown(&c, ifindex);
	if (stopfd >= 0)
		close(stopfd);
	if (anycast >= 0)
		close(anycast);
	if (sfd >= 0)
		close(sfd);
	if (sigfd >= 0)
		close(sigfd);
	if (sockpath[0])
		unlink(sockpath);
	unlink(lockpath);
	rmdir(RUNDIR);		/* when empty and ours to remove */
	close(lock);
	return rc;
}
