/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reader-less tun device for the CLAT address (see tundev.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tundev.h"

static int tun_open(const char *name, struct ifreq *ifr)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	ifr->ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int link_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
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

int tundev_create(const char *name)
{
	struct ifreq ifr;
	int fd = tun_open(name, &ifr), err, idx;

	if (fd < 0)
		return fd;
	/* The IPv4 originals of translated super-packets are accepted on to
	 * this device only to be discarded: claiming the offloads spares
	 * the kernel cutting each into 45 segments first. Best effort. */
	ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	/* Persistent, then closed: nobody reads, the device discards. */
	err = ioctl(fd, TUNSETPERSIST, 1) < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	err = link_up(name);
	if (err)
		return err;
	idx = (int)if_nametoindex(name);
	return idx ? idx : -errno;
}

int tundev_remove(const char *name)
{
	struct ifreq ifr;
	int fd, err;

	if (!if_nametoindex(name))
		return -ENODEV;
	fd = tun_open(name, &ifr);
	if (fd < 0)
		return fd;
	err = ioctl(fd, TUNSETPERSIST, 0) < 0 ? -errno : 0;
	close(fd);
	return err;
}
