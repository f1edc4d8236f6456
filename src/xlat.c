/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translator configuration, per-worker state and reason names. */
#include <errno.h>
#include <string.h>

#include "xlat.h"

const char *xlat_reason_name(enum xlat_reason r)
{
	static const char *const names[] = {
#define XLAT_REASON_NAME(id, name) [XLAT_R_##id] = (name),
		XLAT_REASONS(XLAT_REASON_NAME)
#undef XLAT_REASON_NAME
	};

	if ((unsigned)r >= XLAT_R_COUNT)
		return "unknown";
	return names[r];
}

void xlat_cfg_init(struct xlat_cfg *cfg)
{
	static const uint8_t clat4[4] = { 192, 0, 0, 1 };
	static const uint8_t self4[4] = { 192, 0, 0, 2 };
	static const uint8_t dummy4[4] = { 192, 0, 0, 8 };	/* RFC 7600 */

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->clat4, clat4, 4);
	memcpy(cfg->self4, self4, 4);
	memcpy(cfg->dummy4, dummy4, 4);
	cfg->mtu6 = 1280;
	cfg->lowest_mtu6 = 1280;	/* RFC 7915 4.1 default */
	cfg->mtu4 = 0;
	cfg->decrement_ttl = true;
	cfg->wkp_strict = false;
}

int xlat_cfg_check(const struct xlat_cfg *cfg, const char **why)
{
	static const uint8_t zero[16];
	const char *w = NULL;

	if (rfc6052_prefix_check(&cfg->plat))
		w = "plat-prefix";
	else if (memcmp(cfg->clat6, zero, 16) == 0 || cfg->clat6[0] == 0xff)
		w = "clat-v6-addr";
	else if (cfg->clat4[0] == 0 || cfg->clat4[0] >= 224)
		w = "clat-v4-addr";
	else if (cfg->mtu6 < 1280)	/* RFC 8200 section 5 */
		w = "mtu6";
	else if (cfg->lowest_mtu6 < 1280 || cfg->lowest_mtu6 > cfg->mtu6)
		w = "lowest-mtu6";
	else if (cfg->mtu4 != 0 && cfg->mtu4 < 576)
		w = "mtu4";
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

void xlat_state_init(struct xlat_state *st, uint32_t seed)
{
	memset(st, 0, sizeof(*st));
	st->ipid = seed ? seed : 0x9e3779b9u;
	st->segs = &st->own;
}

void xlat_state_share(struct xlat_state *st, struct xlat_segcache *cache)
{
	st->segs = cache;
}
