/* UDP packet-rate sender and sink for tests/bench/bench.sh (iperf3's UDP
 * mode fails on this machine). Packets per second is what the sink counts.
 *
 *   udpblast send ADDR PORT SIZE SECONDS FLOWS
 *	send SIZE-byte datagrams to ADDR:PORT as fast as sendmmsg() goes,
 *	round robin over FLOWS sockets (FLOWS source ports)
 *   udpblast sink PORT SECONDS
 *	count datagrams on [::]:PORT (IPv4 too) for SECONDS from the first;
 *	prints "pps N"
 *   udpblast rsend ADDR PORT SIZE SECONDS
 *	the download sender: wait on [ADDR]:PORT (an IPv6 address, so the
 *	replies leave from it) for "hello" datagrams, then send to every peer
 *	that said hello, as fast as it goes
 *   udpblast rsink ADDR PORT SECONDS FLOWS
 *	the download sink: FLOWS sockets say hello to ADDR:PORT (opening the
 *	flows through NAT and conntrack), then count as sink does
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

/* Send until the time is up, from fds[] round robin (connected sockets;
 * to == NULL) or from fds[0] to the n destinations in to[]. A full socket
 * buffer (ENOBUFS, EAGAIN) just means try again. */
static void blast(const int *fds, struct sockaddr_storage *to,
		  const socklen_t *tolen, int n, size_t size, double secs)
{
	static char payload[65536];
	struct mmsghdr m[VLEN];
	struct iovec iov = { payload, size };
	double end = now() + secs;
	unsigned long sent = 0;

	for (int i = 0; i < VLEN; i++) {
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1 };
		if (to) {
			m[i].msg_hdr.msg_name = &to[i % n];
			m[i].msg_hdr.msg_namelen = tolen[i % n];
		}
	}
	for (int k = 0; now() < end; k = (k + 1) % n) {
		int r = sendmmsg(fds[to ? 0 : k], m, VLEN, 0);

		if (r > 0)
			sent += (unsigned long)r;
	}
	fprintf(stderr, "udpblast: sent %lu\n", sent);
}

/* Count datagrams on fds[] for secs from the first one. */
static unsigned long count(int *fds, int n, double secs)
{
	static char bufs[VLEN][2048];
	struct mmsghdr m[VLEN];
	struct iovec iov[VLEN];
	struct pollfd p[MAXFLOWS];
	unsigned long got = 0;
	double end = 0;

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
			if (!end)
				end = now() + secs;
			else
				got += (unsigned long)r;
		}
	}
	return got;
}

int main(int argc, char **argv)
{
	int fds[MAXFLOWS], n = 0;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (argc == 7 && !strcmp(argv[1], "send")) {
		n = atoi(argv[6]);
		if (n < 1 || n > MAXFLOWS || resolve(argv[2], argv[3], &ss, &sl))
			return 2;
		for (int i = 0; i < n; i++) {
			fds[i] = socket(ss.ss_family, SOCK_DGRAM, 0);
			if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&ss, sl) < 0)
				return perror("send"), 1;
		}
		blast(fds, NULL, NULL, n, (size_t)atoi(argv[4]), atof(argv[5]));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sink")) {
		double secs = atof(argv[3]);

		fds[0] = bound6(NULL, atoi(argv[2]));
		if (fds[0] < 0)
			return perror("sink"), 1;
		printf("pps %.0f\n", (double)count(fds, 1, secs) / secs);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "rsend")) {
		struct sockaddr_storage peer[MAXFLOWS];
		socklen_t plen[MAXFLOWS];
		int s = bound6(argv[2], atoi(argv[3]));
		char buf[64];
		double until = 0;

		if (s < 0)
			return perror("rsend"), 1;
		/* Collect the peers: hellos for 0.3 s after the first. */
		while (n < MAXFLOWS && (!until || now() < until)) {
			struct pollfd p = { .fd = s, .events = POLLIN };

			if (poll(&p, 1, until ? 50 : 30000) <= 0) {
				if (until)
					continue;
				return 1;
			}
			plen[n] = sizeof(peer[n]);
			if (recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer[n], &plen[n]) <= 0)
				continue;
			if (!until)
				until = now() + 0.3;
			for (int i = 0; i < n; i++)
				if (plen[i] == plen[n] && !memcmp(&peer[i], &peer[n], plen[n]))
					goto dup;
			n++;
dup:;
		}
		/* Reply from the socket the hellos came to: the peers'
		 * conntrack entries and NAT mappings name its port. */
		blast(&s, peer, plen, n, (size_t)atoi(argv[4]), atof(argv[5]));
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "rsink")) {
		double secs = atof(argv[4]);
		unsigned long got;

		n = atoi(argv[5]);
		if (n < 1 || n > MAXFLOWS || resolve(argv[2], argv[3], &ss, &sl))
			return 2;
		for (int i = 0; i < n; i++) {
			fds[i] = socket(ss.ss_family, SOCK_DGRAM, 0);
			if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&ss, sl) < 0)
				return perror("rsink"), 1;
		}
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
		got = count(fds, n, secs);
		printf("pps %.0f\n", (double)got / secs);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
