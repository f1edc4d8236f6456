/* SPDX-License-Identifier: GPL-2.0-or-later */
/* script-up and script-down (see scripts.h). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "log.h"
#include "privs.h"
#include "scripts.h"

extern char **environ;

void scripts_init(struct scripts *s, uint32_t timeout_s)
{
	memset(s, 0, sizeof(*s));
	s->timeout_ms = (uint64_t)timeout_s * 1000;
}

/* A variable the script must not inherit: the service manager's means to
 * speak or act for the daemon, or one of clatd's names the daemon sets. */
static bool withheld(const char *e, char *const vars[], unsigned n)
{
	static const char *const drop[] = {
		"NOTIFY_SOCKET=", "WATCHDOG_PID=", "WATCHDOG_USEC=",
		"LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES=",
	};

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (!strncmp(e, drop[i], strlen(drop[i])))
			return true;
	for (unsigned i = 0; i < n; i++) {
		size_t k = strcspn(vars[i], "=") + 1;

		if (!strncmp(e, vars[i], k))
			return true;
	}
	return false;
}

void scripts_start(struct scripts *s, const char *cmd, const char *what,
		   char *const vars[], unsigned n, uint64_t now)
{
	char *envp[512];
	size_t k = 0;
	int slot = -1;
	pid_t pid;

	if (!cmd[0])
		return;
	scripts_reap(s, now);
	for (int i = 0; i < SCRIPTS_MAX; i++)
		if (!s->run[i].pid) {
			slot = i;
			break;
		}
	if (slot < 0) {
		log_warnx("script-%s not run: %d scripts still running", what,
			  SCRIPTS_MAX);
		return;
	}
	for (unsigned i = 0; i < n && k < 511; i++)
		envp[k++] = vars[i];
	for (char **e = environ; *e && k < 511; e++)
		if (!withheld(*e, vars, n))
			envp[k++] = *e;
	envp[k] = NULL;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "sh", "-c", (char *)cmd, NULL };
		sigset_t none;

		/* A group of its own, to be killed whole; the signals as a
		 * shell expects them, not the daemon's blocked ones. */
		setsid();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		privs_for_script();
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	if (pid < 0) {
		log_warn(-errno, "script-%s", what);
		return;
	}
	s->run[slot].pid = pid;
	s->run[slot].deadline = now + s->timeout_ms;
	strncpy(s->run[slot].what, what, sizeof(s->run[slot].what) - 1);
	log_debug("script-%s started (pid %ld)", what, (long)pid);
}

static void ended(struct scripts *s, int i, int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		log_warnx("script-%s failed (status %d)", s->run[i].what,
			  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	s->run[i].pid = 0;
}

void scripts_reap(struct scripts *s, uint64_t now)
{
	for (int i = 0; i < SCRIPTS_MAX; i++) {
		siginfo_t si = { .si_pid = 0 };
		int st;

		if (!s->run[i].pid)
			continue;
		/* Looked at, not reaped yet: while it is a zombie, its pid
		 * (the group's id) cannot name anyone else. */
		if (waitid(P_PID, (id_t)s->run[i].pid, &si,
			   WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == ECHILD)
				s->run[i].pid = 0;
			continue;
		}
		if (si.si_pid == s->run[i].pid) {
			/* What it left in its group goes with it. */
			kill(-s->run[i].pid, SIGKILL);
			waitpid(s->run[i].pid, &st, 0);
			ended(s, i, st);
		} else if (now >= s->run[i].deadline) {
			log_warnx("script-%s still running after %llu s: "
				  "killed", s->run[i].what,
				  (unsigned long long)(s->timeout_ms / 1000));
			kill(-s->run[i].pid, SIGKILL);
			waitpid(s->run[i].pid, &st, 0);
			s->run[i].pid = 0;
		}
	}
}

uint64_t scripts_next(const struct scripts *s)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < SCRIPTS_MAX; i++)
		if (s->run[i].pid && s->run[i].deadline < next)
			next = s->run[i].deadline;
	return next;
}

void scripts_stop(struct scripts *s, uint64_t now)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < SCRIPTS_MAX; i++)
		if (s->run[i].pid && strcmp(s->run[i].what, "down") != 0)
			s->run[i].deadline = now;	/* killed below */
	for (;;) {
		scripts_reap(s, now);
		if (scripts_next(s) == UINT64_MAX)
			return;
		nanosleep(&tick, NULL);
		now = discover_now();
	}
}
