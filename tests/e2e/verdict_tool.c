/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drives src/rxbatch.c's verdict path for tests/e2e/nftrules.sh: a
 * verdict the kernel refuses (for a queue this socket has not bound) must
 * be recognised in what comes back, and one that cannot be sent at all
 * must be reported; the worker counts both (verdict_errors). Prints one
 * line per case. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/netfilter.h>

#include <libmnl/libmnl.h>

#include "nfqsock.h"
#include "rxbatch.h"

int main(void)
{
	static struct rxbatch b;
	struct mnl_socket *nl, *gone;
	struct pollfd pf;
	int e, r, seen = 0;

	if (rxbatch_init(&b) || nfqsock_open(&nl, 64) ||
	    nfqsock_bind(nl, 500, 64, false))
		return 1;
	b.slot[0] = (struct rxslot){ .id = 1, .queue = 501, .nfv = NF_ACCEPT };
	e = rxbatch_verdicts(&b, nl, 1);
	printf("sent: %s\n", e ? strerror(-e) : "ok");
	pf = (struct pollfd){ .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	if (poll(&pf, 1, 1000) == 1 && (r = rxbatch_recv(&b, pf.fd)) > 0)
		for (int i = 0; i < r; i++)
			if ((e = rxbatch_error(&b, i))) {
				printf("refused: %s\n", strerror(-e));
				seen++;
			}
	if (!seen)
		printf("refused: not seen\n");
	/* A socket that is no longer there. */
	if (nfqsock_open(&gone, 64))
		return 1;
	close(mnl_socket_get_fd(gone));
	e = rxbatch_verdicts(&b, gone, 1);
	printf("unsendable: %s\n", e ? strerror(-e) : "reported as sent");
	mnl_socket_close(nl);
	rxbatch_free(&b);
	return 0;
}
