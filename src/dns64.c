/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS64 prefix discovery, RFC 7050: query and answer, no I/O. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "dns64.h"

/* "ipv4only.arpa" in wire form (RFC 1035 3.1). */
static const uint8_t qname[] = "\x08ipv4only\x04" "arpa";	/* + root 0 */
#define QNAME_LEN (sizeof(qname))	/* includes the final zero */
#define TYPE_AAAA 28
#define CLASS_IN 1

size_t dns64_query(uint8_t buf[DNS64_QUERY_MAX], uint16_t id)
{
	size_t n = 12;

	memset(buf, 0, 12);
	put16(buf, id);
	buf[2] = 0x01;			/* RD: the resolver recurses */
	put16(buf + 4, 1);		/* one question */
	memcpy(buf + n, qname, QNAME_LEN);
	n += QNAME_LEN;
	put16(buf + n, TYPE_AAAA);
	put16(buf + n + 2, CLASS_IN);
	return n + 4;
}

/* Step over a (possibly compressed) name at *off; -EINVAL when it runs
 * out of the message or is not a name. */
static int skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t o = *off;

	for (unsigned labels = 0; labels < 128; labels++) {
		if (o >= len)
			return -EINVAL;
		if (m[o] == 0) {
			*off = o + 1;
			return 0;
		}
		if ((m[o] & 0xc0) == 0xc0) {	/* pointer: ends the name */
			if (len - o < 2)
				return -EINVAL;
			*off = o + 2;
			return 0;
		}
		if (m[o] & 0xc0)		/* extended label types */
			return -EINVAL;
		o += 1 + (size_t)m[o];
	}
	return -EINVAL;
}

static bool same_name(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

#define MAX_AAAA 16

/* Whether some record in aaaa[] holds v4 under p. */
static bool holds(const uint8_t aaaa[][16], unsigned n,
		  const struct rfc6052_prefix *p, uint8_t last)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t v4[4];

		if (rfc6052_extract(p, aaaa[i], v4) == 0 && v4[0] == 192 &&
		    v4[1] == 0 && v4[2] == 0 && v4[3] == last)
			return true;
	}
	return false;
}

int dns64_parse(const uint8_t *msg, size_t len, uint16_t id,
		struct rfc6052_prefix *prefix, uint32_t *ttl)
{
	static const uint8_t lens[] = { 96, 64, 56, 48, 40, 32 };
	uint8_t aaaa[MAX_AAAA][16];
	uint32_t ttls[MAX_AAAA];
	unsigned n = 0, an;
	size_t off = 12;

	/* An answer (QR) to our one question, by id and question. */
	if (len < 12 || get16(msg) != id || !(msg[2] & 0x80) ||
	    get16(msg + 4) != 1)
		return -EINVAL;
	if (len - off < QNAME_LEN + 4 ||
	    !same_name(msg + off, qname, QNAME_LEN) ||
	    get16(msg + off + QNAME_LEN) != TYPE_AAAA ||
	    get16(msg + off + QNAME_LEN + 2) != CLASS_IN)
		return -EINVAL;
	off += QNAME_LEN + 4;
	if ((msg[3] & 0x0f) != 0)	/* RCODE: no such name, failure */
		return -ENOENT;
	an = get16(msg + 6);
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, class, rdlen;

		if (skip_name(msg, len, &off) || len - off < 10)
			return -EINVAL;
		type = get16(msg + off);
		class = get16(msg + off + 2);
		rdlen = get16(msg + off + 8);
		if (len - off - 10 < rdlen)
			return -EINVAL;
		/* CNAMEs and the like may come first: only AAAA counts. */
		if (type == TYPE_AAAA && class == CLASS_IN && rdlen == 16 &&
		    n < MAX_AAAA) {
			memcpy(aaaa[n], msg + off + 10, 16);
			ttls[n] = get32(msg + off + 4) & 0x7fffffff;
			n++;
		}
		off += 10 + (size_t)rdlen;
	}
	/* RFC 7050 section 3: the well-known addresses 192.0.0.170 and
	 * .171 show where the IPv4 address sits, and so the prefix; both
	 * must appear under it, at whichever RFC 6052 length. */
	for (unsigned i = 0; i < n; i++)
		for (unsigned l = 0; l < sizeof(lens); l++) {
			struct rfc6052_prefix p = { .len = lens[l] };

			memcpy(p.addr, aaaa[i], lens[l] / 8);
			if (rfc6052_prefix_check(&p) ||
			    !holds(aaaa, n, &p, 170) || !holds(aaaa, n, &p, 171))
				continue;
			*prefix = p;
			*ttl = UINT32_MAX;
			for (unsigned k = 0; k < n; k++) {
				uint8_t v4[4];

				if (rfc6052_extract(&p, aaaa[k], v4) == 0 &&
				    ttls[k] < *ttl)
					*ttl = ttls[k];
			}
			return 0;
		}
	return -ENOENT;
}
