/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output assembly for the translation core. */
#include <errno.h>
#include <string.h>

#include "xlat_out.h"

int xlat_out_begin(struct xlat_out *out)
{
	if (out->npkts >= XLAT_MAX_PKTS)
		return -ENOSPC;
	out->pkt[out->npkts].iov_first = (uint16_t)out->niov;
	out->pkt[out->npkts].iovcnt = 0;
	out->pkt[out->npkts].len = 0;
	out->pkt[out->npkts].csum_start = 0;
	out->pkt[out->npkts].csum_offset = 0;
	out->pkt[out->npkts].id_free = false;
	return 0;
}

int xlat_out_add(struct xlat_out *out, const void *p, size_t n)
{
	struct xlat_pkt *pkt = &out->pkt[out->npkts];

	if (n == 0)
		return 0;
	if (out->niov >= XLAT_MAX_IOV)
		return -ENOSPC;
	out->iov[out->niov].iov_base = (void *)(uintptr_t)p;
	out->iov[out->niov].iov_len = n;
	out->niov++;
	pkt->iovcnt++;
	pkt->len += (uint32_t)n;
	return 0;
}

int xlat_out_add_slice(struct xlat_out *out, const struct xlat_seg *segs,
		  unsigned nsegs, size_t off, size_t n)
{
	for (unsigned i = 0; i < nsegs && n > 0; i++) {
		size_t take;

		if (off >= segs[i].n) {
			off -= segs[i].n;
			continue;
		}
		take = segs[i].n - off;
		if (take > n)
			take = n;
		if (xlat_out_add(out, segs[i].p + off, take))
			return -ENOSPC;
		n -= take;
		off = 0;
	}
	return n ? -ENOSPC : 0;
}

void xlat_out_end(struct xlat_out *out)
{
	out->npkts++;
}

size_t xlat_out_copy(const struct xlat_out *out, unsigned i, uint8_t *buf,
		     size_t size)
{
	const struct xlat_pkt *pkt;
	size_t len = 0;

	if (i >= out->npkts || out->pkt[i].len > size)
		return 0;
	pkt = &out->pkt[i];
	for (unsigned k = 0; k < pkt->iovcnt; k++) {
		const struct iovec *v = &out->iov[pkt->iov_first + k];

		memcpy(buf + len, v->iov_base, v->iov_len);
		len += v->iov_len;
	}
	return len;
}
