/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4-embedded IPv6 addresses, RFC 6052. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc6052.h"

static const uint8_t wkp[16] = { 0x00, 0x64, 0xff, 0x9b };

/* Where the four IPv4 bytes go for each prefix length (section 2.2,
 * Figure 1): bits 64..71 (byte 8, the u-octet) are always skipped. */
static const uint8_t *layout(uint8_t len)
{
	static const uint8_t l32[4] = { 4, 5, 6, 7 };
	static const uint8_t l40[4] = { 5, 6, 7, 9 };
	static const uint8_t l48[4] = { 6, 7, 9, 10 };
	static const uint8_t l56[4] = { 7, 9, 10, 11 };
	static const uint8_t l64[4] = { 9, 10, 11, 12 };
	static const uint8_t l96[4] = { 12, 13, 14, 15 };

	switch (len) {
	case 32: return l32;
	case 40: return l40;
	case 48: return l48;
	case 56: return l56;
	case 64: return l64;
	case 96: return l96;
	default: return NULL;
	}
}

int rfc6052_prefix_check(const struct rfc6052_prefix *p)
{
	if (!layout(p->len))
		return -EINVAL;
	for (unsigned i = p->len / 8; i < 16; i++)
		if (p->addr[i])
			return -EINVAL;
	/* Section 2.2: bits 64..71 MUST be zero; only /96 covers them. */
	if (p->addr[8])
		return -EINVAL;
	return 0;
}

int rfc6052_prefix_parse(const char *s, struct rfc6052_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) || !slash[1])
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET6, buf, p->addr) != 1)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > 128)
		return -EINVAL;
	p->len = (uint8_t)len;
	return rfc6052_prefix_check(p);
}

char *rfc6052_prefix_format(const struct rfc6052_prefix *p, char *buf,
			    size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(AF_INET6, p->addr, a, sizeof(a)))
		a[0] = '\0';
	snprintf(buf, size, "%s/%u", a, p->len);
	return buf;
}

void rfc6052_embed(const struct rfc6052_prefix *p, const uint8_t v4[4],
		   uint8_t v6[16])
{
	const uint8_t *pos = layout(p->len);

	memcpy(v6, p->addr, 16);
	if (!pos)
		return;
	for (int i = 0; i < 4; i++)
		v6[pos[i]] = v4[i];
}

int rfc6052_extract(const struct rfc6052_prefix *p, const uint8_t v6[16],
		    uint8_t v4[4])
{
	const uint8_t *pos = layout(p->len);

	if (!pos || memcmp(v6, p->addr, p->len / 8) != 0)
		return -ENOENT;
	for (int i = 0; i < 4; i++)
		v4[i] = v6[pos[i]];
	return 0;
}

bool rfc6052_is_wkp(const struct rfc6052_prefix *p)
{
	return p->len == 96 && memcmp(p->addr, wkp, 16) == 0;
}

bool rfc6052_v4_is_global(const uint8_t a[4])
{
	/* Section 3.1 with the IANA IPv4 Special-Purpose Address Registry
	 * (RFC 6890): ranges that are not globally reachable. */
	static const struct { uint8_t net[4]; uint8_t len; } special[] = {
		{ { 0, 0, 0, 0 }, 8 },		/* this network */
		{ { 10, 0, 0, 0 }, 8 },		/* RFC 1918 */
		{ { 100, 64, 0, 0 }, 10 },	/* RFC 6598 shared */
		{ { 127, 0, 0, 0 }, 8 },	/* loopback */
		{ { 169, 254, 0, 0 }, 16 },	/* link-local */
		{ { 172, 16, 0, 0 }, 12 },	/* RFC 1918 */
		{ { 192, 0, 0, 0 }, 24 },	/* IETF protocol assignments */
		{ { 192, 0, 2, 0 }, 24 },	/* TEST-NET-1 */
		{ { 192, 168, 0, 0 }, 16 },	/* RFC 1918 */
		{ { 198, 18, 0, 0 }, 15 },	/* benchmarking */
		{ { 198, 51, 100, 0 }, 24 },	/* TEST-NET-2 */
		{ { 203, 0, 113, 0 }, 24 },	/* TEST-NET-3 */
		{ { 224, 0, 0, 0 }, 4 },	/* multicast */
		{ { 240, 0, 0, 0 }, 4 },	/* reserved, broadcast */
	};
	uint32_t v = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		const uint8_t *n = special[i].net;
		uint32_t net = (uint32_t)n[0] << 24 | n[1] << 16 | n[2] << 8 |
			       n[3];
		uint32_t mask = ~0u << (32 - special[i].len);

		if ((v & mask) == net)
			return false;
	}
	return true;
}
