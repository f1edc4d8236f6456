/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Receive batching on a worker's CLAT tun queue (see tunrx.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tunrx.h"

int tunrx_init(struct tunrx *r)
{
	r->buf = malloc(TUNRX_BUF);
	return r->buf ? 0 : -ENOMEM;
}

void tunrx_free(struct tunrx *r)
{
	free(r->buf);
	r->buf = NULL;
}

int tunrx_recv(struct tunrx *r, int fd)
{
	size_t off = 0;
	int n = 0;

	while (n < RXBATCH && TUNRX_BUF - off >= TUNRX_MAX) {
		struct tunpkt *k = &r->pkt[n];
		struct iovec iov[2] = {
			{ &k->vh, sizeof(k->vh) },
			{ r->buf + off, TUNRX_BUF - off },
		};
		ssize_t got = readv(fd, iov, 2);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return n ? n : -errno;
		}
		/* A tun copies what fits and says how much there was. */
		if ((size_t)got < sizeof(k->vh)) {
			k->data = NULL;
			k->len = 0;
			k->cut = true;
		} else {
			k->data = r->buf + off;
			k->len = (uint32_t)((size_t)got - sizeof(k->vh));
			k->cut = k->len > TUNRX_BUF - off;
			if (k->cut)
				k->len = (uint32_t)(TUNRX_BUF - off);
			/* The next packet on an 8-byte boundary. */
			off += ((size_t)k->len + 7) & ~(size_t)7;
		}
		n++;
	}
	return n;
}
