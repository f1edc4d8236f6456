/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT device: a tun that the daemon writes into (see tundev.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tundev.h"

static int tun_open(const char *name, struct ifreq *ifr, short flags)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	ifr->ifr_flags = (short)(IFF_TUN | IFF_NO_PI | flags);
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Up, with no transmit queue at all: a tun whose queue has room 0 drops
 * every packet routed to it at once (measured: none waits on the open
 * descriptor), which is all the IPv4 originals need. */
static int link_setup(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_qlen = 0;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
		goto cleanup;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
cleanup:
	close(s);
	return err;
}

int tundev_create(const char *name, int *ifindex)
{
	struct ifreq ifr;
	int fd = tun_open(name, &ifr, IFF_VNET_HDR), err, hsz, idx;

	if (fd < 0)
		return fd;
	/* The IPv4 originals of translated super-packets are routed here
	 * only to be discarded: claiming the offloads spares the kernel
	 * cutting each into 45 segments first. Best effort. */
	ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	/* What the workers write: struct virtio_net_hdr, then the packet
	 * (little-endian fields: virtio 1.0 on a tun, whatever the CPU). */
	hsz = (int)sizeof(struct virtio_net_hdr);
	err = ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0 ? -errno : 0;
	if (!err) {
		int le = 1;

		ioctl(fd, TUNSETVNETLE, &le);	/* absent: LE hosts only */
	}
	/* Persistent: a crash leaves the device to the next run's cleanup,
	 * as with a dummy, instead of the routes vanishing under the
	 * applications. */
	if (!err)
		err = ioctl(fd, TUNSETPERSIST, 1) < 0 ? -errno : 0;
	if (!err)
		err = link_setup(name);
	idx = err ? 0 : (int)if_nametoindex(name);
	if (!err && !idx)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	*ifindex = idx;
	return fd;
}

int tundev_remove(const char *name)
{
	struct ifreq ifr;
	int fd, err;

	if (!if_nametoindex(name))
		return -ENODEV;
	fd = tun_open(name, &ifr, IFF_VNET_HDR);
	if (fd < 0)
		fd = tun_open(name, &ifr, 0);
	if (fd < 0)
		return fd;
	err = ioctl(fd, TUNSETPERSIST, 0) < 0 ? -errno : 0;
	close(fd);
	return err;
}
