/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The saved-routes file (see routefile.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "routefile.h"

static const uint8_t magic[8] = { 'c', 'l', 'a', 't', 'r', 't', '0', '1' };

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The attributes in [p, p + len) are well formed (RTA_ALIGN'ed, each
 * inside); with want4, each carries exactly 4 bytes (metrics). */
static bool attrs_ok(const uint8_t *p, size_t len, bool want4)
{
	while (len > 0) {
		uint16_t alen;

		if (len < 4)
			return false;
		alen = get_u16(p);
		if (alen < 4 || alen > len || (want4 && alen != 8))
			return false;
		size_t step = (size_t)RTA_ALIGN(alen);

		len -= step < len ? step : len;
		p += step;
	}
	return true;
}

/* RTA_MULTIPATH: struct rtnexthop records, each with attributes (a 4-byte
 * gateway at most). */
static bool multipath_ok(const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct rtnexthop nh;

		if (len < sizeof(nh))
			return false;
		memcpy(&nh, p, sizeof(nh));
		if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > len ||
		    !attrs_ok(p + sizeof(nh), nh.rtnh_len - sizeof(nh), true))
			return false;
		size_t step = (size_t)RTNH_ALIGN(nh.rtnh_len);

		len -= step < len ? step : len;
		p += step;
	}
	return true;
}

bool routefile_route_ok(const uint8_t *msg, size_t len)
{
	struct nlmsghdr nlh;
	struct rtmsg rtm;
	const uint8_t *p;
	size_t left;
	uint32_t table;
	bool via = false;

	if (len < NLMSG_HDRLEN + sizeof(rtm) || len > ROUTEFILE_MSG_MAX)
		return false;
	memcpy(&nlh, msg, sizeof(nlh));
	memcpy(&rtm, msg + NLMSG_HDRLEN, sizeof(rtm));
	if (nlh.nlmsg_len != len || nlh.nlmsg_type != RTM_NEWROUTE ||
	    rtm.rtm_family != AF_INET || rtm.rtm_dst_len != 0 ||
	    rtm.rtm_src_len != 0 || rtm.rtm_type != RTN_UNICAST ||
	    (rtm.rtm_scope != RT_SCOPE_UNIVERSE &&
	     rtm.rtm_scope != RT_SCOPE_LINK))
		return false;
	table = rtm.rtm_table;
	p = msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtm));
	left = len - (NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtm)));
	if (!attrs_ok(p, left, false))
		return false;
	while (left >= 4) {
		uint16_t alen = get_u16(p), type = get_u16(p + 2);
		size_t plen = alen - 4u, step = (size_t)RTA_ALIGN(alen);

		switch (type) {
		case RTA_TABLE:
			if (plen != 4)
				return false;
			table = get_u32(p + 4);
			break;
		case RTA_OIF:
		case RTA_GATEWAY:
			if (plen != 4)
				return false;
			via = true;
			break;
		case RTA_PRIORITY:
		case RTA_PREFSRC:
			if (plen != 4)
				return false;
			break;
		case RTA_METRICS:
			if (!attrs_ok(p + 4, plen, true))
				return false;
			break;
		case RTA_MULTIPATH:
			if (!multipath_ok(p + 4, plen))
				return false;
			via = true;
			break;
		default:	/* RTA_DST, RTA_SRC, RTA_IIF, encap, ...: no */
			return false;
		}
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return table == RT_TABLE_MAIN && via;
}

size_t routefile_build(uint8_t *buf, size_t cap, uint64_t cookie,
		       const uint8_t *const msg[], const size_t mlen[],
		       unsigned n)
{
	size_t off = 16;

	if (cap < 16 || n > ROUTEFILE_MAX)
		return 0;
	memcpy(buf, magic, 8);
	memcpy(buf + 8, &cookie, 8);
	for (unsigned i = 0; i < n; i++) {
		uint32_t l = (uint32_t)mlen[i];

		if (!routefile_route_ok(msg[i], mlen[i]) || cap - off < 4 + l)
			return 0;
		memcpy(buf + off, &l, 4);
		memcpy(buf + off + 4, msg[i], l);
		off += 4 + l;
	}
	return off;
}

int routefile_parse(const uint8_t *buf, size_t len, uint64_t cookie,
		    const uint8_t *msg[], size_t mlen[], unsigned max)
{
	size_t off = 16;
	uint64_t c;
	unsigned n = 0;

	if (len < 16 || memcmp(buf, magic, 8) != 0)
		return -EINVAL;
	memcpy(&c, buf + 8, 8);
	if (!cookie || c != cookie)
		return -ESTALE;
	while (off < len) {
		uint32_t l;

		if (len - off < 4 || n == max)
			return -EINVAL;
		l = get_u32(buf + off);
		if (l > len - off - 4 || !routefile_route_ok(buf + off + 4, l))
			return -EINVAL;
		msg[n] = buf + off + 4;
		mlen[n++] = l;
		off += 4 + (size_t)l;
	}
	return (int)n;
}
