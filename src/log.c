/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging, after OpenBSD's log.c, with syslog priorities for journald
 * (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* syslog(3) priorities, as sd-daemon(3) prefixes take them. */
enum { PRI_ERR = 3, PRI_WARNING = 4, PRI_INFO = 6, PRI_DEBUG = 7 };

static unsigned quiet_level, debug_level;
static int journal = -1;	/* -1: not looked yet */

void log_set_level(unsigned quiet, unsigned debug)
{
	quiet_level = quiet;
	debug_level = debug;
}

/* sd-daemon(3): JOURNAL_STREAM is "device:inode" of the stream systemd
 * connected to stdout/stderr; it only counts when stderr still is that
 * stream (a child with stderr redirected inherits the variable). */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_reinit(void)
{
	journal = stderr_is_journal();
}

static void vlog(int pri, int err, const char *fmt, va_list ap)
{
	const char *tag = pri == PRI_DEBUG ? "debug: " : "";
	char buf[512];

	if (journal < 0)
		log_reinit();
	vsnprintf(buf, sizeof(buf), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized): callers va_start it */
	/* One fprintf per line: lines of several threads do not mix. */
	if (journal && err)
		fprintf(stderr, "<%d>%s%s: %s\n", pri, tag, buf, strerror(-err));
	else if (journal)
		fprintf(stderr, "<%d>%s%s\n", pri, tag, buf);
	else if (err)
		fprintf(stderr, "clat-nfq: %s%s: %s\n", tag, buf, strerror(-err));
	else
		fprintf(stderr, "clat-nfq: %s%s\n", tag, buf);
}

#define LOG_BODY(pri, err, shown)					\
	do {								\
		va_list ap;						\
									\
		if (!(shown))						\
			return;						\
		va_start(ap, fmt);					\
		vlog(pri, err, fmt, ap);				\
		va_end(ap);						\
	} while (0)

void log_info(const char *fmt, ...)
{
	LOG_BODY(PRI_INFO, 0, quiet_level < 1);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(PRI_DEBUG, 0, debug_level >= 1);
}

void log_debug2(const char *fmt, ...)
{
	LOG_BODY(PRI_DEBUG, 0, debug_level >= 2);
}

void log_warn(int err, const char *fmt, ...)
{
	LOG_BODY(PRI_WARNING, err, quiet_level < 2);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(PRI_WARNING, 0, quiet_level < 2);
}

void log_err(int err, const char *fmt, ...)
{
	LOG_BODY(PRI_ERR, err, quiet_level < 2);
}

void log_errx(const char *fmt, ...)
{
	LOG_BODY(PRI_ERR, 0, quiet_level < 2);
}
