/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CLAT address mapping (RFC 6877, RFC 6052). */
#include <errno.h>
#include <string.h>

#include "xlat_map.h"

bool xlat_map_v4_forbidden(const uint8_t a[4])
{
	return a[0] == 0 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
	       a[0] >= 224;
}

bool xlat_map_v4_no_error(const uint8_t a[4])
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

bool xlat_map_v6_no_error(const uint8_t a[16])
{
	static const uint8_t zero[15];

	if (a[0] == 0xff)
		return true;
	/* :: and ::1 */
	return memcmp(a, zero, 15) == 0 && a[15] <= 1;
}

int xlat_map_remote_4to6(const struct xlat_cfg *cfg, const uint8_t v4[4],
		    uint8_t v6[16])
{
	if (xlat_map_v4_forbidden(v4) || memcmp(v4, cfg->clat4, 4) == 0)
		return -EPERM;
	/* RFC 7757 section 3: an explicit mapping comes before RFC 6052.
	 * One that lands on the CLAT's own IPv6 address would send the
	 * packet straight back into the translator: RFC 7757 section 4's
	 * hairpin needs a second translation, which a CLAT (whose IPv6
	 * side is the host itself) never has to make, so it is refused. */
	if (cfg->eam.n && xlat_eam_4to6(&cfg->eam, v4, v6) == 0)
		return memcmp(v6, cfg->clat6, 16) != 0 ? 0 : -EPERM;
	/* RFC 6052 section 3.1: the WKP MUST NOT be used for non-global
	 * IPv4 addresses; off by default for a CLAT, see README. */
	if (cfg->wkp_strict && rfc6052_is_wkp(&cfg->plat) &&
	    !rfc6052_v4_is_global(v4))
		return -EPERM;
	rfc6052_embed(&cfg->plat, v4, v6);
	return 0;
}

int xlat_map_remote_6to4(const struct xlat_cfg *cfg, const uint8_t v6[16],
		    uint8_t v4[4])
{
	/* RFC 7757 section 3: explicit mappings first. */
	if (cfg->eam.n && xlat_eam_6to4(&cfg->eam, v6, v4) == 0)
		return xlat_map_v4_forbidden(v4) ||
		       memcmp(v4, cfg->clat4, 4) == 0 ? -EPERM : 0;
	if (rfc6052_extract(&cfg->plat, v6, v4))
		return -ENOENT;
	if (xlat_map_v4_forbidden(v4) || memcmp(v4, cfg->clat4, 4) == 0)
		return -EPERM;
	if (cfg->wkp_strict && rfc6052_is_wkp(&cfg->plat) &&
	    !rfc6052_v4_is_global(v4))
		return -EPERM;
	return 0;
}
