/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Assembling translated packets in a struct xlat_out: headers in the arena,
 * payload referenced from the input, one iovec run per packet. */
#ifndef CLAT_XLAT_OUT_H
#define CLAT_XLAT_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

/* A run of bytes of the upper-layer data: headers rewritten into the arena,
 * the rest still in the input buffer. */
struct xlat_seg {
	const uint8_t *p;
	size_t n;
};

#define XLAT_SEG_MAX 3

static inline void xlat_out_reset(struct xlat_out *out, int family)
{
	out->verdict = XLAT_DROP;
	out->reason = XLAT_R_NONE;
	out->family = family;
	out->npkts = 0;
	out->niov = 0;
	out->used = 0;
}

/* n bytes of arena, or NULL when it is full. */
static inline uint8_t *xlat_out_alloc(struct xlat_out *out, size_t n)
{
	uint8_t *p;

	if (n > sizeof(out->arena) - out->used)
		return NULL;
	p = out->arena + out->used;
	out->used += n;
	return p;
}

/* Start a packet; 0 or -ENOSPC. */
int xlat_out_begin(struct xlat_out *out);
/* Append bytes to the current packet; 0 or -ENOSPC. */
int xlat_out_add(struct xlat_out *out, const void *p, size_t n);
/* Append bytes [off, off + n) of the concatenated segments. */
int xlat_out_add_slice(struct xlat_out *out, const struct xlat_seg *segs,
		  unsigned nsegs, size_t off, size_t n);
/* Finish the current packet. */
void xlat_out_end(struct xlat_out *out);

/* Verdict helpers: set verdict and reason, return the verdict. */
static inline enum xlat_verdict xlat_out_drop(struct xlat_out *out,
					 enum xlat_reason r)
{
	out->npkts = 0;
	out->verdict = XLAT_DROP;
	out->reason = r;
	return XLAT_DROP;
}

#endif
