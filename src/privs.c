/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dropping capabilities without libcap: prctl(2) and capset(2). */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

#define KEEP ((1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW))

/* The highest capability this kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

int privs_drop(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	/* Both kept capabilities are below 32: the second word stays 0. */
	struct __user_cap_data_struct data[2] = {
		{ .effective = KEEP, .permitted = KEEP, .inheritable = 0 },
	};
	int last = last_cap();

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	/* The bounding set first: dropping needs CAP_SETPCAP, which the
	 * capset below gives up. Started without it (a service manager
	 * that already bounded the set), the set is left as it was. */
	for (int cap = 0; cap <= last; cap++) {
		if (cap < 32 && (KEEP & (1u << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EPERM)
				break;
			if (errno != EINVAL)
				return -errno;
		}
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

void privs_for_script(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ .effective = KEEP, .permitted = KEEP, .inheritable = KEEP },
	};

	/* Ambient capabilities must be permitted and inheritable. */
	if (syscall(SYS_capset, &hdr, data) < 0)
		return;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
}
