/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink through libmnl: one request, one acknowledgement. */
#include <errno.h>
#include <stdio.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>

#include "rtnl.h"

/* Send one request and run every answer through cb (NULL for requests
 * answered by an acknowledgement only) until the kernel says it is done:
 * NLMSG_DONE after a dump, the acknowledgement otherwise. 0 or -errno. */
static int exchange(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid;
	int err = 0, r = MNL_CB_OK;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto cleanup;
	}
	portid = mnl_socket_get_portid(nl);
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			err = -errno;
			break;
		}
		if (!rtnl_msgs_valid(buf, (size_t)n)) {
			err = -EBADMSG;
			break;
		}
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
	} while (r > MNL_CB_STOP);
	if (!err && r < 0)
		err = -errno;
cleanup:
	mnl_socket_close(nl);
	return err;
}

/* A dump the kernel interrupted because routes or addresses changed
 * meanwhile (NLM_F_DUMP_INTR, which libmnl reports as EINTR) is asked
 * again from scratch, this many times at most. */
#define DUMP_TRIES 4

static int talk(struct nlmsghdr *nlh)
{
	return exchange(nlh, NULL, NULL);
}

/* A request that creates (or replaces) on add, removes otherwise. */
static struct nlmsghdr *request(char *buf, bool add, uint16_t new_type,
				uint16_t del_type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = add ? new_type : del_type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	return nlh;
}

int rtnl_addr4(bool add, int ifindex, const uint8_t a[4])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, add, RTM_NEWADDR, RTM_DELADDR);
	struct ifaddrmsg *ifa;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 4, a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, a);
	return talk(nlh);
}

int rtnl_default4(bool add, int ifindex, const uint8_t src[4], uint32_t metric,
		  uint32_t mtu, uint32_t advmss)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, add, RTM_NEWROUTE, RTM_DELROUTE);
	struct rtmsg *rtm;
	struct nlattr *mx;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	mnl_attr_put(nlh, RTA_PREFSRC, 4, src);
	if (mtu || advmss) {
		mx = mnl_attr_nest_start(nlh, RTA_METRICS);
		if (mtu)
			mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
		if (advmss)
			mnl_attr_put_u32(nlh, RTAX_ADVMSS, advmss);
		mnl_attr_nest_end(nlh, mx);
	}
	return talk(nlh);
}

int rtnl_link_del(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, false, RTM_NEWLINK, RTM_DELLINK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return talk(nlh);
}

int rtnl_link_alias(int ifindex, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return talk(nlh);
}

int rtnl_link_rp_loose(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *spec, *inet, *conf, *inet6;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { RP_FILTER = 2 } } }:
	 * a device setting through netlink, where /proc/sys may be
	 * read-only (ProtectKernelTunables). */
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_RP_FILTER, 2);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	/* AF_INET6 { ADDR_GEN_MODE none }: the IPv4 device gets no IPv6
	 * link-local address, and so sends no router solicitations or MLD
	 * reports into its own queues. */
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	return talk(nlh);
}

struct alias_get {
	char *out;
	size_t len;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_get *g = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) == IFLA_IFALIAS &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(g->out, g->len, "%s", mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

/* Through netlink, not /sys/class/net: sysfs shows the network namespace
 * it was mounted in, which under a unit's NetworkNamespacePath= is not the
 * daemon's own. */
int rtnl_link_alias_get(const char *name, char *alias, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct alias_get g = { .out = alias, .len = len };
	struct ifinfomsg *ifi;

	if (!len)
		return -EINVAL;
	alias[0] = '\0';
	nlh->nlmsg_type = RTM_GETLINK;
	/* The answer, then an acknowledgement that ends the exchange. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return exchange(nlh, alias_cb, &g);
}

static struct nlmsghdr *dump_request(char *buf, uint16_t type, uint8_t family,
				     size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *h;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	h = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	h[0] = family;		/* rtm_family / ifa_family come first */
	return nlh;
}

struct route4_scan {
	int skip_ifindex;
	int want_ifindex;		/* > 0: only this one, with metric */
	uint32_t metric;
	bool found;
	uint8_t *saved;
	size_t cap, len;
};

int rtnl_parse_default4(const struct nlmsghdr *nlh, int skip_ifindex)
{
	const struct rtmsg *rtm;
	const struct nlattr *a;
	uint32_t table, oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return 0;
	rtm = mnl_nlmsg_get_payload(nlh);
	table = rtm->rtm_table;
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) == RTA_TABLE &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			table = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_OIF &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			oif = mnl_attr_get_u32(a);
	}
	return table == RT_TABLE_MAIN && (int)oif != skip_ifindex;
}

/* The output interface and metric of a route message. */
static void route_oif_metric(const struct nlmsghdr *nlh, uint32_t *oif,
			     uint32_t *metric)
{
	const struct nlattr *a;

	*oif = *metric = 0;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		if (mnl_attr_get_type(a) == RTA_OIF)
			*oif = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_PRIORITY)
			*metric = mnl_attr_get_u32(a);
	}
}

static int route4_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route4_scan *s = data;

	if (s->want_ifindex > 0) {
		uint32_t oif, metric;

		/* a default route of the main table on any other interface
		 * than 0 is one "not on 0": then look at it closely */
		if (!s->found && rtnl_parse_default4(nlh, 0)) {
			route_oif_metric(nlh, &oif, &metric);
			s->found = (int)oif == s->want_ifindex &&
				   metric == s->metric;
		}
		return MNL_CB_OK;
	}
	if (!rtnl_parse_default4(nlh, s->skip_ifindex) || s->found)
		return MNL_CB_OK;
	s->found = true;
	if (s->saved && nlh->nlmsg_len <= s->cap) {
		memcpy(s->saved, nlh, nlh->nlmsg_len);
		s->len = nlh->nlmsg_len;
	}
	return MNL_CB_OK;
}

int rtnl_native_default4(int skip_ifindex, void *saved, size_t *len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route4_scan s;
	int err, tries = 0;

	do {	/* from scratch each time: the callback accumulates */
		s = (struct route4_scan){ .skip_ifindex = skip_ifindex,
					  .saved = saved,
					  .cap = len ? *len : 0 };
		err = exchange(dump_request(buf, RTM_GETROUTE, AF_INET,
					    sizeof(struct rtmsg)), route4_cb, &s);
	} while (err == -EINTR && ++tries < DUMP_TRIES);

	if (err)
		return err;
	if (len)
		*len = s.len;
	return s.found;
}

int rtnl_default4_on(int ifindex, uint32_t metric)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route4_scan s;
	int err, tries = 0;

	do {
		s = (struct route4_scan){ .want_ifindex = ifindex,
					  .metric = metric };
		err = exchange(dump_request(buf, RTM_GETROUTE, AF_INET,
					    sizeof(struct rtmsg)), route4_cb, &s);
	} while (err == -EINTR && ++tries < DUMP_TRIES);
	return err ? err : s.found;
}

struct route6_get {
	int type, oif;
	bool gateway, found;
};

static int route6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route6_get *g = data;
	const struct rtmsg *rtm;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	g->found = true;
	g->type = rtm->rtm_type;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) == RTA_OIF &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			g->oif = (int)mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_GATEWAY)
			g->gateway = true;
	}
	return MNL_CB_OK;
}

int rtnl_route6_get(const uint8_t dst[16], int *type, int *oif,
		    bool *gateway)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route6_get g = { 0 };
	struct rtmsg *rtm;
	int err;

	nlh->nlmsg_type = RTM_GETROUTE;
	/* with an ack after the answer, which ends the exchange */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	mnl_attr_put(nlh, RTA_DST, 16, dst);
	err = exchange(nlh, route6_cb, &g);
	if (err)
		return err;
	if (!g.found)
		return -ENETUNREACH;
	*type = g.type;
	*oif = g.oif;
	*gateway = g.gateway;
	return 0;
}


struct route6dflt_scan {
	int oif;
	uint32_t metric;
};

/* The IPv6 default routes of the main table: the interface of the one
 * with the lowest metric (a multipath route: its first hop). */
static int route6dflt_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route6dflt_scan *s = data;
	const struct rtmsg *rtm;
	const struct nlattr *a;
	uint32_t table, oif = 0, metric = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	table = rtm->rtm_table;
	if (rtm->rtm_family != AF_INET6 || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t == RTA_TABLE && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			table = mnl_attr_get_u32(a);
		else if (t == RTA_OIF &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			oif = mnl_attr_get_u32(a);
		else if (t == RTA_PRIORITY &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			metric = mnl_attr_get_u32(a);
		else if (t == RTA_MULTIPATH && !oif &&
			 mnl_attr_get_payload_len(a) >= sizeof(struct rtnexthop)) {
			struct rtnexthop nh;

			memcpy(&nh, mnl_attr_get_payload(a), sizeof(nh));
			oif = (uint32_t)nh.rtnh_ifindex;
		}
	}
	if (table == RT_TABLE_MAIN && oif && (!s->oif || metric < s->metric)) {
		s->oif = (int)oif;
		s->metric = metric;
	}
	return MNL_CB_OK;
}

int rtnl_default6_oif(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route6dflt_scan s;
	int err, tries = 0;

	do {
		s = (struct route6dflt_scan){ .oif = 0 };
		err = exchange(dump_request(buf, RTM_GETROUTE, AF_INET6,
					    sizeof(struct rtmsg)), route6dflt_cb, &s);
	} while (err == -EINTR && ++tries < DUMP_TRIES);
	return err ? err : s.oif;
}

int rtnl_route_replay(const void *msg, size_t len, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	if (len < NLMSG_HDRLEN + sizeof(struct rtmsg) || len > sizeof(buf))
		return -EINVAL;
	memcpy(buf, msg, len);
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	nlh->nlmsg_pid = 0;
	return talk(nlh);
}

int rtnl_addr6(bool add, int ifindex, const uint8_t a[16], uint8_t plen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(buf, add, RTM_NEWADDR, RTM_DELADDR);
	struct ifa_cacheinfo ci = { .ifa_prefered = 0,
				    .ifa_valid = 0xffffffff };
	struct ifaddrmsg *ifa;

	if (add)	/* new or nothing: a replace would skip DAD */
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				   NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 16, a);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, a);
	if (add) {
		/* Preferred lifetime 0: deprecated, so the host never picks
		 * it as a source (RFC 4862 5.5.4), yet it answers neighbour
		 * discovery and is defended by DAD. */
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
		mnl_attr_put_u8(nlh, IFA_PROTO, RTNL_ADDR_PROTO);
	}
	return talk(nlh);
}

struct addr6_scan {
	int ifindex;			/* 0: any */
	const uint8_t *addr;		/* NULL: any of ours */
	int state;
	unsigned n;
	struct { int ifindex; uint8_t a[16]; uint8_t plen; } found[8];
};

static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr6_scan *s = data;
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	const uint8_t *local = NULL;
	uint32_t flags;
	int proto = -1;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	flags = ifa->ifa_flags;
	if (ifa->ifa_family != AF_INET6 ||
	    (s->ifindex && (int)ifa->ifa_index != s->ifindex))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		uint16_t t = mnl_attr_get_type(a);

		if ((t == IFA_ADDRESS || t == IFA_LOCAL) &&
		    mnl_attr_get_payload_len(a) == 16)
			local = mnl_attr_get_payload(a);
		else if (t == IFA_FLAGS &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			flags = mnl_attr_get_u32(a);
		else if (t == IFA_PROTO &&
			 mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			proto = mnl_attr_get_u8(a);
	}
	if (!local)
		return MNL_CB_OK;
	if (s->addr) {
		if (memcmp(local, s->addr, 16) != 0)
			return MNL_CB_OK;
		s->state = flags & IFA_F_DADFAILED ? RTNL_ADDR_DADFAILED :
			   flags & IFA_F_TENTATIVE ? RTNL_ADDR_TENTATIVE :
			   RTNL_ADDR_OK;
	} else if (proto == RTNL_ADDR_PROTO && s->n < 8) {
		s->found[s->n].ifindex = (int)ifa->ifa_index;
		s->found[s->n].plen = ifa->ifa_prefixlen;
		memcpy(s->found[s->n++].a, local, 16);
	}
	return MNL_CB_OK;
}

int rtnl_addr6_state(int ifindex, const uint8_t a[16])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct addr6_scan s;
	int err, tries = 0;

	do {
		s = (struct addr6_scan){ .ifindex = ifindex, .addr = a,
					 .state = RTNL_ADDR_ABSENT };
		err = exchange(dump_request(buf, RTM_GETADDR, AF_INET6,
					    sizeof(struct ifaddrmsg)), addr6_cb, &s);
	} while (err == -EINTR && ++tries < DUMP_TRIES);

	return err ? err : s.state;
}

int rtnl_addr6_remove_ours(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct addr6_scan s;
	int err, tries = 0;

	do {
		s = (struct addr6_scan){ 0 };
		err = exchange(dump_request(buf, RTM_GETADDR, AF_INET6,
					    sizeof(struct ifaddrmsg)), addr6_cb, &s);
	} while (err == -EINTR && ++tries < DUMP_TRIES);

	for (unsigned i = 0; !err && i < s.n; i++)
		err = rtnl_addr6(false, s.found[i].ifindex, s.found[i].a,
				 s.found[i].plen);
	return err ? err : (int)s.n;
}

struct mnl_socket *rtnl_events_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* IPv4 device settings (rp_filter among them): they decide how the
	 * workers deliver (clat.c). */
	int netconf = RTNLGRP_IPV4_NETCONF;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
				RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
				RTMGRP_IPV6_ROUTE, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &netconf,
				  sizeof(netconf)) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

bool rtnl_msgs_valid(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* Every length inside the buffer, compared unsigned: libmnl's
	 * mnl_nlmsg_ok() casts nlmsg_len to int, so a length above 2 GiB
	 * passes it and mnl_nlmsg_next() walks off the buffer (found by
	 * fuzz_netlink). The kernel never sends that; checked anyway. */
	while (len >= NLMSG_HDRLEN) {
		uint32_t n;

		memcpy(&n, p, sizeof(n));
		if (n < NLMSG_HDRLEN || n > len)
			return false;
		n = NLMSG_ALIGN(n);
		if (n >= len)
			return true;
		p += n;
		len -= n;
	}
	return len == 0;
}

unsigned rtnl_events_classify(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rest = len > INT32_MAX ? INT32_MAX : (int)len;
	unsigned ev = 0;

	if (!rtnl_msgs_valid(buf, len))
		return RTNL_EV_ALL;	/* look at everything again */
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		switch (nlh->nlmsg_type) {
		case RTM_NEWLINK: case RTM_DELLINK:
			ev |= RTNL_EV_LINK;
			break;
		case RTM_NEWADDR: case RTM_DELADDR:
			ev |= RTNL_EV_ADDR;
			break;
		case RTM_NEWNETCONF: case RTM_DELNETCONF:
			ev |= RTNL_EV_NETCONF;
			break;
		case RTM_NEWROUTE: case RTM_DELROUTE:
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct rtmsg))
				ev |= ((const struct rtmsg *)
				       mnl_nlmsg_get_payload(nlh))->rtm_family ==
				      AF_INET ? RTNL_EV_ROUTE4 : RTNL_EV_ROUTE6;
			break;
		default:
			break;
		}
	}
	return ev;
}

unsigned rtnl_events_read(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned ev = 0;
	ssize_t n;

	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			ev |= rtnl_events_classify(buf, (size_t)n);
	/* An overrun lost events: assume everything changed. */
	if (n < 0 && errno == ENOBUFS)
		ev |= RTNL_EV_ALL;
	return ev;
}
