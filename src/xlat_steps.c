/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 steps shared by both directions (see xlat_steps.h). */
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "xlat_steps.h"

/* RFC 4884 section 4: with extensions, the original datagram field holds
 * 128 octets at least; section 7: the extension header is version 2. */
#define EXT_ORIG_MIN	128
#define EXT_HLEN	4
#define EXT_VERSION	2

enum xlat_verdict xlat_emit_frags(struct xlat_out *out,
				  const struct xlat_seg *segs, unsigned nsegs,
				  size_t l4len, size_t hmax, size_t chunk,
				  bool mf, xlat_hdr_fn fn, const void *ctx)
{
	for (size_t pos = 0; pos < l4len; pos += chunk) {
		size_t n = l4len - pos < chunk ? l4len - pos : chunk;
		uint8_t *hdr = xlat_out_alloc(out, hmax);
		size_t hl;

		if (!hdr || xlat_out_begin(out))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		hl = fn(ctx, hdr, n, pos, pos + n < l4len || mf);
		out->used -= hmax - hl;		/* the header is the last alloc */
		if (xlat_out_add(out, hdr, hl) ||
		    xlat_out_add_slice(out, segs, nsegs, pos, n))
			return xlat_out_drop(out, XLAT_R_NO_ROOM);
		xlat_out_end(out);
	}
	out->verdict = XLAT_FORWARD;
	return XLAT_FORWARD;
}

enum xlat_reason xlat_icmp_ext_split_slow(const uint8_t *body, size_t blen,
					  size_t attr_len,
					  struct xlat_icmp_ext *x)
{
	x->orig = body;
	x->orig_len = blen;
	x->attr = false;
	x->ext = NULL;
	x->ext_len = 0;
	if (attr_len) {
		/* Section 4: the attribute delimits the field; what
		 * follows is the extension structure, carried as is. */
		if (attr_len > blen)
			return XLAT_R_ICMP_EXT;
		x->orig_len = attr_len;
		x->attr = true;
		if (attr_len < blen) {
			x->ext = body + attr_len;
			x->ext_len = blen - attr_len;
		}
		return XLAT_R_NONE;
	}
	/* Section 5.4: a message without the attribute may still carry an
	 * extension after a 128-octet field (the MPLS implementations that
	 * predate RFC 4884); believed only when the header there is
	 * version 2 and its checksum verifies. */
	if (blen >= EXT_ORIG_MIN + EXT_HLEN &&
	    body[EXT_ORIG_MIN] >> 4 == EXT_VERSION &&
	    get16(body + EXT_ORIG_MIN + 2) != 0 &&
	    csum_fold(csum_add(0, body + EXT_ORIG_MIN,
			       blen - EXT_ORIG_MIN)) == 0) {
		x->orig_len = EXT_ORIG_MIN;
		x->attr = true;
		x->ext = body + EXT_ORIG_MIN;
		x->ext_len = blen - EXT_ORIG_MIN;
	}
	return XLAT_R_NONE;
}

size_t xlat_icmp_ext_room(size_t limit, size_t ext_len, size_t word)
{
	size_t room;

	if (ext_len >= limit)
		return 0;
	room = (limit - ext_len) & ~(word - 1);
	/* Section 4: the length attribute is 8 bits of words. */
	if (room > 255 * word)
		room = 255 * word;
	return room < EXT_ORIG_MIN ? 0 : room;
}

size_t xlat_icmp_ext_pad(uint8_t *field, size_t n, size_t word)
{
	size_t padded = (n + word - 1) & ~(word - 1);

	if (padded < EXT_ORIG_MIN)
		padded = EXT_ORIG_MIN;
	memset(field + n, 0, padded - n);
	return padded;
}
