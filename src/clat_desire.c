/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The desired state of the CLAT (see clat_desire.h). */
#include <stdio.h>
#include <string.h>

#include "clat_desire.h"

bool clat_src_usable(const uint8_t src[16])
{
	/* fe80::/10, and ::, ::1 */
	if (src[0] == 0xfe && (src[1] & 0xc0) == 0x80)
		return false;
	return !(src[0] == 0 && src[15] <= 1 && !memcmp(src, src + 1, 14));
}

/* Where RFC 6052 puts the last octet of an IPv4 address under prefix p:
 * the rules choose a packet's worker by its low bits. */
static uint8_t last_octet_at(const struct rfc6052_prefix *p)
{
	static const uint8_t lo[4] = { 0, 0, 0, 0 }, hi[4] = { 0, 0, 0, 0xff };
	uint8_t a[16], b[16];

	rfc6052_embed(p, lo, a);
	rfc6052_embed(p, hi, b);
	for (uint8_t i = 0; i < 16; i++)
		if (a[i] != b[i])
			return i;
	return 15;
}

void clat_make_spec(const struct config *c, unsigned nworkers,
		    const struct rfc6052_prefix *pfx, const uint8_t clat6[16],
		    struct nftrules_spec *rs)
{
	memset(rs, 0, sizeof(*rs));
	memcpy(rs->clat4, c->clat_v4, 4);
	memcpy(rs->clat6, clat6, 16);
	rs->plat = *pfx;
	/* ctmark=0 (clatd's meaning): no mark, so every IPv6 packet from
	 * the prefix to the CLAT address is translated, the host's own
	 * flows to the prefix included. */
	rs->shared = c->v6_mode == CONFIG_V6_SHARED && c->ctmark != 0;
	rs->fwmark = c->fwmark;
	rs->ctmark = c->ctmark;
	rs->queue_num = c->queue_num;
	rs->queues = (uint16_t)nworkers;
	rs->sel6 = last_octet_at(pfx);
	/* The offloading queues follow the plain ones. */
	rs->gso_queue_num = c->gso ? (uint16_t)(c->queue_num + nworkers) : 0;
	rs->trace = c->trace;
	rs->router = c->router;
	snprintf(rs->clat_dev, sizeof(rs->clat_dev), "%s", c->clat_dev);
	rs->eam = &c->eam;
}

bool clat_spec_equal(const struct nftrules_spec *a,
		     const struct nftrules_spec *b)
{
	return !memcmp(a->clat6, b->clat6, 16) && a->sel6 == b->sel6 &&
	       a->plat.len == b->plat.len &&
	       !memcmp(a->plat.addr, b->plat.addr, 16) &&
	       !memcmp(a->clat4, b->clat4, 4) && a->shared == b->shared &&
	       a->queues == b->queues && a->queue_num == b->queue_num &&
	       a->gso_queue_num == b->gso_queue_num &&
	       a->native_queue == b->native_queue &&
	       a->fwmark == b->fwmark && a->ctmark == b->ctmark &&
	       a->trace == b->trace &&
	       a->router == b->router &&
	       !strcmp(a->clat_dev, b->clat_dev) &&
	       a->fwd_ifindex == b->fwd_ifindex &&
	       a->uplink_idx == b->uplink_idx &&
	       !strcmp(a->uplink, b->uplink);
}

bool clat_xc_equal(const struct xlat_cfg *a, const struct xlat_cfg *b)
{
	return a->plat.len == b->plat.len &&
	       !memcmp(a->plat.addr, b->plat.addr, 16) &&
	       !memcmp(a->clat6, b->clat6, 16) &&
	       !memcmp(a->clat4, b->clat4, 4) && a->mtu6 == b->mtu6 &&
	       a->eam.n == b->eam.n &&
	       !memcmp(a->eam.e, b->eam.e, a->eam.n * sizeof(a->eam.e[0]));
}

/* Explicit mode: how the address is reached decides whether it needs an
 * anycast join (RFC 6877 6.3: a dedicated prefix routed to the host needs
 * no neighbour discovery; an address on the uplink's own /64 does). */
static const char *explicit_how(const struct clat_facts *f,
				struct clat_desired *d)
{
	switch (f->v6route) {
	case CLAT_V6R_ONLINK:
		d->anycast_ifindex = f->v6route_oif;
		d->v6_how = "on-link, answered as anycast";
		return NULL;
	case CLAT_V6R_ROUTED:
		d->v6_how = "routed to this host, no neighbour discovery";
		return NULL;
	case CLAT_V6R_LOCAL:
		d->v6_how = "an address of this host";
		return NULL;
	case CLAT_V6R_NONE:
		d->v6_how = "unreachable";
		return "clat-v6-addr: the kernel has no route to it, so it is "
		       "neither on a link of this host nor routed to it; fix: "
		       "take an address from the uplink's prefix (answered as "
		       "anycast), or have the provider route a prefix to this "
		       "host and add a route for it (e.g. the provider's "
		       "default route)";
	case CLAT_V6R_UNKNOWN:
	default:
		d->v6_how = "checking";
		return "checking the route to clat-v6-addr";
	}
}

void clat_desire(const struct config *c, const struct clat_facts *f,
		 const struct xlat_cfg *base, struct clat_desired *d)
{
	uint8_t v4[4];

	memset(d, 0, sizeof(*d));
	d->xc = *base;
	memcpy(d->xc.clat4, c->clat_v4, 4);
	d->xc.eam = c->eam;			/* RFC 7757 */
	if (!f->have_prefix)
		d->why = "waiting for a PLAT prefix (PREF64 in a router "
			 "advertisement, or DNS64)";
	else if (f->plat_dev_missing)
		d->why = "waiting for plat-dev to appear";
	else if (f->route_err)
		d->why = "no IPv6 route toward the PLAT prefix";
	else if (!clat_src_usable(f->src))
		/* With its global address gone, the kernel still routes,
		 * from a link-local source: no use toward the PLAT. */
		d->why = "no IPv6 route toward the PLAT prefix from a global "
			 "address";
	else if (!f->uplink_idx)
		d->why = "the uplink is gone";
	if (!d->why) {
		switch (c->v6_mode) {
		case CONFIG_V6_SHARED:
			/* The address in use stays while the uplink has it,
			 * even when the kernel now prefers another (a new
			 * temporary address, RFC 8981): the CLAT's flows
			 * live on it. A new one is taken when it goes. */
			memcpy(d->clat6, f->shared_kept ? f->shared_addr :
			       f->src, 16);
			break;
		case CONFIG_V6_EXPLICIT:
			memcpy(d->clat6, c->clat_v6, 16);
			d->why = explicit_how(f, d);
			break;
		case CONFIG_V6_DERIVED:
			d->why = f->derived_wait;
			memcpy(d->clat6, f->derived_addr, 16);
			break;
		}
	}
	/* RFC 7756: an Edge Relay's address may be the RFC 6052 address of
	 * its own IPv4 service address (config.c). */
	if (!d->why && rfc6052_extract(&f->pfx, d->clat6, v4) == 0 &&
	    !(c->edge_relay && !memcmp(v4, c->clat_v4, 4)))
		d->why = "the CLAT IPv6 address lies under the PLAT prefix";
	if (d->why) {
		d->anycast_ifindex = 0;
		return;
	}
	d->xc.plat = f->pfx;
	memcpy(d->xc.clat6, d->clat6, 16);
	d->xc.mtu6 = (uint16_t)(f->mtu6 < 1280 ? 1280 :
				f->mtu6 > 65535 ? 65535 : f->mtu6);
	clat_make_spec(c, f->nworkers, &f->pfx, d->clat6, &d->rs);
	d->rs.native_queue = f->native_queue;
	/* The fast path, where the address is the CLAT's alone (nftrules.h):
	 * from the uplink the route to the prefix takes. */
	if (c->ingress_fwd && f->clat_ifindex > 0 && f->uplink[0]) {
		d->rs.fwd_ifindex = f->clat_ifindex;
		d->rs.uplink_idx = f->uplink_idx;
		snprintf(d->rs.uplink, sizeof(d->rs.uplink), "%s", f->uplink);
	}
	d->serve = !f->aside;
	/* The IPv4 default route, with the uplink's MTU less the 20 bytes
	 * IPv6's header adds (RFC 7915 section 4). */
	d->route = d->serve && c->v4_defaultroute_enable;
	if (d->route) {
		d->mtu4 = c->v4_defaultroute_mtu ? c->v4_defaultroute_mtu :
			  (uint32_t)d->xc.mtu6 - 20;
		d->advmss = c->v4_defaultroute_advmss ?
			    c->v4_defaultroute_advmss : d->mtu4 - 40;
	}
}
