/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file in which v4-defaultroute-replace keeps the native IPv4 default
 * routes it took out, so that a run after a crash puts them back. It lies
 * in a directory others may have written to before it was ours, and a
 * crashed run's file may come from a namespace that is gone, so it is
 * parsed as hostile input: pure, no I/O, fuzzed.
 *
 * Format: the magic "clatrt01", the network namespace cookie of the
 * namespace the routes belong to (8 bytes, host order: SO_NETNS_COOKIE,
 * unique for the boot, never reused as inode numbers are), then records of
 * a 4-byte length and an rtnetlink RTM_NEWROUTE message. */
#ifndef CLAT_ROUTEFILE_H
#define CLAT_ROUTEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTEFILE_MSG_MAX 512
#define ROUTEFILE_MAX 4			/* routes in one file */
#define ROUTEFILE_SIZE (16 + ROUTEFILE_MAX * (4 + ROUTEFILE_MSG_MAX))

/* Whether msg (len bytes) is an IPv4 default route of the main table and
 * nothing else: RTM_NEWROUTE, AF_INET, /0 without source prefix, unicast,
 * every attribute well formed and one a default route may carry (table,
 * interface, gateway, metric, preferred source, metrics, multipath). */
bool routefile_route_ok(const uint8_t *msg, size_t len);

/* Write the file's bytes for n messages into buf (room cap); its length,
 * or 0 when it does not fit or a message is not routefile_route_ok. */
size_t routefile_build(uint8_t *buf, size_t cap, uint64_t cookie,
		       const uint8_t *const msg[], const size_t mlen[],
		       unsigned n);

/* Parse a file's bytes: the messages it holds for the namespace whose
 * cookie is cookie, as pointers into buf (at most max). Their number, or
 * -EINVAL (malformed, or a message that is not an IPv4 default route:
 * nothing is used), -ESTALE (another namespace's, or cookie 0). */
int routefile_parse(const uint8_t *buf, size_t len, uint64_t cookie,
		    const uint8_t *msg[], size_t mlen[], unsigned max);

#endif
