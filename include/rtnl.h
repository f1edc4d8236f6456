/* The few rtnetlink operations the daemon needs, through libmnl. All
 * return 0 or -errno. */
#ifndef CLAT_RTNL_H
#define CLAT_RTNL_H

#include <stdbool.h>
#include <stdint.h>

/* Add (add=true) or delete the IPv4 address a/32 on ifindex. */
int rtnl_addr4(bool add, int ifindex, const uint8_t a[4]);

/* Add or delete the IPv4 default route through ifindex with source src,
 * metric, MTU and advertised MSS (0: leave out). */
int rtnl_default4(bool add, int ifindex, const uint8_t src[4], uint32_t metric,
		  uint32_t mtu, uint32_t advmss);

/* Create the up, dummy interface name: its ifindex, or -errno
 * (-EOPNOTSUPP where the kernel has no dummy driver). */
int rtnl_dummy_create(const char *name);

/* Remove the interface name, whatever its kind. */
int rtnl_link_del(const char *name);

/* Set the alias of ifindex (what `ip link` shows as "alias"). */
int rtnl_link_alias(int ifindex, const char *alias);

#endif
