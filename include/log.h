/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr, one line per event, never per packet. On a terminal
 * the lines read "clat-nfq: ..."; when stderr is the journal (its device
 * and inode are the ones JOURNAL_STREAM names, sd-daemon(3)) each line
 * starts with its syslog priority instead: <3> errors, <4> warnings,
 * <6> information, <7> debugging, so `journalctl -p warning` finds them. */
#ifndef CLAT_LOG_H
#define CLAT_LOG_H

/* clatd's levels: quiet=1 hides information, quiet=2 warnings and errors
 * too; debug=1 shows debugging lines, debug=2 the chattier ones as well
 * (log_debug2). quiet does not hide debugging output. */
void log_set_level(unsigned quiet, unsigned debug);
/* Look at JOURNAL_STREAM and stderr again (done once by the first line
 * otherwise); for tests and after stderr changes. */
void log_reinit(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug2(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn and log_err append strerror of the -errno value err. */
void log_warn(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Errors: what stops the daemon or a request. */
void log_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
