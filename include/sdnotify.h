/* SPDX-License-Identifier: GPL-2.0-or-later */
/* systemd's notification protocol (sd_notify(3)) without libsystemd: one
 * datagram to $NOTIFY_SOCKET per message. Outside systemd it does nothing.
 * The one place the daemon talks to its service manager: READY=1,
 * STOPPING=1, STATUS=<state line>, WATCHDOG=1. */
#ifndef CLAT_SDNOTIFY_H
#define CLAT_SDNOTIFY_H

#include <stdint.h>

/* Send one message ("KEY=value", newline-separated for several); 0, or
 * -errno (no socket: 0, nothing to do). */
int sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How often the service manager wants WATCHDOG=1, in ms: half of
 * WATCHDOG_USEC, for this process only (WATCHDOG_PID); 0: no watchdog. */
uint64_t sdnotify_watchdog_ms(void);

#endif
