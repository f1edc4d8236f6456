/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration box between the main thread and the workers
 * (src/workercfg.c): the zeroed box of a fresh start (generation 0) is
 * never taken as a configuration, a publish is, and the counter's wrap
 * skips the values that mean "never" and "none yet". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "workercfg.h"

/* The device callback: which descriptor the worker was told of. */
static void dev_seen(int dev_fd, const char *name, void *arg)
{
	(void)name;
	*(int *)arg = dev_fd;
}

static void test_zeroed_box_is_no_configuration(void **state)
{
	static struct worker_cfg box;	/* as in a fresh daemon: zeroes */
	struct worker_cfg_copy copy = { .gen = ~0u };
	int seen = -1;

	(void)state;
	pthread_mutex_init(&box.lock, NULL);
	assert_false(worker_cfg_take(&box, &copy, dev_seen, &seen));
	assert_false(worker_cfg_valid(&copy));
	assert_int_equal(seen, -1);
	pthread_mutex_destroy(&box.lock);
}

static void test_publish_is_taken_once(void **state)
{
	static struct worker_cfg box;
	struct worker_cfg_copy copy = { .gen = ~0u };
	int seen = -1;
	struct xlat_cfg cfg;

	(void)state;
	pthread_mutex_init(&box.lock, NULL);
	xlat_cfg_init(&cfg);
	cfg.mtu6 = 1400;
	worker_cfg_publish(&box, &cfg, 7, "clat");
	assert_true(worker_cfg_take(&box, &copy, dev_seen, &seen));
	assert_true(worker_cfg_valid(&copy));
	assert_int_equal(copy.cfg.mtu6, 1400);
	assert_memory_equal(copy.cfg.clat4, cfg.clat4, 4);
	assert_int_equal(copy.dev_fd, 7);
	assert_int_equal(seen, 7);
	seen = -1;
	assert_false(worker_cfg_take(&box, &copy, dev_seen, &seen));
	cfg.mtu6 = 1300;
	worker_cfg_publish(&box, &cfg, 7, "clat");
	assert_true(worker_cfg_take(&box, &copy, dev_seen, &seen));
	assert_int_equal(copy.cfg.mtu6, 1300);
	assert_int_equal(seen, -1);	/* same device: not told again */
	pthread_mutex_destroy(&box.lock);
}

static void test_wrap_skips_none_and_zero(void **state)
{
	static struct worker_cfg box;
	struct worker_cfg_copy copy = { .gen = ~0u };
	int seen = -1;
	struct xlat_cfg cfg;

	(void)state;
	pthread_mutex_init(&box.lock, NULL);
	xlat_cfg_init(&cfg);
	box.gen = ~0u - 1;
	worker_cfg_publish(&box, &cfg, 7, "clat");
	assert_int_not_equal(box.gen, ~0u);
	assert_int_not_equal(box.gen, 0);
	assert_true(worker_cfg_take(&box, &copy, dev_seen, &seen));
	assert_true(worker_cfg_valid(&copy));
	pthread_mutex_destroy(&box.lock);
}

/* A watcher's eventfd is written when the device changes (a new
 * descriptor or name), not for a new configuration alone. */
static void test_watchers_told_of_device_only(void **state)
{
	static struct worker_cfg box;
	struct xlat_cfg cfg;
	uint64_t v = 0;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_true(efd >= 0);
	pthread_mutex_init(&box.lock, NULL);
	box.dev_fd = -1;
	xlat_cfg_init(&cfg);
	assert_int_equal(worker_cfg_watch(&box, efd), 0);
	worker_cfg_publish(&box, &cfg, 7, "clat");
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	cfg.mtu6 = 1300;
	worker_cfg_publish(&box, &cfg, 7, "clat");
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	worker_cfg_publish(&box, &cfg, 7, "clat2");
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	worker_cfg_unwatch(&box, efd);
	assert_int_equal(box.nwatch, 0);
	worker_cfg_publish(&box, &cfg, 8, "clat2");
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	close(efd);
	pthread_mutex_destroy(&box.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed_box_is_no_configuration),
		cmocka_unit_test(test_publish_is_taken_once),
		cmocka_unit_test(test_wrap_skips_none_and_zero),
		cmocka_unit_test(test_watchers_told_of_device_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
