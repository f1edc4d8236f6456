/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status socket (see status.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "status.h"
#include "version.h"

int run_path(char *path, size_t size, const char *ext)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(path, size, RUNDIR "/%llu.%s", (unsigned long long)st.st_ino,
		 ext);
	return 0;
}

static int addr_of(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (snprintf(a->sun_path, sizeof(a->sun_path), "%s", path) >=
	    (int)sizeof(a->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int status_listen(const char *path)
{
	struct sockaddr_un a;
	int fd, err = addr_of(path, &a);
	mode_t old;

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);	/* a crashed run's: the lock says it is gone */
	/* Created 0600 (no chmod afterwards: that would follow a link). */
	old = umask(077);
	err = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (err < 0 || listen(fd, 8) < 0) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

/* The counters every report carries, in a fixed order. */
#define COUNTERS(X, s)							\
	X("received", (s).rx)						\
	X("translated_4to6", (s).xlat_4to6)				\
	X("translated_6to4", (s).xlat_6to4)				\
	X("icmp_errors_sent", (s).icmp_errors)				\
	X("send_errors", (s).send_errors)				\
	X("verdict_errors", (s).verdict_errors)				\
	X("unconfigured_dropped", (s).unconfigured)			\
	X("queue_overflows", (s).overflows)				\
	X("offloaded_super_packets", (s).offloaded)

/* RFC 7757 mappings, one line each (text) or an array of strings (JSON:
 * addresses and digits only). */
static void eam_text(FILE *f, const struct status_info *si)
{
	char buf[80];

	for (unsigned i = 0; si->eam && i < si->eam->n; i++)
		fprintf(f, "eam: %s\n",
			xlat_eam_format(&si->eam->e[i], buf, sizeof(buf)));
}

static void eam_json(FILE *f, const struct status_info *si)
{
	char buf[80];

	fprintf(f, ",\"eam\":[");
	for (unsigned i = 0; si->eam && i < si->eam->n; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "",
			xlat_eam_format(&si->eam->e[i], buf, sizeof(buf)));
	fputc(']', f);
}

/* The kernel's drops on the daemon's queues, both ranges. */
static void kdrops(const struct status_info *si, unsigned n, uint64_t *full,
		   uint64_t *undeliverable)
{
	uint64_t a, b;

	worker_kernel_drops(si->queue_num, n, full, undeliverable);
	if (si->gso_queue_num) {
		worker_kernel_drops(si->gso_queue_num, n, &a, &b);
		*full += a;
		*undeliverable += b;
	}
}

static unsigned long long uptime(const struct status_info *si)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec > si->started ?
	       (unsigned long long)(ts.tv_sec - si->started) : 0;
}

static void text(FILE *f, const struct status_info *si,
		 const struct worker *w, unsigned n)
{
	struct worker_stats t, s;
	uint64_t full, undeliverable;

	worker_stats_sum(w, n, &t);
	kdrops(si, n, &full, &undeliverable);
	fprintf(f, "clat-nfq %s: running, pid %ld, up %llu s\n"
		"state: %s\n"
		"plat-prefix: %s (%s)\n"
		"clat-v4-addr: %s on %s (%s)\n"
		"clat-v6-addr: %s (%s%s%s)\n"
		"plat-dev: %s\n"
		"rules: %s%s, tables owned: %s\n"
		"delivery to the host: %s\n"
		"workers: %u, queues %u-%u",
		CLAT_NFQ_VERSION, (long)getpid(), uptime(si), si->state,
		si->plat_prefix, si->prefix_source,
		si->clat4, si->clat_dev, si->clat_dev_kind, si->clat6, si->v6_mode,
		si->v6_how[0] ? ", " : "", si->v6_how,
		si->plat_dev, si->queue_kind,
		si->fail_open ? ", fail-open for IPv4" : "", si->table_owner,
		si->delivery, n, si->queue_num,
		si->queue_num + n - 1);
	if (si->gso_queue_num)
		fprintf(f, ", TCP with offloads %u-%u", si->gso_queue_num,
			si->gso_queue_num + n - 1);
	fputc('\n', f);
	eam_text(f, si);
#define TEXT(name, v) fprintf(f, "%s: %llu\n", name, (unsigned long long)(v));
	COUNTERS(TEXT, t)
	TEXT("queue_full_dropped", full)
	TEXT("queue_undeliverable_dropped", undeliverable)
	TEXT("pref64_ras_accepted", si->ra_accepted)
	TEXT("pref64_ras_ignored", si->ra_ignored)
	for (int r = 1; r < XLAT_R_COUNT; r++)
		if (t.drop[r])
			fprintf(f, "dropped %s: %llu\n",
				xlat_reason_name((enum xlat_reason)r),
				(unsigned long long)t.drop[r]);
	fprintf(f, "repairs:");
#define TEXT_REPAIR(k) fprintf(f, " %s %llu", #k,			\
			       (unsigned long long)si->repairs[STATUS_REPAIR_##k]);
	STATUS_REPAIRS(TEXT_REPAIR)
	fputc('\n', f);
	if (si->last_repair[0])
		fprintf(f, "last repair: %s\n", si->last_repair);
	for (unsigned i = 0; i < n; i++) {
		worker_stats_read(&w[i], &s);
		fprintf(f, "worker %u (queue %u): received %llu, 4to6 %llu, "
			"6to4 %llu\n", i, si->queue_num + i,
			(unsigned long long)s.rx,
			(unsigned long long)s.xlat_4to6,
			(unsigned long long)s.xlat_6to4);
	}
}

static void json(FILE *f, const struct status_info *si,
		 const struct worker *w, unsigned n)
{
	struct worker_stats t, s;
	uint64_t full, undeliverable;
	const char *sep = "";

	worker_stats_sum(w, n, &t);
	kdrops(si, n, &full, &undeliverable);
	/* Every string here is an address, a name from the configuration
	 * (interface names carry no quotes or backslashes) or a constant. */
	fprintf(f, "{\"version\":\"%s\",\"pid\":%ld,\"uptime_s\":%llu,"
		"\"state\":\"%s\",\"plat_prefix\":\"%s\","
		"\"plat_prefix_source\":\"%s\",\"clat_v4_addr\":\"%s\","
		"\"clat_v6_addr\":\"%s\",\"clat_v6_mode\":\"%s\","
		"\"clat_v6_how\":\"%s\",\"table_owner\":\"%s\","
		"\"plat_dev\":\"%s\",\"clat_dev\":\"%s\","
		"\"clat_dev_kind\":\"%s\",\"rules\":\"%s\","
		"\"delivery\":\"%s\",\"fail_open\":%s,\"workers\":%u,\"queue_num\":%u,"
		"\"gso_queue_num\":%u,\"counters\":{",
		CLAT_NFQ_VERSION, (long)getpid(), uptime(si), si->state,
		si->plat_prefix, si->prefix_source,
		si->clat4, si->clat6, si->v6_mode, si->v6_how, si->table_owner,
		si->plat_dev, si->clat_dev,
		si->clat_dev_kind, si->queue_kind,
		si->delivery,
		si->fail_open ? "true" : "false", n, si->queue_num,
		si->gso_queue_num);
#define JSON(name, v) fprintf(f, "%s\"%s\":%llu", sep, name,		\
			      (unsigned long long)(v)); sep = ",";
	COUNTERS(JSON, t)
	JSON("queue_full_dropped", full)
	JSON("queue_undeliverable_dropped", undeliverable)
	JSON("pref64_ras_accepted", si->ra_accepted)
	JSON("pref64_ras_ignored", si->ra_ignored)
	fprintf(f, ",\"dropped\":{");
	sep = "";
	for (int r = 1; r < XLAT_R_COUNT; r++) {
		fprintf(f, "%s\"%s\":%llu", sep,
			xlat_reason_name((enum xlat_reason)r),
			(unsigned long long)t.drop[r]);
		sep = ",";
	}
	fprintf(f, "}},\"repairs\":{");
	sep = "";
#define JSON_REPAIR(k) fprintf(f, "%s\"%s\":%llu", sep, #k,		\
			       (unsigned long long)si->repairs[STATUS_REPAIR_##k]); \
	sep = ",";
	STATUS_REPAIRS(JSON_REPAIR)
	/* A time and constant text. */
	fprintf(f, "},\"last_repair\":\"%s\",\"per_worker\":[", si->last_repair);
	for (unsigned i = 0; i < n; i++) {
		worker_stats_read(&w[i], &s);
		fprintf(f, "%s{\"queue\":%u,", i ? "," : "",
			si->queue_num + i);
		sep = "";
		COUNTERS(JSON, s)
		fputc('}', f);
	}
	fputc(']', f);
	eam_json(f, si);
	fprintf(f, "}\n");
}

void status_serve(int lfd, const struct status_info *si,
		  const struct worker *w, unsigned n)
{
	struct timeval tv = { 0, 200000 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char req[16] = "";
	ssize_t got;
	FILE *f;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	/* The socket file is 0600 already; the peer's credentials are
	 * checked too, so a descriptor passed on does not open it up. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		fprintf(f, "clat-nfq: status is for root only\n");
		fclose(f);
		return;
	}
	got = read(fd, req, sizeof(req) - 1);
	if (got > 0 && !strncmp(req, "json", 4))
		json(f, si, w, n);
	else
		text(f, si, w, n);
	fclose(f);
}

int status_client(bool as_json)
{
	char path[96], buf[4096];
	struct sockaddr_un a;
	ssize_t got;
	int fd;

	if (run_path(path, sizeof(path), "sock") || addr_of(path, &a))
		return 1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "clat-nfq status: no daemon answers on %s: "
			"%s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, as_json ? "json\n" : "text\n", 5) != 5) {
		close(fd);
		return 1;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			break;
	close(fd);
	return 0;
}
