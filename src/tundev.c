/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT device: a tun that the daemon writes into (see tundev.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
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

/* Each reader's queue holding qlen packets (a tun's transmit queue is
 * the ring a reader takes from: the device itself queues nothing), and
 * up when asked. */
static int link_setup(const char *name, unsigned qlen, bool up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_qlen = (int)qlen;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (!up)
		goto cleanup;
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

/* Every descriptor of the device asks for the same flags: the kernel
 * takes the device's from the last one attached. */
#define DEV_FLAGS (IFF_VNET_HDR | IFF_MULTI_QUEUE)

/* Offloads claimed: the host's TCP hands a 64 KiB super-packet over
 * whole (GSO, its segment size in the vnet header), and checksums come
 * partial, so neither is done twice. Without them the kernel cuts and
 * sums before the reader sees anything, which is slower but as correct. */
static int set_offload(int fd, bool on)
{
	return ioctl(fd, TUNSETOFFLOAD, on ? TUN_F_CSUM | TUN_F_TSO4 : 0) < 0 ?
	       -errno : 0;
}

/* IFF_ATTACH_QUEUE or IFF_DETACH_QUEUE the descriptor fd. */
static int set_queue(int fd, short how)
{
	struct ifreq q = { .ifr_flags = how };

	return ioctl(fd, TUNSETQUEUE, &q) < 0 ? -errno : 0;
}

int tundev_offload(int fd, bool on)
{
	/* Only a queue may ask: attached for as long as it takes. */
	int err = set_queue(fd, IFF_ATTACH_QUEUE), e;

	if (err)
		return err;
	err = set_offload(fd, on);
	e = set_queue(fd, IFF_DETACH_QUEUE);
	return err ? err : e;
}

int tundev_create(const char *name, bool offload, int *ifindex)
{
	struct ifreq ifr;
	int fd = tun_open(name, &ifr, DEV_FLAGS), err, hsz, idx;

	if (fd < 0)
		return fd;
	set_offload(fd, offload);	/* best effort */
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
	/* This descriptor reads nothing: detached, no packet is steered to
	 * it (each worker attaches its own queue, tundev_queue); it stays
	 * open as the device's handle. */
	if (!err)
		err = set_queue(fd, IFF_DETACH_QUEUE);
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

int tundev_up(const char *name, unsigned qlen)
{
	return link_setup(name, qlen, true);
}

int tundev_qlen(const char *name, unsigned qlen)
{
	return link_setup(name, qlen, false);
}

int tundev_queue(const char *name)
{
	struct ifreq ifr;
	int fd = tun_open(name, &ifr, DEV_FLAGS), err = 0;

	if (fd < 0)
		return fd;
	/* TUNSETIFF makes a device where the name is gone: not ours (ours
	 * is persistent), and closing the descriptor removes it again. */
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		err = -errno;
	else if (!(ifr.ifr_flags & IFF_PERSIST))
		err = -ENODEV;
	if (!err && fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

uint64_t tundev_dropped(const char *name)
{
	char path[64];
	unsigned long long n = 0;
	FILE *f;

	if (strchr(name, '/') || snprintf(path, sizeof(path),
		"/sys/class/net/%s/statistics/tx_dropped", name) >=
	    (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

int tundev_remove(const char *name)
{
	struct ifreq ifr;
	int fd, err;

	if (!if_nametoindex(name))
		return -ENODEV;
	/* This version's device, or an older one's (single queue). */
	fd = tun_open(name, &ifr, DEV_FLAGS);
	if (fd < 0)
		fd = tun_open(name, &ifr, IFF_VNET_HDR);
	if (fd < 0)
		fd = tun_open(name, &ifr, 0);
	if (fd < 0)
		return fd;
	err = ioctl(fd, TUNSETPERSIST, 0) < 0 ? -errno : 0;
	close(fd);
	return err;
}
