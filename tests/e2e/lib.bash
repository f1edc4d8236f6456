# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the namespace tests in tests/e2e, from the top of the tree:
# the lab's names, the daemon in H, and one cleanup that runs every step
# whatever the one before returned (rule 6: also on failure).
#
#   e2e_init TAG        n=cnfq-TAG-PID-RANDOM and h, p, s (the lab's three
#                       namespaces, scripts/lab); sources scripts/lab and
#                       scripts/checks; cleanup on EXIT. lab_up is the
#                       test's to call.
#   in_h / in_p / in_s COMMAND...   COMMAND in H, P or S
#   start [ARGS...]     the daemon in H (build/clat-nfq, or $E2E_BIN) with
#                       $E2E_ARGS (default plat-prefix=$LAB_PREFIX) and ARGS,
#                       environment $E2E_ENV (VAR=value ...) added, stderr
#                       appended to /tmp/$n.log; then waits as $E2E_WAIT
#                       says: rules (default: its rules are in, rules_in),
#                       translating (its state says
#                       ${E2E_STATE:-translating}, within 10 s) or none. Its
#                       status is the wait's. $daemon is its pid.
#   stop                SIGTERM to the daemon and its exit status (set -e
#                       does not end the test on it)
#   bg_add PID...         helpers cleanup kills and reaps
#   on_cleanup 'CMD'    more for cleanup, evaluated then (so it sees the
#                       variables as they are at the end), before lab_down
#   cleanup             the daemon (SIGKILL), the helpers, the on_cleanup
#                       commands, lab_down, /tmp/$n.*
# The daemon is not started through in_h: $! must be the daemon itself
# (ip netns exec execs it), so that stop and cleanup signal the daemon and
# not a subshell.

e2e_init() {
	. scripts/lab
	n="cnfq-$1-$$-$RANDOM"
	h="$n-h" p="$n-p" s="$n-s"
	. scripts/checks
	daemon=""
	E2E_BG=()
	E2E_CLEANUP=()
	trap cleanup EXIT
}

in_h() { ip netns exec "$h" "$@"; }
in_p() { ip netns exec "$p" "$@"; }
in_s() { ip netns exec "$s" "$@"; }

bg_add() { E2E_BG+=("$@"); }
on_cleanup() { E2E_CLEANUP+=("$1"); }

start() {
	# shellcheck disable=SC2086 # E2E_ENV and E2E_ARGS are lists of words
	ip netns exec "$h" ${E2E_ENV:+env $E2E_ENV} "${E2E_BIN:-build/clat-nfq}" \
		${E2E_ARGS-plat-prefix=$LAB_PREFIX} "$@" 2>>"/tmp/$n.log" &
	daemon=$!
	case ${E2E_WAIT:-rules} in
	rules) rules_in ;;
	translating) wait_for 10 state "${E2E_STATE:-translating}" ;;
	esac
}

stop() { kill -TERM "$daemon"; local rc=0; wait "$daemon" || rc=$?; daemon=""; return $rc; }

cleanup() {
	set +e
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	for x in "${E2E_BG[@]}"; do kill "$x" 2>/dev/null; wait "$x" 2>/dev/null; done
	for c in "${E2E_CLEANUP[@]}"; do eval "$c"; done
	lab_down "$n"
	rm -rf "/tmp/$n".*
	return 0
}
