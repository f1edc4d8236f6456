/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The run directory (see rundir.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rundir.h"
#include "status.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static bool systemd_private_link(void)
{
	static const char want[] = "private/" RUNDIR_NAME;
	char target[sizeof(want) + 1];
	struct stat st;
	ssize_t n;

	if (lstat(RUNDIR, &st) < 0 || !S_ISLNK(st.st_mode) || st.st_uid != 0)
		return false;
	n = readlink(RUNDIR, target, sizeof(target));
	return n == (ssize_t)sizeof(want) - 1 && !memcmp(target, want, (size_t)n);
}

int rundir_stat(struct stat *st)
{
	if (lstat(RUNDIR, st) < 0)
		return -errno;
	if (S_ISLNK(st->st_mode) && systemd_private_link() &&
	    stat(RUNDIR, st) < 0)
		return -errno;
	return 0;
}

int rundir_open(void)
{
	struct stat st;
	int fd, err;

	if (mkdir(RUNDIR, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		log_warn(err, "creating %s", RUNDIR);
		return err;
	}
	fd = open(RUNDIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* One symbolic link is systemd's own: with DynamicUser= and
	 * RuntimeDirectoryPreserve= the directory lives in /run/private and
	 * RUNDIR links to it. Followed only when root made it and it says
	 * exactly that; the directory it leads to is checked below as any. */
	if (fd < 0 && errno == ENOTDIR && systemd_private_link())
		fd = open(RUNDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_warn(err, "%s (a symbolic link, or not a directory?)",
			 RUNDIR);
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0700) {
		log_warnx("%s is owned by uid %u with mode %04o: refusing it "
			  "(it must be this daemon's, uid %u, mode 0700; "
			  "remove it and start again)", RUNDIR,
			  (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			  (unsigned)geteuid());
		close(fd);
		return -EPERM;
	}
	return fd;
}

int rundir_name(char *name, size_t size, const char *ext)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(name, size, "%llu.%s", (unsigned long long)st.st_ino, ext);
	return 0;
}

int rundir_openat(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

int rundir_write(int dfd, const char *name, const void *data, size_t len)
{
	char tmp[96];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	unlinkat(dfd, tmp, 0);
	fd = rundir_openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0)
		return fd;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	close(fd);
	if (!err && renameat(dfd, tmp, dfd, name) < 0)
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	return err;
}

int netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		err = -errno;
	else if (len != sizeof(*cookie) || !*cookie)
		err = -ENOPROTOOPT;
	close(fd);
	return err;
}
