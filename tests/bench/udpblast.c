/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UDP packet-rate sender and sink for tests/bench/bench.sh (iperf3's UDP
 * mode fails on this machine). Packets per second is what the sink counts.
 *
 *   udpblast send ADDRS PORT SIZE SECONDS FLOWS [PPS]
 *	send SIZE-byte datagrams as fast as sendmmsg() goes, round robin
 *	over FLOWS sockets (FLOWS source ports); ADDRS is one address or a
 *	comma-separated list, flow i going to address i modulo its length.
 *	With PPS, at that rate instead: bursts of 8, paced on the clock
 *   udpblast sink PORT SECONDS
 *	count datagrams on [::]:PORT (IPv4 too) for SECONDS from the first;
 *	prints "pps N cpu_s C": C is the whole machine's busy time in that
 *	window (all CPUs' time less idle, iowait and steal: see busy())
 *   udpblast fill ADDRS PORT SIZE COUNT FLOWS
 *	send COUNT datagrams as send does, through socket buffers large
 *	enough that they never wait for the CLAT (bench.sh's drain runs stop
 *	the daemon and let the packets pile up in its queues)
 *   udpblast rsend ADDRS PORT SIZE SECONDS [COUNT [PPS]]
 *	the download sender: wait on [ADDR]:PORT for each IPv6 address in
 *	ADDRS (bound, so the replies leave from it) for "hello" datagrams,
 *	then send to every peer that said hello, as fast as it goes (COUNT
 *	datagrams at most, 0: no limit) or at PPS as send does
 *   udpblast rsink ADDRS PORT SECONDS FLOWS
 *	the download sink: FLOWS sockets say hello to ADDRS:PORT as send
 *	spreads them (opening the flows through NAT and conntrack), then
 *	count as sink does
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFLOWS 64
#define VLEN	 64
#define BURST	 8		/* datagrams per step when paced */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int resolve(const char *host, const char *port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST }, *ai;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int bound6(const char *addr, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port) };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), zero = 0, big = 16 << 20;

	if (fd < 0 || (addr && inet_pton(AF_INET6, addr, &a.sin6_addr) != 1))
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The whole machine's busy time so far, in seconds: the CPUs' time since
 * boot less their idle, iowait and steal time (/proc/stat), on the
 * monotonic clock; -1 when it cannot be read. Only differences mean
 * anything. Not the sum of user, system, irq and softirq: this kernel
 * (CONFIG_TICK_CPU_ACCOUNTING) charges those a whole tick to whatever
 * runs when the tick fires, and a load paced on the clock runs in step
 * with it: the same 50 k packets/s through TAYGA read 4 to 36 us per
 * packet in five runs that way, 23 to 25 us this way. Idle time is
 * measured, not sampled, while the tick is stopped (NO_HZ_IDLE). */
static double busy(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "re");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double t = now();
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user,
		   &nice, &sys, &idle, &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8 || ncpu < 1)
		return -1;
	return t * (double)ncpu -
	       (double)(idle + iowait + steal) / (double)sysconf(_SC_CLK_TCK);
}

/* One sending socket and where its datagrams go: connected (n == 0) or
 * round robin over the n peers in to[]. */
struct out {
	int fd;
	int n;
	struct sockaddr_storage to[MAXFLOWS];
	socklen_t tolen[MAXFLOWS];
};

/* Send until the time is up or max datagrams (0: no limit) are out, one
 * sendmmsg() per socket in turn. A full socket buffer (ENOBUFS, EAGAIN)
 * just means try again. With pps, BURST datagrams per step, each step
 * waiting for its time (a late one does not wait: the rate holds on
 * average). */
static void blast(struct out *o, int nout, size_t size, double secs,
		  unsigned long max, double pps)
{
	static char payload[65536];
	static struct mmsghdr m[MAXFLOWS][VLEN];
	struct iovec iov = { payload, size };
	double start = now(), end = start + secs;
	unsigned long sent = 0;

	for (int k = 0; k < nout; k++)
		for (int i = 0; i < VLEN; i++) {
			m[k][i].msg_hdr = (struct msghdr){ .msg_iov = &iov,
							   .msg_iovlen = 1 };
			if (o[k].n) {
				m[k][i].msg_hdr.msg_name = &o[k].to[i % o[k].n];
				m[k][i].msg_hdr.msg_namelen = o[k].tolen[i % o[k].n];
			}
		}
	for (int k = 0; now() < end && (!max || sent < max);
	     k = (k + 1) % nout) {
		unsigned vlen = pps > 0 ? BURST : VLEN;
		int r;

		if (max && max - sent < vlen)
			vlen = (unsigned)(max - sent);
		if (pps > 0) {
			double due = start + (double)sent / pps;
			struct timespec ts = { (time_t)due,
				(long)((due - (double)(time_t)due) * 1e9) };

			if (due > now())
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&ts, NULL);
		}
		r = sendmmsg(o[k].fd, m[k], vlen, max ? MSG_DONTWAIT : 0);

		if (r > 0)
			sent += (unsigned long)r;
	}
	fprintf(stderr, "udpblast: sent %lu\n", sent);
}

/* Split "a,b,c" in place into at most MAXFLOWS addresses. */
static int split(char *list, char **addr)
{
	int n = 0;

	for (char *t = strtok(list, ","); t && n < MAXFLOWS; t = strtok(NULL, ","))
		addr[n++] = t;
	return n;
}

/* n sockets, socket i connected to addr[i % na]:port. */
static int connected(char *list, const char *port, int n, int *fds)
{
	char *addr[MAXFLOWS];
	int na = split(list, addr);

	if (n < 1 || n > MAXFLOWS || na < 1)
		return -1;
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (resolve(addr[i % na], port, &ss, &sl))
			return -1;
		fds[i] = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&ss, sl) < 0)
			return -1;
	}
	return 0;
}

/* Count datagrams on fds[] for secs from the first one; *cpu: the
 * machine's busy seconds in that window. */
static unsigned long count(int *fds, int n, double secs, double *cpu)
{
	static char bufs[VLEN][2048];
	struct mmsghdr m[VLEN];
	struct iovec iov[VLEN];
	struct pollfd p[MAXFLOWS];
	unsigned long got = 0;
	double end = 0, busy0 = 0;

	*cpu = -1;
	for (int i = 0; i < VLEN; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (;;) {
		double t = now();

		if (end && t >= end)
			break;
		if (poll(p, (nfds_t)n, end ? (int)((end - t) * 1000) + 1 : 30000) <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int r;

			if (!(p[i].revents & POLLIN))
				continue;
			r = recvmmsg(fds[i], m, VLEN, MSG_DONTWAIT, NULL);
			if (r <= 0)
				continue;
			if (!end) {
				busy0 = busy();
				end = now() + secs;
			} else
				got += (unsigned long)r;
		}
	}
	if (end && busy0 >= 0) {
		double b = busy();

		*cpu = b >= 0 ? b - busy0 : -1;
	}
	return got;
}

int main(int argc, char **argv)
{
	int fds[MAXFLOWS], n = 0;

	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "send")) {
		static struct out o[MAXFLOWS];

		n = atoi(argv[6]);
		if (connected(argv[2], argv[3], n, fds))
			return perror("send"), 1;
		for (int i = 0; i < n; i++)
			o[i].fd = fds[i];
		blast(o, n, (size_t)atoi(argv[4]), atof(argv[5]), 0,
		      argc == 8 ? atof(argv[7]) : 0);
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "fill")) {
		static struct out o[MAXFLOWS];
		int big = 256 << 20;

		n = atoi(argv[6]);
		if (connected(argv[2], argv[3], n, fds))
			return perror("fill"), 1;
		for (int i = 0; i < n; i++) {
			o[i].fd = fds[i];
			if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUFFORCE, &big,
				       sizeof(big)) < 0)
				return perror("fill"), 1;
		}
		blast(o, n, (size_t)atoi(argv[4]), 60, strtoul(argv[5], NULL, 10),
		      0);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sink")) {
		double secs = atof(argv[3]), cpu;
		unsigned long got;

		fds[0] = bound6(NULL, atoi(argv[2]));
		if (fds[0] < 0)
			return perror("sink"), 1;
		got = count(fds, 1, secs, &cpu);
		printf("pps %.0f cpu_s %.2f\n", (double)got / secs, cpu);
		return 0;
	}
	if (argc >= 6 && argc <= 8 && !strcmp(argv[1], "rsend")) {
		static struct out o[MAXFLOWS];
		struct pollfd p[MAXFLOWS];
		char *addr[MAXFLOWS], buf[64];
		int na = split(argv[2], addr), peers = 0;
		double until = 0;

		for (int j = 0; j < na; j++) {
			o[j].fd = bound6(addr[j], atoi(argv[3]));
			if (o[j].fd < 0)
				return perror("rsend"), 1;
			p[j] = (struct pollfd){ .fd = o[j].fd, .events = POLLIN };
		}
		/* Collect the peers: hellos for 0.3 s after the first. */
		while (peers < MAXFLOWS && (!until || now() < until)) {
			if (poll(p, (nfds_t)na, until ? 50 : 30000) <= 0) {
				if (until)
					continue;
				return 1;
			}
			for (int j = 0; j < na; j++) {
				struct out *x = &o[j];

				if (!(p[j].revents & POLLIN) || x->n == MAXFLOWS)
					continue;
				x->tolen[x->n] = sizeof(x->to[0]);
				if (recvfrom(x->fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&x->to[x->n],
					     &x->tolen[x->n]) <= 0)
					continue;
				if (!until)
					until = now() + 0.3;
				for (int i = 0; i < x->n; i++)
					if (x->tolen[i] == x->tolen[x->n] &&
					    !memcmp(&x->to[i], &x->to[x->n], x->tolen[i]))
						goto dup;
				x->n++;
				peers++;
dup:;
			}
		}
		/* Reply from the socket each hello came to: the peers'
		 * conntrack entries and NAT mappings name its address and
		 * port. */
		for (int j = 0; j < na; j++)
			if (!o[j].n)
				o[j] = o[--na];
		blast(o, na, (size_t)atoi(argv[4]), atof(argv[5]),
		      argc >= 7 ? strtoul(argv[6], NULL, 10) : 0,
		      argc == 8 ? atof(argv[7]) : 0);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "rsink")) {
		double secs = atof(argv[4]), cpu;
		unsigned long got;

		n = atoi(argv[5]);
		if (connected(argv[2], argv[3], n, fds))
			return perror("rsink"), 1;
		/* Say hello until the first datagram comes back. */
		for (int tries = 0; tries < 100; tries++) {
			struct pollfd p = { .fd = fds[0], .events = POLLIN };

			for (int i = 0; i < n; i++)
				if (send(fds[i], "hello", 5, 0) < 0 && errno != ECONNREFUSED)
					return perror("rsink hello"), 1;
			/* An early hello may bring back port unreachable:
			 * clear the error and keep going. */
			if (poll(&p, 1, 100) > 0 && (p.revents & POLLIN))
				break;
			for (int i = 0; i < n; i++) {
				int e;
				socklen_t el = sizeof(e);

				getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &e, &el);
			}
		}
		got = count(fds, n, secs, &cpu);
		printf("pps %.0f cpu_s %.2f\n", (double)got / secs, cpu);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
