/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Headers that a module may include twice (directly and through another
 * header) must guard all of themselves: include/rtnl.h once closed its
 * guard half way, and a second inclusion redeclared its enumerators. This
 * compiles only when every guard is whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rtnl.h"
#include "rtnl.h"
#include "nftrules.h"
#include "nftrules.h"
#include "clat_desire.h"
#include "clat_desire.h"

static void test_guards(void **state)
{
	(void)state;
	assert_int_equal(RTNL_ADDR_OK, 3);
	assert_int_equal(NFTRULES_PERSIST, 0x4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
