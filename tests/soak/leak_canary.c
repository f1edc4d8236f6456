/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Preloaded into the daemon by tests/soak/soak.sh: leaks 4321 bytes, so a
 * run with it proves that LeakSanitizer reports leaks in this daemon (after
 * its capabilities are dropped, with no_new_privs set). */
#include <stdlib.h>
#include <string.h>

void *volatile leak_canary_sink;

__attribute__((constructor)) static void leak_canary(void)
{
	char *p = malloc(4321);

	if (p)
		memset(p, 0xc1, 4321);
	leak_canary_sink = p;
	leak_canary_sink = NULL;
}
