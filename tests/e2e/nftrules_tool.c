/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drives src/nftrules.c for tests/e2e/nftrules.sh:
 *   nftrules_tool apply [shared] [fwd[=UPLINK]] [queue=N] [owner|persist]
 *                       [hold=SECONDS] | remove | probe | look
 * hold keeps the owning socket open that long after the apply, and prints
 * the transaction's time and the flags the tables got; fwd adds the ingress
 * shortcut on lo or UPLINK (forwarding to lo: the rules only, no packet
 * goes), and says when the kernel refused it. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nftrules.h"

int main(int argc, char **argv)
{
	struct nftrules_spec s = {
		.fwmark = 0xc1a70001, .ctmark = 0xc1a7,
		.queue_num = 464, .queues = 2, .sel6 = 15, .clat_dev = "clat",
	};
	struct nftrules n;
	unsigned want = 0, hold = 0;
	int err = 0;

	if (argc < 2)
		return 2;
	inet_pton(AF_INET, "192.0.0.1", s.clat4);
	inet_pton(AF_INET6, "2001:db8:1::2", s.clat6);
	rfc6052_prefix_parse("2001:db8:64::/96", &s.plat);
	if (!strcmp(argv[1], "probe")) {
		printf("%s\n", nftrules_have_native_queue() ? "native" : "compat");
		return 0;
	}
	if (!strcmp(argv[1], "look")) {
		struct nftrules_seen seen;

		err = nftrules_look(&seen);
		for (int f = 0; !err && f < 3; f++)
			printf("%s %s flags 0x%x owner %u\n",
			       f == 2 ? "netdev" : f ? "ip6" : "ip",
			       seen.present[f] ? "present" : "absent",
			       seen.flags[f], seen.owner[f]);
		return err ? 1 : 0;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "owner"))
			want = NFTRULES_OWNER;
		else if (!strcmp(argv[i], "persist"))
			want = NFTRULES_OWNER | NFTRULES_PERSIST;
		else if (!strncmp(argv[i], "hold=", 5))
			hold = (unsigned)atoi(argv[i] + 5);
	}
	err = nftrules_open(&n, want);
	if (err) {
		fprintf(stderr, "nftrules open: %s\n", strerror(-err));
		return 1;
	}
	if (!strcmp(argv[1], "remove")) {
		err = nftrules_remove(&n);
	} else if (!strcmp(argv[1], "apply")) {
		s.native_queue = nftrules_have_native_queue();
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "shared")) {
				s.shared = true;
			} else if (!strncmp(argv[i], "fwd", 3)) {
				s.fwd_ifindex = (int)if_nametoindex("lo");
				s.uplink_idx = s.fwd_ifindex;
				snprintf(s.uplink, sizeof(s.uplink), "%s",
					 argv[i][3] == '=' ? argv[i] + 4 : "lo");
			}
			else if (!strncmp(argv[i], "queue=", 6))
				s.queue_num = (uint16_t)atoi(argv[i] + 6);
			else if (strcmp(argv[i], "owner") &&
				 strcmp(argv[i], "persist") &&
				 strncmp(argv[i], "hold=", 5))
				return 2;
		}
		err = nftrules_apply(&n, &s);
		if (!err && n.shortcut_refused)
			printf("shortcut refused: %s\n",
			       strerror(-n.shortcut_err));
		if (!err && hold) {
			printf("applied in %llu us, flags 0x%x\n",
			       (unsigned long long)n.last_us, n.flags);
			fflush(stdout);
			sleep(hold);
		}
	} else {
		return 2;
	}
	nftrules_close(&n);
	if (err) {
		fprintf(stderr, "nftrules %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	return 0;
}
