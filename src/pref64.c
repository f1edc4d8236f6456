/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PREF64 router advertisement option, RFC 8781. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "pref64.h"

/* RFC 8781 section 4: Prefix Length Code 0..5. */
static const uint8_t plc_len[] = { 96, 64, 56, 48, 40, 32 };

int pref64_parse_ra(const uint8_t *msg, size_t len, struct pref64 *out,
		    size_t max)
{
	size_t off = 16, n = 0;	/* RA header: RFC 4861 section 4.2 */

	/* RFC 4861 6.1.2: type 134, code 0, at least 16 bytes. */
	if (len < 16 || msg[0] != 134 || msg[1] != 0)
		return -EINVAL;
	while (off < len) {
		const uint8_t *o = msg + off;
		size_t olen;

		/* Every option needs its two bytes, a non-zero length, and
		 * to end inside the message (6.1.2). */
		if (len - off < 2 || o[1] == 0)
			return -EINVAL;
		olen = (size_t)o[1] * 8;
		if (olen > len - off)
			return -EINVAL;
		if (o[0] == PREF64_OPT_TYPE && o[1] == 2 && n < max) {
			uint16_t sl = get16(o + 2);
			struct pref64 p = { .lifetime = (uint32_t)(sl >> 3) * 8 };

			if ((sl & 7) < sizeof(plc_len)) {
				p.prefix.len = plc_len[sl & 7];
				/* Only the bits the PLC names are the
				 * prefix; the rest are ignored. */
				memcpy(p.prefix.addr, o + 4, p.prefix.len / 8);
				if (rfc6052_prefix_check(&p.prefix) == 0)
					out[n++] = p;
			}
		}
		off += olen;
	}
	return (int)n;
}

void pref64_option(const struct rfc6052_prefix *p, uint32_t lifetime,
		   uint8_t opt[16])
{
	uint32_t units = (lifetime + 7) / 8;
	uint8_t plc = 0;

	if (units > 8191)
		units = 8191;
	while (plc < sizeof(plc_len) && plc_len[plc] != p->len)
		plc++;
	memset(opt, 0, 16);
	opt[0] = PREF64_OPT_TYPE;
	opt[1] = 2;
	put16(opt + 2, (uint16_t)(units << 3 | (plc & 7)));
	memcpy(opt + 4, p->addr, 12);
}

void pref64_set_init(struct pref64_set *s)
{
	memset(s, 0, sizeof(*s));
	s->cur = -1;
}

static bool same_pfx(const struct rfc6052_prefix *a,
		     const struct rfc6052_prefix *b)
{
	return a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

static int find(const struct pref64_set *s, const uint8_t router[16],
		const struct rfc6052_prefix *p)
{
	for (int i = 0; i < PREF64_CANDS; i++)
		if (s->c[i].expires && !memcmp(s->c[i].router, router, 16) &&
		    same_pfx(&s->c[i].prefix, p))
			return i;
	return -1;
}

/* The candidate that lasts longest (ties: the lowest slot), or -1. */
static int longest(const struct pref64_set *s)
{
	int best = -1;

	for (int i = 0; i < PREF64_CANDS; i++)
		if (s->c[i].expires &&
		    (best < 0 || s->c[i].expires > s->c[best].expires))
			best = i;
	return best;
}

static bool chosen_changed(const struct pref64_set *s, int old,
			   const struct rfc6052_prefix *oldp)
{
	if (old < 0 || s->cur < 0)
		return (old < 0) != (s->cur < 0);
	return !same_pfx(&s->c[s->cur].prefix, oldp);
}

bool pref64_set_ra(struct pref64_set *s, const uint8_t router[16],
		   unsigned ifindex, const struct pref64 *p, int n,
		   uint64_t now)
{
	int old = s->cur, first = -1;
	struct rfc6052_prefix oldp = { .len = 0 };
	bool own_cur = old >= 0 && !memcmp(s->c[old].router, router, 16),
	     cur_seen = false, announced = false;

	if (old >= 0)
		oldp = s->c[old].prefix;
	for (int k = 0; k < n; k++) {
		int i = find(s, router, &p[k].prefix);

		if (p[k].lifetime == 0) {	/* withdrawn (RFC 8781 4) */
			if (i >= 0)
				s->c[i].expires = 0;
			if (i >= 0 && i == s->cur)
				s->cur = -1;
			continue;
		}
		announced = true;
		if (i < 0) {
			/* A free slot, else the one that ends first (never
			 * the chosen one). */
			for (int j = 0; j < PREF64_CANDS && i < 0; j++)
				if (!s->c[j].expires)
					i = j;
			if (i < 0)
				for (int j = 0; j < PREF64_CANDS; j++)
					if (j != s->cur && (i < 0 ||
					    s->c[j].expires < s->c[i].expires))
						i = j;
			memcpy(s->c[i].router, router, 16);
			s->c[i].prefix = p[k].prefix;
		}
		s->c[i].ifindex = ifindex;
		s->c[i].expires = now + (uint64_t)p[k].lifetime * 1000;
		if (i == s->cur)
			cur_seen = true;
		if (first < 0)
			first = i;
	}
	/* The chosen prefix's own router announces others but not it: it
	 * was replaced there (renumbering), follow at once. */
	if (own_cur && s->cur >= 0 && announced && !cur_seen) {
		s->c[s->cur].expires = 0;
		s->cur = first;
	}
	if (s->cur < 0)
		s->cur = first >= 0 ? first : longest(s);
	return chosen_changed(s, old, &oldp);
}

bool pref64_set_expire(struct pref64_set *s, uint64_t now)
{
	int old = s->cur;
	struct rfc6052_prefix oldp = { .len = 0 };

	if (old >= 0)
		oldp = s->c[old].prefix;
	for (int i = 0; i < PREF64_CANDS; i++)
		if (s->c[i].expires && now >= s->c[i].expires) {
			s->c[i].expires = 0;
			if (i == s->cur)
				s->cur = -1;
		}
	if (s->cur < 0)
		s->cur = longest(s);
	return chosen_changed(s, old, &oldp);
}

const struct pref64_cand *pref64_set_chosen(const struct pref64_set *s)
{
	return s->cur >= 0 ? &s->c[s->cur] : NULL;
}

uint64_t pref64_set_next(const struct pref64_set *s)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < PREF64_CANDS; i++)
		if (s->c[i].expires && s->c[i].expires < next)
			next = s->c[i].expires;
	return next;
}
