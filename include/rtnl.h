/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The few rtnetlink operations the daemon needs, through libmnl. All
 * return 0 or -errno. */
#ifndef CLAT_RTNL_H
#define CLAT_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Add (add=true) or delete the IPv4 address a/32 on ifindex. */
int rtnl_addr4(bool add, int ifindex, const uint8_t a[4]);

/* Add or delete the IPv4 default route through ifindex with source src,
 * metric, MTU and advertised MSS (0: leave out). */
int rtnl_default4(bool add, int ifindex, const uint8_t src[4], uint32_t metric,
		  uint32_t mtu, uint32_t advmss);

/* Remove the interface name, whatever its kind. */
int rtnl_link_del(const char *name);

/* Loose reverse-path filtering (2) on ifindex, the CLAT device: what
 * arrives on it comes from anywhere through the PLAT, and the kernel takes
 * the larger of "all" and the device's setting, so strict filtering set
 * for "all" no longer drops it while the CLAT's own default route is out
 * (v4-conncheck). And no IPv6 link-local address (addrgenmode none): the
 * IPv4 device sends no IPv6 of its own. Goes with the device. */
int rtnl_link_rp_loose(int ifindex);

/* Set the alias of ifindex (what `ip link` shows as "alias"). */
int rtnl_link_alias(int ifindex, const char *alias);
/* The alias of interface name into alias (empty when it has none): 0 or
 * -errno (-ENODEV when there is no such interface). */
int rtnl_link_alias_get(const char *name, char *alias, size_t len);

/* Addresses clat-nfq adds carry this IFA_PROTO value, so a later run finds
 * a crashed run's and removes them. */
#define RTNL_ADDR_PROTO 0xc1

/* Whether an IPv4 default route of the main table goes through some other
 * interface than skip_ifindex: 1, 0, or -errno. With saved, the first such
 * route's message is copied there (*len: room in, size out) for
 * rtnl_route_replay. */
int rtnl_native_default4(int skip_ifindex, void *saved, size_t *len);
/* Whether nlh is such a route (parsing only): 1 or 0. */
struct nlmsghdr;
int rtnl_parse_default4(const struct nlmsghdr *nlh, int skip_ifindex);
/* The interface of the main table's IPv6 default route (the lowest
 * metric's): its ifindex, 0 when there is none, or -errno. */
int rtnl_default6_oif(void);
/* Add (again) or delete the route a saved message describes. */
int rtnl_route_replay(const void *msg, size_t len, bool add);

/* Add (deprecated, no prefix route, marked as clat-nfq's, DAD by the
 * kernel) or delete the IPv6 address a/plen on ifindex. */
int rtnl_addr6(bool add, int ifindex, const uint8_t a[16], uint8_t plen);
enum { RTNL_ADDR_ABSENT, RTNL_ADDR_TENTATIVE, RTNL_ADDR_DADFAILED,
       RTNL_ADDR_OK };
/* The state of a on ifindex (RTNL_ADDR_*), or -errno. */
int rtnl_addr6_state(int ifindex, const uint8_t a[16]);
/* Remove every IPv6 address marked as clat-nfq's; how many, or -errno. */
int rtnl_addr6_remove_ours(void);

/* Events: links, addresses and routes of both families. */
#define RTNL_EV_LINK	1u
#define RTNL_EV_ADDR	2u
#define RTNL_EV_ROUTE4	4u
#define RTNL_EV_ROUTE6	8u
#define RTNL_EV_NETCONF	16u
#define RTNL_EV_ALL	31u
struct mnl_socket;
/* A non-blocking socket subscribed to them, or NULL (errno set). */
struct mnl_socket *rtnl_events_open(void);
/* Drain it: which kinds of events arrived (RTNL_EV_*). */
unsigned rtnl_events_read(struct mnl_socket *nl);
/* Whether every message length in buf stays inside it (see rtnl.c). */
bool rtnl_msgs_valid(const void *buf, size_t len);
/* Which kinds a buffer of notifications holds (parsing only). */
unsigned rtnl_events_classify(const void *buf, size_t len);

/* Whether the main table has an IPv4 default route through ifindex with
 * this metric: 1, 0, or -errno. */
int rtnl_default4_on(int ifindex, uint32_t metric);

/* How the kernel routes dst now: its type (RTN_*), the output interface
 * and whether through a gateway. 0 or -errno (-ENETUNREACH: no route). */
int rtnl_route6_get(const uint8_t dst[16], int *type, int *oif,
		    bool *gateway);

#endif
