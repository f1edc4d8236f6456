/* SPDX-License-Identifier: GPL-2.0-or-later */
/* script-up and script-down: /bin/sh -c with clatd's variables, run
 * asynchronously so that a slow script never holds up the daemon (its
 * readiness, its following the network, its exit). Each runs in a
 * process group of its own and has script-timeout seconds; then the group
 * is killed. Failures and timeouts are logged. The service manager's
 * variables that would let a script speak or act for the daemon
 * (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*) are removed from its environment;
 * INVOCATION_ID and JOURNAL_STREAM, which only describe where it runs,
 * stay. */
#ifndef CLAT_SCRIPTS_H
#define CLAT_SCRIPTS_H

#include <stdint.h>
#include <sys/types.h>

#define SCRIPTS_MAX 4			/* running at once */

struct scripts {
	uint64_t timeout_ms;
	struct {
		pid_t pid;		/* 0: free; also the process group */
		uint64_t deadline;
		char what[8];		/* "up", "down" */
	} run[SCRIPTS_MAX];
};

void scripts_init(struct scripts *s, uint32_t timeout_s);

/* Start cmd as script-<what> with the n variables vars ("name=value")
 * in front of the daemon's environment (less the service variables). */
void scripts_start(struct scripts *s, const char *cmd, const char *what,
		   char *const vars[], unsigned n, uint64_t now);

/* Reap the scripts that ended (logging failures) and kill the groups of
 * those past their deadline. */
void scripts_reap(struct scripts *s, uint64_t now);

/* The earliest deadline (UINT64_MAX: none running). */
uint64_t scripts_next(const struct scripts *s);

/* At exit: script-down may finish within its timeout; any other script
 * still running is killed at once. Nothing is left behind. */
void scripts_stop(struct scripts *s, uint64_t now);

#endif
