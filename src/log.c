/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging, after OpenBSD's log.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static enum log_level level = LOG_NORMAL;

void log_set_level(enum log_level l)
{
	level = l;
}

static void vlog(const char *tag, int err, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized): callers va_start it */
	if (err)
		fprintf(stderr, "clat-nfq: %s%s: %s\n", tag, buf, strerror(-err));
	else
		fprintf(stderr, "clat-nfq: %s%s\n", tag, buf);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog("debug: ", 0, fmt, ap);
	va_end(ap);
}

void log_warn(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", err, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}
