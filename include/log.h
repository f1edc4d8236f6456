/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr (journald adds the time): one line per event, never
 * per packet. */
#ifndef CLAT_LOG_H
#define CLAT_LOG_H

enum log_level { LOG_QUIET, LOG_NORMAL, LOG_DEBUG };

void log_set_level(enum log_level l);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror of the -errno value err. */
void log_warn(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
