/* TCP segmentation of offloaded super-packets (see xlat_tcpseg.h). */
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_out.h"
#include "xlat_tcpseg.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

enum xlat_reason tcp_segment(const struct tcpseg *s, struct xlat_out *out)
{
	size_t iphl = s->family == AF_INET6 ? 40 : 20;
	uint32_t seq = get32(s->th + 4);
	size_t pos = 0;

	do {
		size_t n = s->len - pos < s->mss ? s->len - pos : s->mss;
		bool last = pos + n == s->len;
		uint8_t *h = out_alloc(out, iphl + s->thl), *t;
		uint32_t sum;

		if (!h || out_begin(out))
			return XLAT_R_NO_ROOM;
		memcpy(h, s->ip, iphl);
		if (s->family == AF_INET6) {
			put16(h + 4, (uint16_t)(s->thl + n));
		} else {
			put16(h + 2, (uint16_t)(20 + s->thl + n));
			put16(h + 10, 0);
			put16(h + 10, csum_fold(csum_add(0, h, 20)));
		}
		t = h + iphl;
		memcpy(t, s->th, s->thl);
		put32(t + 4, seq + (uint32_t)pos);
		if (!last)
			t[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (pos)
			t[13] &= (uint8_t)~TCP_CWR;
		put16(t + 16, 0);
		/* RFC 793 3.1 / RFC 8200 8.1 pseudo-header: addresses,
		 * protocol, TCP length; then header and this payload. */
		sum = s->addr_sum + 6 + (uint32_t)(s->thl + n);
		sum = csum_add(sum, t, s->thl);
		sum = csum_add(sum, s->data + pos, n);
		put16(t + 16, csum_fold(sum));
		if (out_add(out, h, iphl + s->thl) ||
		    (n && out_add(out, s->data + pos, n)))
			return XLAT_R_NO_ROOM;
		out_end(out);
		pos += n;
	} while (pos < s->len);
	return XLAT_R_NONE;
}
