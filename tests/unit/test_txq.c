/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT device's transmit queue (src/txq.c) joining UDP datagrams into
 * super-packets: written through a real descriptor (a SOCK_SEQPACKET pair
 * standing for the tun, one frame per write) and read back byte by byte.
 * Checks against sums computed here, not by the code under test: the
 * virtio header (virtio 1.2 5.1.6), IPv4 total length and header checksum
 * (RFC 791), UDP length and the partial checksum's pseudo-header sum
 * (RFC 768), the payloads in order; a flow's order kept across another
 * packet; a datagram with a wrong checksum left as it came; one whose
 * Identification must stay left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/virtio_net.h>

#include "txq.h"

#define GSO_UDP_L4 5

/* RFC 1071, written out here. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

struct dgram {
	struct xlat_out o;
	uint8_t pay[1500];
};

/* A translated datagram as the core leaves it: IPv4 header, UDP header
 * and payload in three iovs; checksum complete (right or, with bad, off
 * by one) unless partial. */
static uint16_t next_ip_id;	/* consecutive, as one flow's from the core */

static void make(struct dgram *d, uint8_t src_last, uint16_t sport,
		 size_t plen, uint8_t fill, bool partial, bool bad)
{
	uint16_t id = next_ip_id++;

	uint8_t *ip = d->o.arena, *udp = d->o.arena + 20;
	uint16_t ulen = (uint16_t)(8 + plen), c;
	uint8_t ph[12] = { 198, 51, 100, src_last, 192, 0, 0, 1, 0, 17,
			   (uint8_t)(ulen >> 8), (uint8_t)ulen };

	memset(&d->o, 0, sizeof(d->o));
	memset(d->pay, fill, plen);
	d->pay[0] = (uint8_t)plen;
	memcpy(ip, (uint8_t[20]){ 0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 63, 17, 0,
				  0, 198, 51, 100, src_last, 192, 0, 0, 1 },
	       20);
	ip[2] = (uint8_t)((20 + ulen) >> 8);
	ip[3] = (uint8_t)(20 + ulen);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	c = (uint16_t)~ref_sum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = 0x23;
	udp[3] = 0x28;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = udp[7] = 0;
	if (partial) {
		c = ref_sum(ph, 12, 0);
	} else {
		c = (uint16_t)~ref_sum(d->pay, plen,
				       ref_sum(udp, 8, ref_sum(ph, 12, 0)));
		if (bad)
			c++;
	}
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	d->o.verdict = XLAT_FORWARD;
	d->o.family = 2;
	d->o.npkts = 1;
	d->o.niov = 3;
	d->o.iov[0] = (struct iovec){ ip, 20 };
	d->o.iov[1] = (struct iovec){ udp, 8 };
	d->o.iov[2] = (struct iovec){ d->pay, plen };
	d->o.pkt[0] = (struct xlat_pkt){ .iov_first = 0, .iovcnt = 3,
					 .len = (uint32_t)(28 + plen),
					 .id_free = true };
	if (partial) {
		d->o.pkt[0].csum_start = 20;
		d->o.pkt[0].csum_offset = 6;
	}
}

struct rig {
	int sp[2];
	struct txq q;
	uint64_t errors, coalesced;
	uint8_t frame[70000];
};

static struct rig *rig_new(void)
{
	static struct rig r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, r.sp), 0);
	int big = 1 << 20;
	setsockopt(r.sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(r.sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	r.q.fd = -1;
	assert_int_equal(txq_open_dev(&r.q, r.sp[0], &r.errors), 0);
	r.q.coalesced = &r.coalesced;
	return &r;
}

static void rig_free(struct rig *r)
{
	txq_close(&r->q);
	close(r->sp[0]);
	close(r->sp[1]);
}

/* The next frame: its length; the vnet header at r->frame. */
static size_t next(struct rig *r)
{
	ssize_t n = recv(r->sp[1], r->frame, sizeof(r->frame), MSG_DONTWAIT);

	return n < 0 ? 0 : (size_t)n;
}

/* Frame of n bytes: a UDP super-packet of k datagrams of plen bytes of
 * payload (the last one last bytes), filled with fills[]. */
static void check_super(struct rig *r, size_t n, unsigned k, size_t plen,
			size_t last, const uint8_t *fills)
{
	const struct virtio_net_hdr *vh = (void *)r->frame;
	const uint8_t *ip = r->frame + sizeof(*vh), *udp = ip + 20, *p;
	size_t ulen = 8 + (k - 1) * plen + last;
	uint8_t ph[12] = { ip[12], ip[13], ip[14], ip[15], ip[16], ip[17],
			   ip[18], ip[19], 0, 17, (uint8_t)(ulen >> 8),
			   (uint8_t)ulen };

	assert_int_equal(n, sizeof(*vh) + 20 + ulen);
	assert_int_equal(vh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh->csum_start, 20);
	assert_int_equal(vh->csum_offset, 6);
	assert_int_equal(vh->gso_type, k > 1 ? GSO_UDP_L4 : 0);
	if (k > 1) {
		assert_int_equal(vh->gso_size, plen);
		assert_int_equal(vh->hdr_len, 28);
	}
	assert_int_equal(rd16(ip + 2), 20 + ulen);
	assert_int_equal(ref_sum(ip, 20, 0), 0xffff);	/* header sum right */
	assert_int_equal(rd16(udp + 4), ulen);
	assert_int_equal(rd16(udp + 6), ref_sum(ph, 12, 0));
	p = udp + 8;
	for (unsigned i = 0; i < k; i++) {
		size_t len = i + 1 < k ? plen : last;

		assert_int_equal(p[0], (uint8_t)len);
		for (size_t j = 1; j < len; j++)
			assert_int_equal(p[j], fills[i]);
		p += len;
	}
}

static void test_one_flow_joined(void **state)
{
	static struct dgram d[4];
	struct rig *r = rig_new();
	size_t n;

	(void)state;
	for (int i = 0; i < 4; i++) {
		make(&d[i], 1, 4000, i < 3 ? 100 : 60, (uint8_t)(0xa0 + i),
		     i == 1, false);
		txq_add(&r->q, &d[i].o, 0);
	}
	txq_flush(&r->q);
	n = next(r);
	check_super(r, n, 4, 100, 60, (uint8_t[]){ 0xa0, 0xa1, 0xa2, 0xa3 });
	assert_int_equal(next(r), 0);		/* one frame only */
	assert_int_equal(r->coalesced, 3);
	assert_int_equal(r->errors, 0);
	rig_free(r);
}

static void test_two_flows_interleaved(void **state)
{
	static struct dgram d[6];
	struct rig *r = rig_new();

	(void)state;
	for (int i = 0; i < 6; i++) {
		make(&d[i], 1, (uint16_t)(4000 + i % 2), 64, (uint8_t)i, false,
		     false);
		txq_add(&r->q, &d[i].o, 0);
	}
	txq_flush(&r->q);
	check_super(r, next(r), 3, 64, 64, (uint8_t[]){ 0, 2, 4 });
	check_super(r, next(r), 3, 64, 64, (uint8_t[]){ 1, 3, 5 });
	assert_int_equal(next(r), 0);
	assert_int_equal(r->coalesced, 4);
	rig_free(r);
}

/* A wrong checksum is never made right: that datagram goes alone, as it
 * came, and the flow's order holds (what follows it is not joined to
 * what came before). A shorter datagram ends a run. */
static void test_bad_checksum_and_order(void **state)
{
	static struct dgram d[5];
	struct rig *r = rig_new();
	const uint8_t *udp;
	size_t n;

	(void)state;
	make(&d[0], 1, 4000, 80, 1, false, false);
	make(&d[1], 1, 4000, 80, 2, false, true);	/* wrong checksum */
	make(&d[2], 1, 4000, 80, 3, false, false);
	make(&d[3], 1, 4000, 50, 4, false, false);	/* shorter: last */
	make(&d[4], 1, 4000, 80, 5, false, false);
	for (int i = 0; i < 5; i++)
		txq_add(&r->q, &d[i].o, 0);
	txq_flush(&r->q);
	/* d0 alone, untouched: checksum complete, no offload */
	n = next(r);
	assert_int_equal(n, sizeof(struct virtio_net_hdr) + 108);
	assert_int_equal(((struct virtio_net_hdr *)r->frame)->flags, 0);
	udp = r->frame + sizeof(struct virtio_net_hdr) + 20;
	assert_int_equal(rd16(udp + 6), rd16(d[0].o.arena + 26));
	/* d1 alone, its wrong checksum as it came */
	n = next(r);
	assert_int_equal(n, sizeof(struct virtio_net_hdr) + 108);
	assert_int_equal(((struct virtio_net_hdr *)r->frame)->flags, 0);
	assert_int_equal(r->frame[sizeof(struct virtio_net_hdr) + 28 + 1], 2);
	/* d2 + d3, then d4 */
	check_super(r, next(r), 2, 80, 50, (uint8_t[]){ 3, 4 });
	n = next(r);
	assert_int_equal(n, sizeof(struct virtio_net_hdr) + 108);
	assert_int_equal(r->frame[sizeof(struct virtio_net_hdr) + 28 + 1], 5);
	assert_int_equal(next(r), 0);
	assert_int_equal(r->coalesced, 1);
	rig_free(r);
}

/* Another packet between the same addresses (a fragment here) ends the
 * run: the datagram after it goes after it. */
static void test_other_packet_ends_run(void **state)
{
	static struct dgram d[3];
	struct rig *r = rig_new();

	(void)state;
	make(&d[0], 1, 4000, 64, 1, true, false);
	make(&d[1], 1, 4000, 64, 2, true, false);
	d[1].o.arena[6] = 0x20;			/* More Fragments */
	make(&d[2], 1, 4000, 64, 3, true, false);
	for (int i = 0; i < 3; i++)
		txq_add(&r->q, &d[i].o, 0);
	txq_flush(&r->q);
	check_super(r, next(r), 1, 64, 64, (uint8_t[]){ 1 });
	assert_int_not_equal(next(r), 0);	/* the fragment, as it came */
	assert_int_equal(r->frame[sizeof(struct virtio_net_hdr) + 6], 0x20);
	check_super(r, next(r), 1, 64, 64, (uint8_t[]){ 3 });
	assert_int_equal(r->coalesced, 0);
	rig_free(r);
}

/* The kernel numbers what it cuts from the first datagram's
 * Identification on: a datagram whose Identification is not the
 * translator's own (an atomic fragment's, RFC 7915 5.1.1) goes alone,
 * and the run's first datagram's stays. */
static void test_kept_id_goes_alone(void **state)
{
	static struct dgram d[4];
	struct rig *r = rig_new();

	(void)state;
	next_ip_id = 7;
	make(&d[0], 1, 4000, 64, 1, true, false);
	make(&d[1], 1, 4000, 64, 2, true, false);	/* joins */
	make(&d[2], 1, 4000, 64, 3, true, false);	/* atomic fragment */
	d[2].o.pkt[0].id_free = false;
	make(&d[3], 1, 4000, 64, 4, true, false);
	for (int i = 0; i < 4; i++)
		txq_add(&r->q, &d[i].o, 0);
	txq_flush(&r->q);
	check_super(r, next(r), 2, 64, 64, (uint8_t[]){ 1, 2 });
	assert_int_equal(rd16(r->frame + sizeof(struct virtio_net_hdr) + 4), 7);
	check_super(r, next(r), 1, 64, 64, (uint8_t[]){ 3 });
	assert_int_equal(rd16(r->frame + sizeof(struct virtio_net_hdr) + 4), 9);
	check_super(r, next(r), 1, 64, 64, (uint8_t[]){ 4 });
	assert_int_equal(next(r), 0);
	rig_free(r);
}

/* At most TXQ_UDP_SEGS datagrams in one super-packet. */
static void test_segment_cap(void **state)
{
	static struct dgram d[TXQ_UDP_SEGS + 1];
	uint8_t fills[TXQ_UDP_SEGS];
	struct rig *r = rig_new();

	(void)state;
	for (int i = 0; i <= TXQ_UDP_SEGS; i++) {
		make(&d[i], 1, 4000, 32, (uint8_t)i, true, false);
		txq_add(&r->q, &d[i].o, 0);
		if (i < TXQ_UDP_SEGS)
			fills[i] = (uint8_t)i;
	}
	txq_flush(&r->q);
	check_super(r, next(r), TXQ_UDP_SEGS, 32, 32, fills);
	check_super(r, next(r), 1, 32, 32, (uint8_t[]){ TXQ_UDP_SEGS });
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_flow_joined),
		cmocka_unit_test(test_two_flows_interleaved),
		cmocka_unit_test(test_bad_checksum_and_order),
		cmocka_unit_test(test_other_packet_ends_run),
		cmocka_unit_test(test_kept_id_goes_alone),
		cmocka_unit_test(test_segment_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
