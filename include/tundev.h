/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT's IPv4 interface where the kernel has no dummy driver: a tun
 * device with no reader. Locally generated packets routed to it still
 * pass the output hooks (where they are queued and translated) and are
 * then discarded by the device. */
#ifndef CLAT_TUNDEV_H
#define CLAT_TUNDEV_H

/* Create (or take over) the persistent device name; its ifindex or -errno. */
int tundev_create(const char *name);

/* Remove it; 0 or -errno (-ENODEV when it is not there). */
int tundev_remove(const char *name);

#endif
