/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT's IPv4 interface: a tun device written with a vnet header.
 *
 * Out: locally generated IPv4 routed to it passes the output hooks (where
 * it is queued and translated) and is then dropped by the device, whose
 * transmit queue holds nothing. In: the workers write the translations for
 * the host into the descriptor, so the kernel receives them on this
 * device (`iif clat` for the host firewall, reverse path checked against
 * the CLAT's route), with their offloads (a partial checksum, a TCP
 * super-packet) described in the vnet header. */
#ifndef CLAT_TUNDEV_H
#define CLAT_TUNDEV_H

/* Create (or take over) the persistent device name, up: the descriptor
 * the workers write to (*ifindex set), or -errno. */
int tundev_create(const char *name, int *ifindex);

/* Remove it; 0 or -errno (-ENODEV when it is not there). */
int tundev_remove(const char *name);

#endif
