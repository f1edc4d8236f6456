/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP segmentation of offloaded super-packets (see xlat_tcpseg.h). */
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_out.h"
#include "xlat_tcpseg.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static unsigned slot(const uint8_t a[4])
{
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		     (uint32_t)a[2] << 8 | a[3];

	return (x * 0x9e3779b1u) >> 24;		/* XLAT_SEG_CACHE = 256 */
}

static uint64_t slot_key(const uint8_t a[4])
{
	return (uint64_t)a[0] << 40 | (uint64_t)a[1] << 32 |
	       (uint64_t)a[2] << 24 | (uint64_t)a[3] << 16;
}

void xlat_tcpseg_learn(struct xlat_state *st, const uint8_t remote[4],
		  uint32_t cap)
{
	uint64_t *p = &st->segs->slot[slot(remote)];
	uint64_t key = slot_key(remote), v = __atomic_load_n(p, __ATOMIC_RELAXED);

	if (cap > 0xffff)
		cap = 0xffff;
	if (cap == 0)
		return;
	if ((v & ~0xffffull) == key && (v & 0xffff) && (v & 0xffff) <= cap)
		return;
	__atomic_store_n(p, key | cap, __ATOMIC_RELAXED);
}

size_t xlat_tcpseg_cap(const struct xlat_state *st, const uint8_t remote[4],
		  size_t dflt)
{
	uint64_t v = __atomic_load_n(&st->segs->slot[slot(remote)],
				     __ATOMIC_RELAXED);

	if ((v & 0xffff) && (v & ~0xffffull) == slot_key(remote))
		return v & 0xffff;
	return dflt;
}

uint32_t xlat_tcpseg_syn_cap(const uint8_t *th, size_t thl)
{
	if (!(th[13] & TCP_SYN))
		return 0;
	/* RFC 9293 3.2: options are kind, or kind-length-data. */
	for (size_t i = 20; i < thl;) {
		if (th[i] == 0)
			break;
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= thl || th[i + 1] < 2 || i + th[i + 1] > thl)
			break;
		/* Below 536 (RFC 9293 3.7.1's default) an MSS is an attack
		 * more likely than a path: one forged SYN with MSS 1 would
		 * otherwise pin the remote's segments at 21 bytes and every
		 * super-packet to it would be dropped. Linux clamps for the
		 * same reason (tcp_min_snd_mss). */
		if (th[i] == 2 && th[i + 1] == 4)
			return (get16(th + i + 2) < 536 ? 536 :
				(uint32_t)get16(th + i + 2)) + 20;
		i += th[i + 1];
	}
	return 536 + 20;	/* the host's TCP sees IPv4: RFC 9293 3.7.1 */
}

size_t xlat_tcp_hlen(const uint8_t *th, size_t len)
{
	size_t thl;

	if (len < 20)
		return 0;
	thl = (size_t)(th[12] >> 4) * 4;
	return thl >= 20 && thl <= len ? thl : 0;
}

enum xlat_verdict xlat_tcp_segment(struct xlat_out *out, int family,
			      const uint8_t *ip, const uint8_t *th, size_t len,
			      size_t cap, uint32_t addr_sum, bool leave)
{
	size_t iphl = family == AF_INET6 ? 40 : 20;
	size_t thl = xlat_tcp_hlen(th, len), mss, pos = 0;
	const uint8_t *data = th + thl;
	uint32_t seq;

	if (!thl)
		return xlat_out_drop(out, XLAT_R_TRUNCATED);
	if (cap <= thl)
		return xlat_out_drop(out, XLAT_R_TOO_BIG);
	mss = cap - thl;
	len -= thl;
	seq = get32(th + 4);
	do {
		size_t n = len - pos < mss ? len - pos : mss;
		bool last = pos + n == len;
		uint8_t *h = xlat_out_alloc(out, iphl + thl), *t;
		uint32_t sum;

		if (!h || xlat_out_begin(out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		memcpy(h, ip, iphl);
		if (family == AF_INET6) {
			put16(h + 4, (uint16_t)(thl + n));
		} else {
			put16(h + 2, (uint16_t)(20 + thl + n));
			put16(h + 10, 0);
			put16(h + 10, csum_fold(csum_add(0, h, 20)));
		}
		t = h + iphl;
		memcpy(t, th, thl);
		put32(t + 4, seq + (uint32_t)pos);
		if (!last)
			t[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (pos)
			t[13] &= (uint8_t)~TCP_CWR;
		put16(t + 16, 0);
		/* RFC 793 3.1 / RFC 8200 8.1 pseudo-header: addresses,
		 * protocol, TCP length; then header and this payload. */
		sum = addr_sum + 6 + (uint32_t)(thl + n);
		if (leave) {
			/* Left to the receiver's side: the pseudo-header
			 * sum, uncomplemented, as Linux leaves it. */
			put16(t + 16, (uint16_t)~csum_fold(sum));
			out->pkt[out->npkts].csum_start = (uint16_t)iphl;
			out->pkt[out->npkts].csum_offset = 16;
		} else {
			sum = csum_add(sum, t, thl);
			sum = csum_add(sum, data + pos, n);
			put16(t + 16, csum_fold(sum));
		}
		if (xlat_out_add(out, h, iphl + thl) ||
		    (n && xlat_out_add(out, data + pos, n)))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		xlat_out_end(out);
		pos += n;
	} while (pos < len);
	out->verdict = XLAT_FORWARD;
	return XLAT_FORWARD;
}
