/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLAT prefix discovery (see discover.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "dns64.h"
#include "log.h"
#include "pref64.h"
#include "rtnl.h"

#define DNS_BACKOFF_MIN 1000
#define DNS_BACKOFF_MAX 30000
#define DNS_TTL_MIN 60		/* seconds: refresh no more often */
#define DNS_TTL_MAX 86400

uint64_t discover_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int discover_open(struct discover *d, const struct config *c)
{
	struct icmp6_filter f;
	int on = 1, err;

	*d = (struct discover){ .c = c, .ra_fd = -1, .dns_fd = -1,
				.dns_backoff = DNS_BACKOFF_MIN };
	pref64_set_init(&d->ra_set);
	if (c->plat_prefix_set)
		return 0;
	d->ra_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  IPPROTO_ICMPV6);
	if (d->ra_fd < 0)
		return -errno;
	/* Router advertisements only; the kernel checks the ICMPv6
	 * checksum. Hop limit and source are checked on receipt. */
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &f);
	if (setsockopt(d->ra_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) ||
	    setsockopt(d->ra_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		       sizeof(on)) ||
	    setsockopt(d->ra_fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		       sizeof(on))) {
		err = -errno;
		close(d->ra_fd);
		d->ra_fd = -1;
		return err;
	}
	return 0;
}

void discover_close(struct discover *d)
{
	if (d->ra_fd >= 0)
		close(d->ra_fd);
	if (d->dns_fd >= 0)
		close(d->dns_fd);
	d->ra_fd = d->dns_fd = -1;
}

static bool same_prefix(const struct rfc6052_prefix *a,
			const struct rfc6052_prefix *b)
{
	return a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

/* A sysctl of an IPv6 interface as a number; -1 when unreadable. */
static int conf6(const char *ifname, const char *key)
{
	char path[128];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname,
		 key);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Whether an RA received on ifindex may set the prefix: it came in on the
 * uplink (plat-dev, else the interface of the IPv6 default route), and
 * that interface takes router advertisements as the kernel would
 * (accept_ra 1 unless forwarding, 2 even then: ipv6_accept_ra()). */
static bool ra_from_uplink(const struct discover *d, unsigned ifindex)
{
	char name[IF_NAMESIZE];
	int up, ra, fwd;

	up = d->c->plat_dev[0] ? (int)if_nametoindex(d->c->plat_dev) :
	     rtnl_default6_oif();
	if (up <= 0 || (unsigned)up != ifindex || !if_indextoname(ifindex, name))
		return false;
	ra = conf6(name, "accept_ra");
	fwd = conf6(name, "forwarding");
	return ra == 2 || (ra == 1 && fwd == 0);
}

/* The chosen prefix, for the rest of the daemon. */
static void ra_sync(struct discover *d)
{
	const struct pref64_cand *c = pref64_set_chosen(&d->ra_set);

	d->ra_have = c != NULL;
	if (c) {
		d->ra_prefix = c->prefix;
		d->ra_expires = c->expires;
		d->ra_ifindex = c->ifindex;
	}
}

bool discover_ra_read(struct discover *d, uint64_t now)
{
	bool changed = false;
	static uint8_t buf[9216];	/* an RA as large as a jumbo frame */
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		       CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct sockaddr_in6 from = { .sin6_family = 0 };
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b) };
		struct pref64 p[4];
		unsigned ifindex = 0;
		int hops = -1, n;
		ssize_t len = recvmsg(d->ra_fd, &m, 0);

		if (len < 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm;
		     cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level != IPPROTO_IPV6)
				continue;
			if (cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			} else if (cm->cmsg_type == IPV6_HOPLIMIT) {
				memcpy(&hops, CMSG_DATA(cm), sizeof(hops));
			}
		}
		/* RFC 4861 6.1.2: hop limit 255 and a link-local source,
		 * so it comes from a router on the link. */
		if (hops != 255 || !IN6_IS_ADDR_LINKLOCAL(&from.sin6_addr))
			continue;
		n = pref64_parse_ra(buf, (size_t)len, p, 4);
		if (n <= 0)
			continue;
		if (!ra_from_uplink(d, ifindex)) {
			d->ra_ignored++;
			continue;
		}
		d->ra_count++;
		changed |= pref64_set_ra(&d->ra_set, from.sin6_addr.s6_addr,
					 ifindex, p, n, now);
	}
	ra_sync(d);
	return changed;
}

/* An IPv4 resolver on the dual-stack socket: ::ffff:a.b.c.d. */
static void v4_mapped(const uint8_t v4[4], struct sockaddr_in6 *s)
{
	s->sin6_addr.s6_addr[10] = 0xff;
	s->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s->sin6_addr.s6_addr[12], v4, 4);
}

/* The resolvers: dns64-servers, else the nameserver lines of
 * /etc/resolv.conf, read again for every round (it may appear late). */
static unsigned resolvers(const struct config *c, struct sockaddr_in6 *out,
			  unsigned max)
{
	char line[256], a[64];
	unsigned n = 0;
	FILE *f;

	for (unsigned i = 0; i < c->ndns && n < max; i++) {
		out[n] = (struct sockaddr_in6){ .sin6_family = AF_INET6,
						.sin6_port = htons(53) };
		if (c->dns[i].family == AF_INET6)
			memcpy(&out[n].sin6_addr, c->dns[i].addr, 16);
		else
			v4_mapped(c->dns[i].addr, &out[n]);
		n++;
	}
	if (c->ndns)
		return n;
	f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *pct;
		struct sockaddr_in6 s = { .sin6_family = AF_INET6,
					  .sin6_port = htons(53) };
		struct in_addr v4;

		if (sscanf(line, " nameserver %63s", a) != 1)
			continue;
		pct = strchr(a, '%');	/* fe80::1%eth0 */
		if (pct) {
			*pct = '\0';
			s.sin6_scope_id = if_nametoindex(pct + 1);
		}
		if (inet_pton(AF_INET6, a, &s.sin6_addr) == 1) {
			out[n++] = s;
		} else if (inet_pton(AF_INET, a, &v4) == 1) {
			v4_mapped((const uint8_t *)&v4, &s);
			out[n++] = s;
		}
	}
	fclose(f);
	return n;
}

/* Send the query to every resolver at once; the first good answer wins. */
static void dns_query(struct discover *d)
{
	struct sockaddr_in6 *srv = d->asked;
	uint8_t q[DNS64_QUERY_MAX];
	unsigned n = resolvers(d->c, srv, CONFIG_DNS_MAX);
	size_t len;

	d->nasked = n;

	if (d->dns_fd < 0) {
		int off = 0;

		d->dns_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK |
				   SOCK_CLOEXEC, 0);
		if (d->dns_fd < 0)
			return;
		setsockopt(d->dns_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			   sizeof(off));
	}
	if (getrandom(&d->dns_id, sizeof(d->dns_id), 0) != sizeof(d->dns_id))
		d->dns_id = (uint16_t)(d->dns_id * 31 + 7);
	len = dns64_query(q, d->dns_id);
	d->dns_queries++;
	for (unsigned i = 0; i < n; i++)
		sendto(d->dns_fd, q, len, 0, (struct sockaddr *)&srv[i],
		       sizeof(srv[i]));
}

static bool asked(const struct discover *d, const struct sockaddr_in6 *from)
{
	for (unsigned i = 0; i < d->nasked; i++)
		if (from->sin6_port == d->asked[i].sin6_port &&
		    !memcmp(&from->sin6_addr, &d->asked[i].sin6_addr, 16))
			return true;
	return false;
}

bool discover_dns_read(struct discover *d, uint64_t now)
{
	bool changed = false;
	uint8_t buf[1500];

	for (;;) {
		struct sockaddr_in6 from = { .sin6_family = 0 };
		socklen_t fl = sizeof(from);
		struct rfc6052_prefix p;
		uint32_t ttl;
		ssize_t len = recvfrom(d->dns_fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
		int r;

		if (len < 0)
			break;
		/* Only the servers asked, from port 53, are heard: with the
		 * random id and port that keeps off-path answers out. */
		if (!asked(d, &from))
			continue;
		r = dns64_parse(buf, (size_t)len, d->dns_id, &p, &ttl);
		if (r == -EINVAL)	/* not the answer to our query */
			continue;
		d->dns_id++;		/* later copies are stale */
		if (r == 0) {
			if (!d->dns_have || !same_prefix(&p, &d->dns_prefix))
				changed = true;
			d->dns_have = true;
			d->dns_prefix = p;
			inet_ntop(AF_INET6, &from.sin6_addr, d->dns_from,
				  sizeof(d->dns_from));
			/* RFC 7050 section 3: ask again when the records
			 * expire. */
			ttl = ttl < DNS_TTL_MIN ? DNS_TTL_MIN :
			      ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
			d->dns_next = now + (uint64_t)ttl * 1000;
			d->dns_backoff = DNS_BACKOFF_MIN;
		} else if (d->dns_have) {
			/* The network no longer synthesizes: no DNS64. */
			d->dns_have = false;
			changed = true;
		}
	}
	return changed;
}

bool discover_tick(struct discover *d, uint64_t now, bool want_dns)
{
	bool changed = false;

	if (pref64_set_expire(&d->ra_set, now))
		changed = true;
	ra_sync(d);
	if (want_dns && now >= d->dns_next) {
		dns_query(d);
		/* No answer by then: ask again, backing off. */
		d->dns_next = now + d->dns_backoff;
		if (d->dns_backoff < DNS_BACKOFF_MAX)
			d->dns_backoff *= 2;
		if (d->dns_backoff > DNS_BACKOFF_MAX)
			d->dns_backoff = DNS_BACKOFF_MAX;
	}
	return changed;
}

uint64_t discover_next(const struct discover *d, bool want_dns)
{
	uint64_t next = UINT64_MAX;

	next = pref64_set_next(&d->ra_set);
	if (want_dns && d->dns_next < next)
		next = d->dns_next;
	return next;
}

bool discover_pick(const struct discover *d, struct rfc6052_prefix *p,
		   const char **source)
{
	if (d->c->plat_prefix_set) {
		*p = d->c->plat_prefix;
		*source = "configured";
	} else if (d->ra_have) {
		*p = d->ra_prefix;
		*source = "router advertisement (PREF64)";
	} else if (d->dns_have) {
		*p = d->dns_prefix;
		*source = "DNS64 (ipv4only.arpa)";
	} else if (d->c->fallback_prefix_set) {
		*p = d->c->fallback_prefix;
		*source = "plat-fallback-prefix";
	} else {
		*source = "none";
		return false;
	}
	return true;
}
