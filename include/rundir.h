/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The run directory (RUNDIR, /run/clat-nfq): the lock, the status socket
 * and the saved routes of each network namespace's daemon. The daemon
 * creates it 0700; one that exists is used only when it is a directory
 * (not a symbolic link) owned by the daemon's user (root, or systemd's
 * dynamic user under RuntimeDirectory=) with mode 0700, so nobody else
 * can have planted anything in it. The one link taken is systemd's own:
 * root's, reading "private/clat-nfq" (DynamicUser= with
 * RuntimeDirectoryPreserve= keeps the directory in /run/private). Files in it are opened relative to it
 * (openat) with O_NOFOLLOW all the same. */
#ifndef CLAT_RUNDIR_H
#define CLAT_RUNDIR_H

#include <stddef.h>
#include <stdint.h>

/* Create or check RUNDIR; a descriptor of it, or -errno (logged, with
 * what is wrong with it). */
int rundir_open(void);
struct stat;
/* lstat(2) of RUNDIR, through systemd's link when that is what it is (the
 * directory rundir_open took): 0 or -errno. */
int rundir_stat(struct stat *st);

/* "<inode of this network namespace>.ext", the name of this namespace's
 * file in it; 0 or -errno. */
int rundir_name(char *name, size_t size, const char *ext);

/* Open name in the directory dfd without following a symbolic link:
 * openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600). A descriptor
 * or -errno (-ELOOP: a link was planted there). */
int rundir_openat(int dfd, const char *name, int flags);

/* Replace name in dfd by len bytes of data, atomically (a temporary file
 * renamed over it: a link there is replaced, never followed). */
int rundir_write(int dfd, const char *name, const void *data, size_t len);

/* This network namespace's cookie (SO_NETNS_COOKIE, Linux 5.14+): unique
 * among the namespaces of one boot, never reused as inode numbers are.
 * 0 or -errno (-ENOPROTOOPT on older kernels). */
int netns_cookie(uint64_t *cookie);

#endif
