/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status socket (see status.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "status.h"
#include "tundev.h"
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
	X("queue_overflows", (s).overflows)				\
	X("offloaded_super_packets", (s).offloaded)			\
	X("udp_coalesced", (s).coalesced)				\
	X("verdict_errors", (s).verdict_errors)				\
	X("unconfigured_dropped", (s).unconfigured)

/* RFC 7757 mappings, one line each (text) or an array of strings (JSON:
 * addresses and digits only). */
static void eam_text(FILE *f, const struct status_info *si)
{
	char buf[80];

	for (unsigned i = 0; si->eam && i < si->eam->n; i++)
		fprintf(f, "eam: %s\n",
			xlat_eam_format(&si->eam->e[i], buf, sizeof(buf)));
}

/* v as a JSON string, whatever bytes it holds (an interface name may
 * carry quotes, backslashes, bytes above 0x7f): every string value of the
 * JSON goes through here. */
static void jval(FILE *f, const char *v)
{
	char buf[JSON_ESCAPED_MAX(256)];

	json_escape(buf, sizeof(buf), v ? v : "", v ? strnlen(v, 256) : 0);
	fputs(buf, f);
}

/* sep "name": value. */
static void jstr(FILE *f, const char *sep, const char *name, const char *v)
{
	fprintf(f, "%s\"%s\":", sep, name);
	jval(f, v);
}

static void eam_json(FILE *f, const struct status_info *si)
{
	char buf[80];

	fprintf(f, ",\"eam\":[");
	for (unsigned i = 0; si->eam && i < si->eam->n; i++) {
		fputs(i ? "," : "", f);
		jval(f, xlat_eam_format(&si->eam->e[i], buf, sizeof(buf)));
	}
	fputc(']', f);
}

/* The kernel's drops on the daemon's queues: both NFQUEUE ranges, and
 * the CLAT device's queues (IPv4 to translation). */
static void kdrops(const struct status_info *si, unsigned n, uint64_t *full,
		   uint64_t *undeliverable)
{
	uint64_t a, b;

	worker_kernel_drops(si->queue_num, n, full, undeliverable);
	*full += tundev_dropped(si->clat_dev);
	if (si->gso_queue_num) {
		worker_kernel_drops(si->gso_queue_num, n, &a, &b);
		*full += a;
		*undeliverable += b;
	}
}

static unsigned long long uptime_s(const struct status_info *si)
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
		"rules: %s, tables owned: %s\n"
		"delivery to the host: %s\n"
		"workers: %u, queues %u-%u",
		CLAT_NFQ_VERSION, (long)getpid(), uptime_s(si),
		si->state, si->plat_prefix, si->prefix_source,
		si->clat4, si->clat_dev, si->clat_dev_kind, si->clat6, si->v6_mode,
		si->v6_how[0] ? ", " : "", si->v6_how,
		si->plat_dev, si->queue_kind, si->table_owner,
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
	/* The schema is in clat-nfq(8), STATUS. Names are constants; every
	 * string value goes through the escaper. */
	fprintf(f, "{\"pid\":%ld", (long)getpid());
	jstr(f, ",", "version", CLAT_NFQ_VERSION);
	fprintf(f, ",\"uptime_seconds\":%llu", uptime_s(si));
	jstr(f, ",", "state", si->state);
	fprintf(f, ",\"translating\":%s",
		strncmp(si->state, "translating", 11) ? "false" : "true");
	jstr(f, ",", "plat_prefix", si->plat_prefix);
	jstr(f, ",", "plat_prefix_source", si->prefix_source);
	if (si->prefix_lifetime >= 0)
		fprintf(f, ",\"plat_prefix_lifetime_seconds\":%lld",
			si->prefix_lifetime);
	else
		fprintf(f, ",\"plat_prefix_lifetime_seconds\":null");
	jstr(f, ",", "clat_v4_addr", si->clat4);
	jstr(f, ",", "clat_v6_addr", si->clat6);
	jstr(f, ",", "clat_v6_mode", si->v6_mode);
	jstr(f, ",", "clat_v6_how", si->v6_how);
	jstr(f, ",", "table_owner", si->table_owner);
	jstr(f, ",", "plat_dev", si->plat_dev);
	jstr(f, ",", "clat_dev", si->clat_dev);
	jstr(f, ",", "clat_dev_kind", si->clat_dev_kind);
	jstr(f, ",", "rules", si->queue_kind);
	jstr(f, ",", "delivery", si->delivery);
	fprintf(f, ",\"workers\":%u,\"queue_num\":%u,"
		"\"gso_queue_num\":%u,\"counters\":{",
		n, si->queue_num,
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
	fputc('}', f);
	jstr(f, ",", "last_repair", si->last_repair);
	fprintf(f, ",\"per_worker\":[");
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

/* Prometheus' text format, version 0.0.4: a HELP and a TYPE line per
 * family, then its samples; counters end in _total. */
static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP clat_nfq_%s %s\n# TYPE clat_nfq_%s %s\n", name,
		help, name, type);
}

/* A label value: backslash, quote and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void status_metrics(FILE *f, const struct status_info *si,
		    const struct worker *w, unsigned n)
{
	struct worker_stats t, s;
	uint64_t full, undeliverable;
#define ULL(v) ((unsigned long long)(v))

	worker_stats_sum(w, n, &t);
	kdrops(si, n, &full, &undeliverable);
	family(f, "info", "gauge", "The running clat-nfq: version, CLAT "
	       "addresses and PLAT prefix as labels, always 1.");
	fprintf(f, "clat_nfq_info{version=\"");
	label_value(f, CLAT_NFQ_VERSION);
	fprintf(f, "\",clat_v4_addr=\"");
	label_value(f, si->clat4);
	fprintf(f, "\",clat_v6_addr=\"");
	label_value(f, si->clat6);
	fprintf(f, "\",plat_prefix=\"");
	label_value(f, si->plat_prefix);
	fprintf(f, "\"} 1\n");
	family(f, "translating", "gauge",
	       "1 while the CLAT translates, 0 while it waits or stands aside.");
	fprintf(f, "clat_nfq_translating %d\n",
		strncmp(si->state, "translating", 11) ? 0 : 1);
	family(f, "uptime_seconds", "gauge", "Seconds since the daemon started.");
	fprintf(f, "clat_nfq_uptime_seconds %llu\n", uptime_s(si));
	if (si->prefix_lifetime >= 0) {
		family(f, "plat_prefix_lifetime_seconds", "gauge",
		       "Seconds left of the PLAT prefix from PREF64 (RFC 8781).");
		fprintf(f, "clat_nfq_plat_prefix_lifetime_seconds %lld\n",
			si->prefix_lifetime);
	}
	family(f, "workers", "gauge", "Translation workers (one NFQUEUE each).");
	fprintf(f, "clat_nfq_workers %u\n", n);
	family(f, "received_packets_total", "counter",
	       "Packets the workers took from their queues.");
	fprintf(f, "clat_nfq_received_packets_total %llu\n", ULL(t.rx));
	family(f, "translated_packets_total", "counter",
	       "Packets translated, by direction.");
	fprintf(f, "clat_nfq_translated_packets_total{direction=\"4to6\"} %llu\n"
		"clat_nfq_translated_packets_total{direction=\"6to4\"} %llu\n",
		ULL(t.xlat_4to6), ULL(t.xlat_6to4));
	family(f, "dropped_packets_total", "counter",
	       "Packets the translator dropped, by reason.");
	for (int r = 1; r < XLAT_R_COUNT; r++)
		fprintf(f, "clat_nfq_dropped_packets_total{reason=\"%s\"} %llu\n",
			xlat_reason_name((enum xlat_reason)r), ULL(t.drop[r]));
	family(f, "icmp_errors_sent_total", "counter",
	       "ICMP errors the translator sent back (RFC 7915).");
	fprintf(f, "clat_nfq_icmp_errors_sent_total %llu\n", ULL(t.icmp_errors));
	family(f, "send_errors_total", "counter",
	       "Translated packets a socket refused.");
	fprintf(f, "clat_nfq_send_errors_total %llu\n", ULL(t.send_errors));
	family(f, "receive_overruns_total", "counter",
	       "Times a worker's netlink receive buffer overflowed (ENOBUFS).");
	fprintf(f, "clat_nfq_receive_overruns_total %llu\n", ULL(t.overflows));
	family(f, "offloaded_super_packets_total", "counter",
	       "TCP super-packets taken whole from the offloading queues.");
	fprintf(f, "clat_nfq_offloaded_super_packets_total %llu\n",
		ULL(t.offloaded));
	family(f, "udp_coalesced_total", "counter",
	       "UDP datagrams for the host that went into the CLAT device "
	       "inside another's super-packet.");
	fprintf(f, "clat_nfq_udp_coalesced_total %llu\n", ULL(t.coalesced));
	family(f, "verdict_errors_total", "counter",
	       "Verdicts not sent to the kernel, or refused by it.");
	fprintf(f, "clat_nfq_verdict_errors_total %llu\n", ULL(t.verdict_errors));
	family(f, "unconfigured_dropped_packets_total", "counter",
	       "Packets dropped before the workers had a configuration.");
	fprintf(f, "clat_nfq_unconfigured_dropped_packets_total %llu\n",
		ULL(t.unconfigured));
	family(f, "repairs_total", "counter",
	       "Changes by others to what the daemon installed, put right, by "
	       "kind.");
#define PROM_REPAIR(k) fprintf(f, "clat_nfq_repairs_total{kind=\"%s\"} %llu\n", \
			       #k, ULL(si->repairs[STATUS_REPAIR_##k]));
	STATUS_REPAIRS(PROM_REPAIR)
	family(f, "kernel_queue_dropped_packets_total", "counter",
	       "Packets the kernel dropped on the daemon's queues, by cause.");
	fprintf(f, "clat_nfq_kernel_queue_dropped_packets_total{cause=\"queue_full\"} %llu\n"
		"clat_nfq_kernel_queue_dropped_packets_total{cause=\"undeliverable\"} %llu\n",
		ULL(full), ULL(undeliverable));
	family(f, "worker_received_packets_total", "counter",
	       "Packets each worker took from its queue.");
	for (unsigned i = 0; i < n; i++) {
		worker_stats_read(&w[i], &s);
		fprintf(f, "clat_nfq_worker_received_packets_total{worker=\"%u\","
			"queue=\"%u\"} %llu\n", i, si->queue_num + i, ULL(s.rx));
	}
	family(f, "worker_translated_packets_total", "counter",
	       "Packets each worker translated, by direction.");
	for (unsigned i = 0; i < n; i++) {
		worker_stats_read(&w[i], &s);
		fprintf(f, "clat_nfq_worker_translated_packets_total{worker=\"%u\","
			"queue=\"%u\",direction=\"4to6\"} %llu\n"
			"clat_nfq_worker_translated_packets_total{worker=\"%u\","
			"queue=\"%u\",direction=\"6to4\"} %llu\n",
			i, si->queue_num + i, ULL(s.xlat_4to6),
			i, si->queue_num + i, ULL(s.xlat_6to4));
	}
#undef ULL
}

int status_metrics_file(const char *path, const struct status_info *si,
			const struct worker *w, unsigned n)
{
	char tmp[CONFIG_PATH_MAX + 16];
	FILE *f;
	int fd, err = 0;

	/* A fresh name in the same directory (rename(2) is atomic only
	 * within one file system), never an existing file or a link. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0) {
		err = -errno;
		close(fd);
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto cleanup;
	}
	status_metrics(f, si, w, n);
	if (fflush(f) != 0 || ferror(f))
		err = -errno ? -errno : -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
cleanup:
	if (err)
		unlink(tmp);
	return err;
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
	else if (got > 0 && !strncmp(req, "metrics", 7))
		status_metrics(f, si, w, n);
	else
		text(f, si, w, n);
	fclose(f);
}

int status_client(enum status_kind kind)
{
	static const char *const req[] = {
		[STATUS_TEXT] = "text\n", [STATUS_JSON] = "json\n",
		[STATUS_METRICS] = "metrics\n",
	};
	size_t len = strlen(req[kind]);
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
	if (write(fd, req[kind], len) != (ssize_t)len) {
		close(fd);
		return 1;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			break;
	close(fd);
	return 0;
}
