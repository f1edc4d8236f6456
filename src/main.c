/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clat-nfq: read the configuration, start the workers, follow events (the
 * network, discovery, signals, status requests) until told to stop; clat.c
 * keeps the host's state in line with them. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include <libmnl/libmnl.h>
#include <sys/timerfd.h>

#include "clat.h"
#include "config.h"
#include "log.h"
#include "privs.h"
#include "rtnl.h"
#include "sdnotify.h"
#include "rundir.h"
#include "status.h"
#include "version.h"
#include "worker.h"
#include "xlat.h"

#define MAX_WORKERS 64

#define DEFAULT_CONFIG "/etc/clat-nfq.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: clat-nfq [-c FILE] [-d]... [-q]... [-p] [key=value ...]\n"
		   "       clat-nfq status [--json]   ask the running daemon\n"
		   "       clat-nfq metrics           its counters for Prometheus\n"
		   "       clat-nfq -h | --help | -V | --version\n"
		   "  -c FILE  configuration (default " DEFAULT_CONFIG ";\n"
		   "           a clatd.conf works too)\n"
		   "  -d       debug output (twice: more)\n"
		   "  -q       quiet (twice: no warnings either)\n"
		   "  -p       print the nftables ruleset this configuration\n"
		   "           installs, and exit (see nft-rules=no)\n"
		   "  key=value on the command line wins over the file\n"
		   "See clat-nfq(8) and clat-nfq.conf(5).\n");
}

/* `clat-nfq status|metrics [options]`: only the options each knows. */
static int client_main(int argc, char **argv)
{
	bool metrics = !strcmp(argv[1], "metrics"), json = false;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: clat-nfq status [--json]\n"
			       "       clat-nfq metrics\n");
			return 0;
		}
		if (!metrics && !strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		fprintf(stderr, "clat-nfq %s: unknown option '%s'\n"
			"usage: clat-nfq status [--json] | clat-nfq metrics\n",
			argv[1], argv[i]);
		return 2;
	}
	return status_client(metrics ? STATUS_METRICS :
			     json ? STATUS_JSON : STATUS_TEXT);
}

/* A file in clatd's syntax: bad values are errors (-1), unknown keys and
 * clatd's keys without meaning here are warnings. */
static int load_file(struct config *c, const char *path, bool must)
{
	char line[1100], err[CONFIG_ERR_MAX];
	FILE *f = fopen(path, "re");
	int n = 0, rc = 0, e;

	if (!f) {
		if (!must && errno == ENOENT)
			return 0;
		log_err(-errno, "%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		e = config_line(c, line, err, sizeof(err));
		if (e == CONFIG_WARN) {
			log_warnx("%s:%d: %s", path, n, err);
		} else if (e) {
			log_errx("%s:%d: %s", path, n, err);
			rc = -1;
		}
	}
	fclose(f);
	log_debug("%s: %d lines read", path, n);
	return rc;
}

/* eam-file=: RFC 7757 mappings, one per line, read here and handed to the
 * pure parser. The file is the operator's (root's): it is read, never
 * trusted to be well-formed. */
static int load_eam_file(struct config *c)
{
	char line[300], err[CONFIG_ERR_MAX];
	FILE *f = fopen(c->eam_file, "re");
	int n = 0, rc = 0;

	if (!f) {
		log_err(-errno, "eam-file=%s", c->eam_file);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (!strchr(line, '\n') && !feof(f)) {
			log_errx("eam-file=%s:%d: line longer than %zu bytes",
				  c->eam_file, n, sizeof(line) - 2);
			rc = -1;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (config_eam_line(c, line, err, sizeof(err))) {
			log_errx("eam-file=%s:%d: %s", c->eam_file, n, err);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

/* Files of daemons that are gone, in namespaces that may be gone too:
 * a lock nobody holds. Their lock and socket are removed (a saved route,
 * .route4, stays for that namespace's next start). */
static void sweep_stale(int dfd, const char *mine)
{
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((e = readdir(d))) {
		char name[300];
		size_t n = strlen(e->d_name);
		int fd;

		if (n < 6 || strcmp(e->d_name + n - 5, ".lock") != 0 ||
		    !strcmp(e->d_name, mine))
			continue;
		fd = rundir_openat(dfd, e->d_name, O_RDWR);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			unlinkat(dfd, e->d_name, 0);
			snprintf(name, sizeof(name), "%.*s.sock", (int)(n - 5),
				 e->d_name);
			unlinkat(dfd, name, 0);
		}
		close(fd);
	}
	closedir(d);
}

/* One instance per network namespace: a lock file named after it, in
 * RUNDIR, whose descriptor *dfd holds (opened here, rundir.h). The fd
 * holding the lock, or -errno (-EBUSY: taken). */
static int lock_instance(int *dfd, char *name, size_t size)
{
	int fd = rundir_name(name, size, "lock");

	if (fd < 0)
		return fd;
	for (int tries = 0;; tries++) {
		struct stat a, b, d1, d2;

		/* Another namespace's daemon may remove the empty directory
		 * (at its exit), or sweep a lock file it found free, between
		 * our steps: then the file or directory we hold is not the
		 * one at the path, and we start again. */
		if (tries == 4)
			return -EAGAIN;
		if (*dfd < 0) {
			*dfd = rundir_open();
			if (*dfd < 0)
				return *dfd;
		}
		fd = rundir_openat(*dfd, name, O_RDWR | O_CREAT);
		if (fd == -ENOENT) {
			close(*dfd);
			*dfd = -1;
			continue;
		}
		if (fd < 0)
			return fd;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			return -EBUSY;
		}
		if (fstat(fd, &a) == 0 &&
		    fstatat(*dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && fstat(*dfd, &d1) == 0 &&
		    rundir_stat(&d2) == 0 && d1.st_ino == d2.st_ino &&
		    d1.st_dev == d2.st_dev)
			break;
		close(fd);
		close(*dfd);
		*dfd = -1;
	}
	sweep_stale(*dfd, name);
	return fd;
}

static void print_stats(struct worker *w, unsigned n)
{
	struct worker_stats t;

	worker_stats_sum(w, n, &t);
	log_info("counters: received %llu, translated 4to6 %llu, "
		"6to4 %llu, icmp errors sent %llu, send errors %llu, "
		"verdict errors %llu, dropped unconfigured %llu, "
		"queue overflows %llu, offloaded super-packets %llu, "
		"UDP coalesced %llu",
		(unsigned long long)t.rx,
		(unsigned long long)t.xlat_4to6, (unsigned long long)t.xlat_6to4,
		(unsigned long long)t.icmp_errors,
		(unsigned long long)t.send_errors,
		(unsigned long long)t.verdict_errors,
		(unsigned long long)t.unconfigured,
		(unsigned long long)t.overflows,
		(unsigned long long)t.offloaded,
		(unsigned long long)t.coalesced);
	for (int r = 1; r < XLAT_R_COUNT; r++)
		if (t.drop[r])
			log_info("counters: dropped %s %llu",
				xlat_reason_name((enum xlat_reason)r),
				(unsigned long long)t.drop[r]);
}


/* What the main loop does on its own clock, whatever else happens:
 * WATCHDOG=1 at half of WatchdogSec=, the metrics file every few seconds.
 * Times are discover_now() milliseconds. */
struct periodic {
	uint64_t wd_every, wd_next;
	uint64_t metrics_next;
	const char *metrics_file;
};

#define METRICS_EVERY_MS 5000

/* poll()'s timeout until the next of them; -1: none. */
static int periodic_timeout(const struct periodic *p, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (p->wd_every)
		next = p->wd_next;
	if (p->metrics_file && p->metrics_next < next)
		next = p->metrics_next;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
}

static void periodic_run(struct periodic *p, uint64_t now, struct clat *k,
			 const struct worker *w, unsigned n)
{
	int e;

	if (p->wd_every && now >= p->wd_next) {
		sdnotify("WATCHDOG=1");
		p->wd_next = now + p->wd_every;
	}
	if (p->metrics_file && now >= p->metrics_next) {
		clat_status_refresh(k, now);
		e = status_metrics_file(p->metrics_file, &k->si, w, n);
		if (e)
			log_warn(e, "metrics-file=%s", p->metrics_file);
		else
			log_debug2("metrics written to %s", p->metrics_file);
		p->metrics_next = now + METRICS_EVERY_MS;
	}
}

/* Arm the timer for the absolute monotonic time at (ms); UINT64_MAX
 * disarms it. */
static void arm(int tfd, uint64_t at, uint64_t now)
{
	struct itimerspec its = { 0 };

	if (at != UINT64_MAX) {
		uint64_t d = at > now ? at - now : 1;

		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000;
	}
	timerfd_settime(tfd, 0, &its, NULL);
}

/* The configuration: defaults, the file, then key=value arguments (argv
 * stays as given, so ps and pgrep -f show it whole), then the checks of
 * the whole. The same at start and on SIGHUP, with the same messages.
 * 0, or 2 after saying what is wrong. */
static int load_config(struct config *c, const char *file, bool must,
		       unsigned debug, unsigned quiet, int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	int e;

	config_init(c);
	if (load_file(c, file, must))
		return 2;
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char key[64];

		if (!eq || (size_t)(eq - argv[i]) >= sizeof(key)) {
			log_errx("%s: expected key=value", argv[i]);
			return 2;
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		/* Here an unknown key is an error: a typo on the command
		 * line is the user's, right now. */
		e = config_set(c, key, eq + 1, err, sizeof(err));
		if (e == CONFIG_WARN) {
			log_warnx("%s", err);
		} else if (e) {
			log_errx("%s", err);
			return 2;
		}
	}
	if (c->eam_file[0] && load_eam_file(c))
		return 2;
	if (config_finish(c, err, sizeof(err))) {
		log_errx("%s", err);
		return 2;
	}
	/* -d and -q count like clatd's (-d -d is debug=2) and win. */
	if (debug)
		c->debug = debug;
	if (quiet)
		c->quiet = quiet;
	return 0;
}

static unsigned workers_for(const struct config *c)
{
	unsigned n = c->threads ? c->threads :
		     (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

/* Start workers 0 .. n - 1 on the queues of c; how many started (all of
 * them, or the ones before the first failure, which is logged). */
static unsigned workers_up(struct worker *w, unsigned n,
			   const struct config *c, struct clat *k,
			   struct xlat_segcache *segs, int stopfd)
{
	for (unsigned i = 0; i < n; i++) {
		int e;

		w[i] = (struct worker){
			.queue = (uint16_t)(c->queue_num + i), .fwmark = c->fwmark,
			.queue_length = c->queue_length, .segs = segs,
			.busy_poll = c->busy_poll,
			.udp_coalesce = c->udp_coalesce,
			.gso_queue = k->gso_queue_num ?
				(uint16_t)(k->gso_queue_num + i) : 0,
			.cfg = &k->box, .stopfd = stopfd,
		};
		e = worker_start(&w[i]);
		if (e) {
			log_warn(e, "worker for queue %u", c->queue_num + i);
			return i;
		}
	}
	return n;
}

/* Stop and join workers 0 .. n - 1; stopfd is ready for the next ones. */
static void workers_down(struct worker *w, unsigned n, int stopfd)
{
	uint64_t v = 1;

	if (write(stopfd, &v, sizeof(v)) < 0)
		log_warn(-errno, "stopping workers");
	for (unsigned i = 0; i < n; i++)
		worker_join(&w[i]);
	if (read(stopfd, &v, sizeof(v)) < 0)
		log_warn(-errno, "stopping workers");
}

/* Workers whose thread ended (it should not: a poll that fails) are
 * started again on their queues, counted as repairs; their counters
 * stay. */
static void workers_revive(struct worker *w, unsigned n, struct clat *k)
{
	for (unsigned i = 0; i < n; i++) {
		int e;

		if (worker_running(&w[i]))
			continue;
		worker_join(&w[i]);
		w[i].done = false;
		e = worker_start(&w[i]);
		if (e) {
			log_warn(e, "starting the worker for queue %u again",
				 w[i].queue);
			continue;
		}
		k->si.repairs[STATUS_REPAIR_workers]++;
		log_info("the worker for queue %u had stopped: started again",
			 w[i].queue);
	}
}

/* The workers whose thread still runs. */
static unsigned workers_alive(const struct worker *w, unsigned n)
{
	unsigned alive = 0;

	for (unsigned i = 0; i < n; i++)
		alive += worker_running(&w[i]);
	return alive;
}

/* Ready for systemd once translation works (rules, route and workers in
 * place), or once the daemon has waited READY_WAIT_MS for a network that
 * is not there yet; STATUS= follows the state line. */
#define READY_WAIT_MS 10000

static void tell_systemd(struct clat *k, bool *ready, uint64_t since,
			 uint64_t now, char *sent, size_t size)
{
	char msg[340];

	if (strcmp(sent, k->si.state) != 0) {
		snprintf(sent, size, "%s", k->si.state);
		snprintf(msg, sizeof(msg), "STATUS=%s", k->si.state);
		sdnotify("%s", msg);
	}
	if (!*ready && (k->translating || now >= since + READY_WAIT_MS)) {
		*ready = true;
		sdnotify("READY=1");
	}
}

/* SIGHUP: the file read again, with the same arguments on top. A file
 * that no longer parses is refused with the messages of a start, and
 * nothing changes; otherwise what changed is applied in place: workers
 * started or stopped (threads, queues, marks, busy-poll), then
 * clat_reload() and a reconcile for the rest (prefix, address mode, rules, routes, ...).
 * Flows that the change does not concern keep going. */
static void reload(struct config *c, const char *file, bool must,
		   unsigned debug, unsigned quiet, int argc, char **argv,
		   struct clat *k,
		   struct worker *w, unsigned *nworkers,
		   struct xlat_segcache *segs, int stopfd)
{
	struct config nc, old = *c;
	unsigned n;

	log_info("SIGHUP: reading %s again", file);
	if (load_config(&nc, file, must, debug, quiet, argc, argv)) {
		log_warnx("SIGHUP: %s refused; the running configuration "
			  "stays", file);
		return;
	}
	n = workers_for(&nc);
	*c = nc;	/* k->c and k->disc.c point here */
	log_set_level(c->quiet, c->debug);
	if (n != *nworkers || c->queue_num != old.queue_num ||
	    c->queue_length != old.queue_length || c->fwmark != old.fwmark ||
	    c->gso != old.gso || c->busy_poll != old.busy_poll ||
	    c->udp_coalesce != old.udp_coalesce) {
		/* New queues: the old workers go first, so the new ones can
		 * bind their numbers; packets that arrive in between wait in
		 * no queue and are dropped (TCP sends them again). */
		workers_down(w, *nworkers, stopfd);
		k->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + n) : 0;
		*nworkers = workers_up(w, n, c, k, segs, stopfd);
		/* the new workers take the configuration afresh */
		k->xc_published = false;
		log_info("SIGHUP: %u workers, queues %u-%u", *nworkers,
			 c->queue_num,
			 c->queue_num + *nworkers * (c->gso ? 2 : 1) - 1);
	}
	clat_reload(k, &old, *nworkers);
	k->workers_alive = workers_alive(w, *nworkers);
	clat_reconcile(k, discover_now());
	log_info("SIGHUP: %s applied", file);
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_WORKERS];
	static struct xlat_segcache segs;	/* what all workers learn */
	static struct clat k;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = DEFAULT_CONFIG;
	struct periodic per = { 0 };
	unsigned debug = 0, quiet = 0;
	char lockname[64], sockpath[96] = "", sent[320] = "";
	struct mnl_socket *ev = NULL, *nev = NULL;
	struct config c;
	sigset_t sigs;
	unsigned nworkers = 0;
	int opt, lock, stopfd = -1, rc = 1, e, sfd = -1, sigfd = -1, tfd = -1;
	int run_fd = -1;
	bool must = false, print = false, started = false, ready = false;
	uint64_t since;

	if (argc >= 2 && (!strcmp(argv[1], "status") ||
			  !strcmp(argv[1], "metrics")))
		return client_main(argc, argv);
	while ((opt = getopt_long(argc, argv, "c:dqphV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': file = optarg; must = true; break;
		case 'd': debug++; break;
		case 'q': quiet++; break;
		case 'p': print = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("clat-nfq %s\n", CLAT_NFQ_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* The level options apply to the configuration's own messages. */
	log_set_level(quiet, debug);
	if (load_config(&c, file, must, debug, quiet, argc - optind,
			argv + optind))
		return 2;
	log_set_level(c.quiet, c.debug);
	/* An uplink that comes later (a modem's wwan0) is waited for, as
	 * everything else the daemon follows: said once, not refused. */
	if (c.plat_dev[0] && !if_nametoindex(c.plat_dev) && !print)
		log_info("plat-dev=%s: no such interface yet, waiting for it",
			 c.plat_dev);
	nworkers = workers_for(&c);
	if (print)
		return clat_print_rules(&c, nworkers, stdout) ? 1 : 0;

	/* From here on: CAP_NET_ADMIN and CAP_NET_RAW only, no new
	 * privileges, for this thread and the workers it starts. */
	e = privs_drop();
	if (e) {
		log_err(e, "dropping privileges");
		return 1;
	}
	lock = lock_instance(&run_fd, lockname, sizeof(lockname));
	if (lock == -EBUSY) {
		log_errx("another clat-nfq runs in this network namespace "
			 "(%s/%s is locked)", RUNDIR, lockname);
		return 1;
	} else if (lock < 0) {
		if (run_fd >= 0 || lock != -EPERM)
			log_err(lock, "locking %s/%s", RUNDIR, lockname);
		return 1;
	}
	k.run_fd = run_fd;

	/* Signals are taken through signalfd in this thread only. A status
	 * client that hangs up early must not end the daemon: no SIGPIPE,
	 * just EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);	/* a script ended (scripts.h) */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* Events first, so nothing that happens during start-up is missed:
	 * rtnetlink, and nftables (someone else's hands on the tables). */
	ev = rtnl_events_open();
	if (!ev) {
		log_err(-errno, "listening to rtnetlink");
		goto out;
	}
	nev = nftrules_events_open();
	if (!nev) {
		log_err(-errno, "listening to nftables events");
		goto out;
	}
	started = true;
	since = discover_now();
	if (clat_start(&k, &c, nworkers))
		goto out;
	stopfd = eventfd(0, EFD_CLOEXEC);
	if (stopfd < 0) {
		log_err(-errno, "eventfd");
		goto out;
	}
	e = (int)workers_up(workers, nworkers, &c, &k, &segs, stopfd);
	if ((unsigned)e != nworkers) {
		nworkers = (unsigned)e;
		goto out;
	}
	if (c.nft_rules)
		log_info("queue rules use the %s", k.native_queue ?
			 "nft queue expression" :
			 "xtables NFQUEUE target (nft_compat)");
	else
		log_info("nft-rules=no: queue the CLAT's packets to %u-%u "
			 "(IPv6 TCP to %u-%u, where gso=yes) and accept fwmark "
			 "0x%x yourself (clat-nfq -p prints the rules)",
			 c.queue_num, c.queue_num + nworkers - 1,
			 c.queue_num + nworkers, c.queue_num + 2 * nworkers - 1,
			 c.fwmark);
	log_info("%u workers, queues %u-%u%s", nworkers, c.queue_num,
		 c.queue_num + nworkers * (c.gso ? 2 : 1) - 1,
		 c.gso ? " (the upper half for IPv6 TCP with offloads)" : "");
	/* Rules come with the first reconcile: workers listen by then. */
	k.workers_alive = workers_alive(workers, nworkers);
	clat_reconcile(&k, discover_now());
	if (c.nft_rules && k.rules_on && k.rs.queues)
		log_info("nftables tables owned by the daemon: %s",
			 k.si.table_owner);

	sfd = run_path(sockpath, sizeof(sockpath), "sock");	/* in RUNDIR */
	if (!sfd)
		sfd = status_listen(sockpath);
	if (sfd < 0) {
		log_warn(sfd, "status socket %s", sockpath);
		sockpath[0] = 0;
	}
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sigfd < 0 || tfd < 0) {
		log_err(-errno, "signalfd/timerfd");
		goto out;
	}
	per.wd_every = sdnotify_watchdog_ms();
	per.wd_next = discover_now();
	per.metrics_file = c.metrics_file[0] ? c.metrics_file : NULL;
	per.metrics_next = per.wd_next;
	tell_systemd(&k, &ready, since, discover_now(), sent, sizeof(sent));

	for (;;) {
		enum { P_SIG, P_STATUS, P_RTNL, P_NFT, P_RA, P_DNS, P_TIMER,
		       P_N };
		struct pollfd pf[P_N] = {
			[P_SIG] = { .fd = sigfd, .events = POLLIN },
			[P_STATUS] = { .fd = sfd, .events = POLLIN },
			[P_RTNL] = { .fd = mnl_socket_get_fd(ev), .events = POLLIN },
			[P_NFT] = { .fd = mnl_socket_get_fd(nev), .events = POLLIN },
			[P_RA] = { .fd = k.disc.ra_fd, .events = POLLIN },
			[P_DNS] = { .fd = k.disc.dns_fd, .events = POLLIN },
			[P_TIMER] = { .fd = tfd, .events = POLLIN },
		};
		struct signalfd_siginfo ssi;
		bool again = false;
		uint64_t now, t, next;

		now = discover_now();
		next = clat_next(&k, now);
		/* Waiting for readiness ends by itself. */
		if (!ready && since + READY_WAIT_MS < next)
			next = since + READY_WAIT_MS;
		arm(tfd, next, now);
		if (poll(pf, P_N, periodic_timeout(&per, now)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		now = discover_now();
		periodic_run(&per, now, &k, workers, nworkers);
		scripts_reap(&k.scripts, now);
		if (pf[P_STATUS].revents & POLLIN) {
			clat_status_refresh(&k, now);
			status_serve(sfd, &k.si, workers, nworkers);
		}
		if (pf[P_RTNL].revents & POLLIN) {
			unsigned what = rtnl_events_read(ev);

			again |= what != 0;
			log_debug2("rtnetlink events 0x%x", what);
		}
		if ((pf[P_NFT].revents & POLLIN) &&
		    nftrules_events_read(nev, k.nft.portid)) {
			log_debug("nftables: someone else changed the tables");
			clat_rules_tampered(&k);
			again = true;
		}
		if (pf[P_RA].revents & POLLIN)
			again |= discover_ra_read(&k.disc, now);
		if (pf[P_DNS].revents & POLLIN)
			again |= discover_dns_read(&k.disc, now);
		if (pf[P_TIMER].revents & POLLIN) {
			if (read(tfd, &t, sizeof(t)) < 0 && errno != EAGAIN)
				log_warn(-errno, "timerfd");
			again = true;
		}
		/* Timers of discovery (lifetimes, DNS64 queries) are due
		 * whatever woke us. */
		again |= discover_tick(&k.disc, now, !c.plat_prefix_set &&
				       !k.disc.ra_have);
		if (workers_alive(workers, nworkers) != nworkers) {
			workers_revive(workers, nworkers, &k);
			again = true;
		}
		if (again) {
			log_debug("looking at the network again");
			k.workers_alive = workers_alive(workers, nworkers);
			clat_reconcile(&k, now);
		}
		tell_systemd(&k, &ready, since, now, sent, sizeof(sent));
		if (!(pf[P_SIG].revents & POLLIN) ||
		    read(sigfd, &ssi, sizeof(ssi)) != sizeof(ssi))
			continue;
		if (ssi.ssi_signo == SIGCHLD)
			continue;	/* reaped above */
		if (ssi.ssi_signo == SIGUSR1) {
			print_stats(workers, nworkers);
			continue;
		}
		if (ssi.ssi_signo == SIGHUP) {
			reload(&c, file, must, debug, quiet, argc - optind,
			       argv + optind, &k, workers, &nworkers, &segs,
			       stopfd);
			per.metrics_file = c.metrics_file[0] ? c.metrics_file :
					   NULL;
			/* A change of ownership replaced the daemon's socket:
			 * the old one's events are its own, not someone
			 * else's. */
			nftrules_events_read(nev, k.nft.portid);
			tell_systemd(&k, &ready, since, discover_now(), sent,
				     sizeof(sent));
			continue;
		}
		break;
	}
	sdnotify("STOPPING=1\nSTATUS=stopping");
	rc = 0;
out:
	if (stopfd >= 0)
		workers_down(workers, nworkers, stopfd);
	if (nworkers && started)
		print_stats(workers, nworkers);
	if (started)
		clat_stop(&k);
	if (ev)
		mnl_socket_close(ev);
	if (nev)
		mnl_socket_close(nev);
	if (stopfd >= 0)
		close(stopfd);
	if (sfd >= 0)
		close(sfd);
	if (sigfd >= 0)
		close(sigfd);
	if (tfd >= 0)
		close(tfd);
	if (sockpath[0])
		unlink(sockpath);
	unlinkat(run_fd, lockname, 0);
	close(run_fd);
	rmdir(RUNDIR);		/* when empty and ours to remove */
	close(lock);
	return rc;
}
