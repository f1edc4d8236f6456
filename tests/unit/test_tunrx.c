/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Receive batching on a CLAT tun queue (src/tunrx.c), through a real
 * descriptor: a non-blocking SOCK_SEQPACKET pair stands for the tun, one
 * frame per read, each a vnet header (virtio 1.2 5.1.6) and a packet.
 * Checks that every frame comes back whole, header and bytes, each packet
 * on an 8-byte boundary of the buffer; that a batch ends at RXBATCH and
 * with the queue, which then reads as -EAGAIN; that a super-packet of the
 * largest size fits wherever the batch stands (no packet is read into
 * less room than TUNRX_MAX); and that a frame too short for its header
 * is marked cut, not taken for a packet. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cmocka.h>

#include "tunrx.h"

static int sv[2];

static int setup(void **state)
{
	int big = 8 << 20;

	(void)state;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fcntl(sv[1], F_SETFL, O_NONBLOCK);
}

static int teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Frame i: a vnet header saying gso_size i, then len bytes i, i+1, ... */
static void put(unsigned i, size_t len)
{
	static uint8_t pkt[TUNRX_MAX];
	struct virtio_net_hdr vh = { .gso_size = (uint16_t)i };
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { pkt, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	for (size_t k = 0; k < len; k++)
		pkt[k] = (uint8_t)(i + k);
	assert_int_equal(sendmsg(sv[0], &m, 0), (ssize_t)(sizeof(vh) + len));
}

static void got(const struct tunpkt *k, unsigned i, size_t len,
		const struct tunrx *r)
{
	assert_false(k->cut);
	assert_int_equal(k->vh.gso_size, i);
	assert_int_equal(k->len, len);
	assert_int_equal((k->data - r->buf) % 8, 0);
	for (size_t j = 0; j < len; j++)
		if (k->data[j] != (uint8_t)(i + j))
			fail_msg("frame %u byte %zu", i, j);
}

static void test_small_packets_batched(void **state)
{
	struct tunrx r;

	(void)state;
	assert_int_equal(tunrx_init(&r), 0);
	assert_int_equal(tunrx_recv(&r, sv[1]), -EAGAIN);
	for (unsigned i = 0; i < RXBATCH + 3; i++)
		put(i, 28 + i);		/* odd lengths: alignment */
	assert_int_equal(tunrx_recv(&r, sv[1]), RXBATCH);
	for (unsigned i = 0; i < RXBATCH; i++)
		got(&r.pkt[i], i, 28 + i, &r);
	assert_int_equal(tunrx_recv(&r, sv[1]), 3);
	for (unsigned i = 0; i < 3; i++)
		got(&r.pkt[i], RXBATCH + i, 28 + RXBATCH + i, &r);
	assert_int_equal(tunrx_recv(&r, sv[1]), -EAGAIN);
	tunrx_free(&r);
}

/* Super-packets of the largest size between small ones: each read has
 * room for TUNRX_MAX, so the batch stops before the room runs short. */
static void test_super_packets_whole(void **state)
{
	struct tunrx r;
	unsigned seen = 0;
	const size_t sizes[] = { 1500, TUNRX_MAX - 1, 60, TUNRX_MAX - 1,
				 TUNRX_MAX - 1, 100 };
	int n;

	(void)state;
	assert_int_equal(tunrx_init(&r), 0);
	for (unsigned i = 0; i < 6; i++)
		put(i, sizes[i]);
	while ((n = tunrx_recv(&r, sv[1])) > 0) {
		assert_true(n <= RXBATCH);
		for (int k = 0; k < n; k++, seen++)
			got(&r.pkt[k], seen, sizes[seen], &r);
	}
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(seen, 6);
	tunrx_free(&r);
}

static void test_short_frame_is_cut(void **state)
{
	struct tunrx r;
	uint8_t three[3] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(tunrx_init(&r), 0);
	assert_int_equal(write(sv[0], three, sizeof(three)), 3);
	put(7, 40);
	assert_int_equal(tunrx_recv(&r, sv[1]), 2);
	assert_true(r.pkt[0].cut);
	assert_null(r.pkt[0].data);
	got(&r.pkt[1], 7, 40, &r);
	tunrx_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_packets_batched),
		cmocka_unit_test(test_super_packets_whole),
		cmocka_unit_test(test_short_frame_is_cut),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
