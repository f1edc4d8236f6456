/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Least privilege: what the daemon keeps once it knows its job. */
#ifndef CLAT_PRIVS_H
#define CLAT_PRIVS_H

/* For the calling thread and every thread it creates afterwards: set
 * no_new_privs, and keep only CAP_NET_ADMIN (rules, routes, queues and
 * their verdicts, the tun device) and CAP_NET_RAW (raw sockets, binding to
 * the uplink) in the permitted, effective and bounding sets; the rest,
 * inheritable and ambient included, is dropped. 0 or -errno. */
int privs_drop(void);

/* In a child about to exec a script (script-up, script-down): make the
 * two kept capabilities ambient, so the script can still change routes
 * and rules whoever the daemon runs as. Only async-signal-safe calls. */
void privs_for_script(void);

#endif
