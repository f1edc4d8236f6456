/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counters with one writer (a worker thread) and readers elsewhere:
 * relaxed atomics keep that free of locks and of torn reads. */
#ifndef CLAT_COUNTER_H
#define CLAT_COUNTER_H

#define STAT_ADD(x, n) __atomic_store_n(&(x), __atomic_load_n(&(x), \
					__ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define STAT_INC(x) STAT_ADD(x, 1)

#endif
