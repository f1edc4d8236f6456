/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7757 explicit address mappings (see xlat.h). Pure: the daemon reads
 * the configuration and its file, this module only parses and looks up. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlat.h"

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes) != 0)
		return false;
	if (!bits)
		return true;
	return ((a[bytes] ^ p[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

static bool host_bits_zero(const uint8_t *p, unsigned size, unsigned len)
{
	for (unsigned i = len; i < size * 8; i++)
		if (p[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* One "address/len" of family af into a (size bytes); 0 or -EINVAL. */
static int parse_prefix(const char *s, size_t n, int af, uint8_t *a,
			uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long l;
	unsigned max = af == AF_INET ? 32 : 128;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	l = max;
	if (slash) {
		*slash = '\0';
		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		l = strtoul(slash + 1, &end, 10);
		if (*end || l > max)
			return -EINVAL;
	}
	if (inet_pton(af, buf, a) != 1)
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

int xlat_eam_parse(const char *s, struct xlat_eam *e, const char **why)
{
	const char *comma = strchr(s, ',');
	const char *w = NULL;

	memset(e, 0, sizeof(*e));
	if (!comma || strchr(comma + 1, ','))
		w = "not IPV4-PREFIX,IPV6-PREFIX";
	else if (parse_prefix(s, (size_t)(comma - s), AF_INET, e->v4,
			      &e->len4))
		w = "not an IPv4 prefix before the comma";
	else if (parse_prefix(comma + 1, strlen(comma + 1), AF_INET6, e->v6,
			      &e->len6))
		w = "not an IPv6 prefix after the comma";
	else if (32 - e->len4 != 128 - e->len6)
		w = "the prefixes leave suffixes of different lengths "
		    "(32 - IPv4 length must be 128 - IPv6 length, so each "
		    "address has exactly one partner)";
	else if (!host_bits_zero(e->v4, 4, e->len4))
		w = "the IPv4 prefix has bits set beyond its length";
	else if (!host_bits_zero(e->v6, 16, e->len6))
		w = "the IPv6 prefix has bits set beyond its length";
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

int xlat_eam_add(struct xlat_eamt *t, const struct xlat_eam *e,
		 const char **why)
{
	const char *w = NULL;

	for (unsigned i = 0; i < t->n && !w; i++) {
		const struct xlat_eam *o = &t->e[i];

		/* RFC 7757 section 3 settles overlaps by the longest
		 * match; the same prefix twice has no answer. */
		if (o->len4 == e->len4 && !memcmp(o->v4, e->v4, 4))
			w = "its IPv4 prefix is mapped already";
		else if (o->len6 == e->len6 && !memcmp(o->v6, e->v6, 16))
			w = "its IPv6 prefix is mapped already";
	}
	if (why)
		*why = w;
	if (w)
		return -EINVAL;
	if (t->n >= XLAT_EAM_MAX) {
		if (why)
			*why = "more mappings than the table holds (64)";
		return -ENOSPC;
	}
	t->e[t->n++] = *e;
	return 0;
}

/* Copy the suffix (the last 32 - len4 bits) of from into to, whose
 * prefix is already in place. */
static void put_suffix(uint8_t *to, size_t tsize, const uint8_t *from,
		       size_t fsize, unsigned slen)
{
	for (unsigned i = 0; i < slen; i++) {
		unsigned fb = (unsigned)fsize * 8 - 1 - i;
		unsigned tb = (unsigned)tsize * 8 - 1 - i;
		uint8_t m = (uint8_t)(0x80 >> (tb % 8));

		if (from[fb / 8] & (0x80 >> (fb % 8)))
			to[tb / 8] |= m;
		else
			to[tb / 8] &= (uint8_t)~m;
	}
}

int xlat_eam_4to6(const struct xlat_eamt *t, const uint8_t v4[4],
		  uint8_t v6[16])
{
	const struct xlat_eam *best = NULL;

	for (unsigned i = 0; i < t->n; i++)
		if (prefix_match(v4, t->e[i].v4, t->e[i].len4) &&
		    (!best || t->e[i].len4 > best->len4))
			best = &t->e[i];
	if (!best)
		return -ENOENT;
	memcpy(v6, best->v6, 16);
	put_suffix(v6, 16, v4, 4, 32u - best->len4);
	return 0;
}

int xlat_eam_6to4(const struct xlat_eamt *t, const uint8_t v6[16],
		  uint8_t v4[4])
{
	const struct xlat_eam *best = NULL;

	for (unsigned i = 0; i < t->n; i++)
		if (prefix_match(v6, t->e[i].v6, t->e[i].len6) &&
		    (!best || t->e[i].len6 > best->len6))
			best = &t->e[i];
	if (!best)
		return -ENOENT;
	memcpy(v4, best->v4, 4);
	put_suffix(v4, 4, v6, 16, 128u - best->len6);
	return 0;
}

char *xlat_eam_format(const struct xlat_eam *e, char *buf, size_t size)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET, e->v4, a4, sizeof(a4));
	inet_ntop(AF_INET6, e->v6, a6, sizeof(a6));
	snprintf(buf, size, "%s/%u,%s/%u", a4, e->len4, a6, e->len6);
	return buf;
}
