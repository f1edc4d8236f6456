#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Leak soak: the daemon built with ASan/UBSan (build/asan/clat-nfq, so
# LeakSanitizer checks the heap when it exits) runs in the lab of
# scripts/lab for SOAK_SECS (600) with mixed traffic the whole time: TCP
# downloads and uploads (bytes verified), UDP request/reply, UDP bursts at
# full rate both ways, ping, the ICMP errors of traceroute (hop 1 from the
# CLAT, hop 2 as 192.0.0.8), a closed UDP port, Fragmentation Needed on a
# 1400-byte IPv4 link behind the PLAT, `clat-nfq status` (text and JSON)
# every 3 s and SIGUSR1 every 15 s. RSS and open descriptors are sampled
# every SOAK_SAMPLE (10) s. After SIGTERM: exit 0, no LeakSanitizer or
# AddressSanitizer report, no UBSan report but the known ones, descriptors
# flat, every TCP transfer verified, nothing left behind. RSS flat (max -
# min within 1 MiB after SOAK_WARM (60) s) is judged when SOAK_BIN is a
# build without sanitizers (build/clat-nfq), whose runtime grows by itself
# (see below); `make soak` runs both builds.
#
# LeakSanitizer stops the process with ptrace from a cloned tracer task;
# that still works after privs_drop() (CAP_NET_ADMIN and CAP_NET_RAW only,
# no_new_privs): the tracer has the daemon's own credentials, so the uid
# check passes, dropping capabilities is a subset change that leaves the
# process dumpable, and the tracer's permitted set equals the tracee's
# (the commoncap check needs a superset, not CAP_SYS_PTRACE). A canary run
# first proves it: a preloaded library leaks 4321 bytes, and the daemon
# started and stopped with it must report exactly that leak.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lab
SECS=${SOAK_SECS:-600}
SAMPLE=${SOAK_SAMPLE:-10}
WARM=${SOAK_WARM:-60}
BIN=${SOAK_BIN:-build/asan/clat-nfq}
CANARY=${SOAK_CANARY:-build/soak/leak_canary.so}
n="cnfq-sk-$$-$RANDOM"
h="$n-h" s="$n-s"
t="/tmp/$n"
. scripts/checks
# exitcode: a leak report alone makes the exit status 23, not 0. No
# quarantine: freed memory held back to catch its use would grow RSS with
# every status query (stdio buffers) and hide what the RSS check looks
# for; a use after free is still caught until the chunk is reused.
export ASAN_OPTIONS="detect_leaks=1:exitcode=23:abort_on_error=0:halt_on_error=1:quarantine_size_mb=0${SOAK_ASAN_OPTIONS:+:$SOAK_ASAN_OPTIONS}"
# Every check but alignment is unrecoverable in this build (see the
# Makefile): misalignment is reported once per place and the soak goes on,
# so a known report (tests/soak/known-ubsan.txt) can be told from others.
# UBSan suppressions would do that too, but they symbolize the address of
# every suppressed access: 30 MiB of RSS and a slow creep.
export UBSAN_OPTIONS="print_stacktrace=0:halt_on_error=0"
KNOWN=tests/soak/known-ubsan.txt
daemon="" srvs="" loops=""
cleanup() {
	touch "$t.stop"
	# the loops end after their current step (each bounded by timeout)
	# "|| true" throughout: set -e must not end the trap early
	# shellcheck disable=SC2086
	[ -n "$loops" ] && wait $loops 2>/dev/null || true
	# shellcheck disable=SC2086
	[ -n "$srvs" ] && kill $srvs 2>/dev/null && wait $srvs 2>/dev/null || true
	# a server's forked child still on a connection names the files
	pkill -f "$t\." 2>/dev/null || true
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
	lab_down "$n"
	[ -n "${SOAK_KEEP:-}" ] || rm -f "$t".*
}
trap cleanup EXIT
in_h() { ip netns exec "$h" "$@"; }
state() {	# what the daemon may touch in H
	{ in_h ip -4 addr; in_h ip -4 route; in_h ip link; in_h nft list ruleset 2>/dev/null; } |
		sed 's/ ifindex [0-9]*//'
}
start() {	# start BINARY [env ...]: the daemon in H, $! being the daemon;
	# no prefix given: it comes from the RAs P sends (discovery runs too)
	env "${@:2}" ip netns exec "$h" "$1" -c /dev/null threads=2 2>>"$t.log" &
	daemon=$!
	rules_in 10
}
stop() { kill -TERM "$daemon"; local rc=0; wait "$daemon" || rc=$?; daemon=""; return $rc; }
count() { echo >>"$t.$1"; }
tally() { if [ -f "$t.$1" ]; then wc -l <"$t.$1"; else echo 0; fi; }
all() { eval "$1"; }	# all "[ a ] && [ b ]": a check of several conditions

[ -x "$BIN" ] || { echo "soak: $BIN missing (make $BIN)" >&2; exit 1; }
sanitized=0
# (not grep -q: under pipefail, ldd's SIGPIPE would make it "no")
if ldd "$BIN" | grep libasan >/dev/null; then sanitized=1; else CANARY=/nonexistent; fi
lab_up "$n"
# A 1400-byte IPv4 link behind the PLAT: big DF packets get Fragmentation
# Needed, TCP learns the path MTU from translated Packet Too Big.
ip -n "$n-p" link set ps0 mtu 1400
ip -n "$s" link set sp0 mtu 1400
head -c 4000000 /dev/urandom >"$t.data"
sum=$(sha256sum <"$t.data")
ip netns exec "$s" socat TCP4-LISTEN:8080,reuseaddr,fork OPEN:"$t.data",rdonly </dev/null >/dev/null 2>&1 &
srvs="$srvs $!"
ip netns exec "$s" socat -u TCP4-LISTEN:8081,reuseaddr,fork SYSTEM:'sha256sum >>'"$t.upsums" </dev/null >/dev/null 2>&1 &
srvs="$srvs $!"
ip netns exec "$s" socat UDP4-RECVFROM:5353,reuseaddr,fork EXEC:'tr a-z A-Z' </dev/null >/dev/null 2>&1 &
srvs="$srvs $!"
# P announces the prefix (PREF64, RFC 8781) every 2 s with a 60 s lifetime.
ip netns exec "$n-p" tests/e2e/ra_send.py ph0 $LAB_PREFIX 60 --every 2 &
srvs="$srvs $!"
before=$(state)
ino=$(ip netns exec "$h" stat -L -c %i /proc/self/ns/net)

if [ -e "$CANARY" ]; then
	echo "-- canary: a preloaded library leaks 4321 bytes; LeakSanitizer must say so"
	check "daemon starts with the canary" start "$BIN" LD_PRELOAD="$PWD/$CANARY" \
		ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	in_h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null || true
	rc=0; stop || rc=$?
	check "the canary's leak is reported (exit status $rc)" bash -c \
		"[ $rc = 23 ] && grep -q 'Direct leak of 4321 byte(s) in 1 object(s)' '$t.log'"
	mv "$t.log" "$t.canary"
else
	echo "-- no canary ($CANARY): the leak check is not proven able to fail"
fi

echo "-- soak: $SECS s of mixed traffic through $BIN"
check "daemon starts" start "$BIN"
pid=$daemon
sleep 0.5
rm -f "$t.stop"
# Each loop runs until the stop file appears; every step is bounded.
(	# TCP download, bytes verified
	while [ ! -e "$t.stop" ]; do
		got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum) || true
		if [ "$got" = "$sum" ]; then count tcp_down_ok; else count tcp_down_bad; fi
		sleep 0.3
	done ) &
loops="$loops $!"
(	# TCP upload; the server appends the checksum of what it got
	while [ ! -e "$t.stop" ]; do
		if timeout 60 ip netns exec "$h" socat -u OPEN:"$t.data",rdonly TCP4:$LAB_S4:8081; then
			count tcp_up
		else count tcp_up_fail; fi
		sleep 0.3
	done ) &
loops="$loops $!"
(	# UDP request/reply, ping, the ICMP errors
	set +o pipefail	# ping and socat fail where the error is the point
	while [ ! -e "$t.stop" ]; do
		r=$(echo hello | timeout 3 ip netns exec "$h" socat -t 1 - UDP4:$LAB_S4:5353 2>/dev/null) || true
		if [ "$r" = HELLO ]; then count udp_ok; else count udp_lost; fi
		head -c 3000 /dev/zero | timeout 3 ip netns exec "$h" socat -t 1 - UDP4:$LAB_S4:5353 >/dev/null 2>&1 || true
		timeout 3 ip netns exec "$h" ping -c5 -i0.05 -W1 -q $LAB_S4 >/dev/null && count ping_ok || count ping_lost
		timeout 3 ip netns exec "$h" ping -c1 -W1 -t1 $LAB_S4 | grep -q 'From 192.0.0.2 ' && count hop1 || true
		timeout 3 ip netns exec "$h" ping -c1 -W1 -t2 $LAB_S4 | grep -q 'From 192.0.0.8 ' && count hop2 || true
		# the learned path MTU forgotten each time, so the translated
		# Fragmentation Needed comes back every time
		timeout 3 ip netns exec "$h" ping -c1 -W1 -M do -s 1452 $LAB_S4 | grep -q 'mtu = 1400' && count fragneeded || true
		ip -n "$h" -4 route flush cache
		echo x | timeout 3 ip netns exec "$h" socat -t 1 - UDP4:$LAB_S4:9 2>&1 | grep -q 'Connection refused' && count unreach || true
		sleep 0.2
	done ) &
loops="$loops $!"
(	# full-rate UDP both ways, 1 s in every 15
	while [ ! -e "$t.stop" ]; do
		timeout 5 ip netns exec "$h" build/bench/udpblast send $LAB_S4 9 64 1 8 2>/dev/null || true
		timeout 5 ip netns exec "$s" build/bench/udpblast rsend ::ffff:$LAB_S4 9001 64 2 >/dev/null 2>&1 &
		sleep 0.2
		timeout 5 ip netns exec "$h" build/bench/udpblast rsink $LAB_S4 9001 1 8 >/dev/null 2>&1 || true
		wait || true
		count bursts
		for _ in $(seq 1 13); do [ -e "$t.stop" ] && break; sleep 1; done
	done ) &
loops="$loops $!"
(	# the network changing under it: an address of the uplink's comes and
	# goes every 5 s (rtnetlink events, a reconcile each), SIGHUP every 10
	i=0
	while [ ! -e "$t.stop" ]; do
		if [ $((i % 2)) = 0 ]; then
			ip -n "$h" -6 addr add 2001:db8:1::77/64 dev hp0 nodad 2>/dev/null && count addr_events
		else
			ip -n "$h" -6 addr del 2001:db8:1::77/64 dev hp0 2>/dev/null && count addr_events
		fi
		[ $((i % 2)) = 1 ] && kill -HUP "$pid" 2>/dev/null && count hups
		i=$((i + 1)); sleep 5
	done
	ip -n "$h" -6 addr del 2001:db8:1::77/64 dev hp0 2>/dev/null || true ) &
loops="$loops $!"
(	# the status socket and SIGUSR1
	i=0
	while [ ! -e "$t.stop" ]; do
		if [ $((i % 2)) = 0 ]; then a=""; else a=--json; fi
		# shellcheck disable=SC2086
		timeout 5 ip netns exec "$h" build/clat-nfq status $a >/dev/null && count status_ok || count status_bad
		[ $((i % 5)) = 0 ] && kill -USR1 "$pid" 2>/dev/null
		i=$((i + 1)); sleep 3
	done ) &
loops="$loops $!"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
t0=$(date +%s)
echo "# seconds rss_kib fds" >"$t.samples"
while :; do
	el=$(($(date +%s) - t0))
	kill -0 "$pid" 2>/dev/null || break
	echo "$el $(rss) $(fds)" >>"$t.samples"
	[ "$el" -ge "$SECS" ] && break
	sleep "$SAMPLE"
done
touch "$t.stop"
# shellcheck disable=SC2086
wait $loops || true; loops=""
alive=0; kill -0 "$pid" 2>/dev/null && alive=1
check "the daemon ran the whole $SECS s" [ $alive = 1 ]
st=$(in_h build/clat-nfq status --json 2>/dev/null || echo '{}')
rc=0; stop || rc=$?
check "SIGTERM exits 0 (status $rc)" [ $rc = 0 ]
check "no LeakSanitizer report" bash -c "! grep -q 'LeakSanitizer' '$t.log'"
check "no AddressSanitizer report" bash -c "! grep -q 'ERROR: AddressSanitizer' '$t.log'"
unexpected=$(grep 'runtime error:' "$t.log" | grep -vF -f "$KNOWN" || true)
check "no UBSan report but the known ones in $KNOWN" [ -z "$unexpected" ]
[ -n "$unexpected" ] && echo "$unexpected"
grep 'runtime error:' "$t.log" | grep -F -f "$KNOWN" | sed 's/^/known bug, still there: /' || true

# RSS and descriptors after the warm-up
read -r rmin rmax fmin fmax nsamp < <(awk -v w="$WARM" '!/^#/ && $1 >= w {
	if (!n || $2 < rmin) rmin = $2; if ($2 > rmax) rmax = $2
	if (!n || $3 < fmin) fmin = $3; if ($3 > fmax) fmax = $3; n++ }
	END { print rmin + 0, rmax + 0, fmin + 0, fmax + 0, n + 0 }' "$t.samples")
if [ "$sanitized" = 1 ]; then
	# The workers' receive buffers (32 x 64 KiB each, allocated at start)
	# are touched page by page as the kernel fills deeper batches of
	# bigger messages, which a slow (sanitized) or starved worker sees
	# more of: RSS climbs in steps toward their 4 MiB over many minutes
	# (/proc/PID/smaps: the growth is in their mapping), with LeakSanitizer
	# clean. The plain build keeps up and stays flat: judged there (make
	# soak runs both) until rxbatch.c pre-faults the buffers.
	echo "note: RSS after ${WARM} s: $rmin..$rmax KiB over $nsamp samples (sanitizer build: not judged)"
else
	check "RSS flat after ${WARM} s: $rmin..$rmax KiB over $nsamp samples" \
		all "[ $nsamp -ge 2 ] && [ $((rmax - rmin)) -le 1024 ]"
fi
check "open descriptors flat: $fmin..$fmax" all "[ $nsamp -ge 2 ] && [ $fmin = $fmax ]"

ups_ok=$(grep -c "^${sum%% *}" "$t.upsums" 2>/dev/null || true)
ups_all=$(wc -l <"$t.upsums" 2>/dev/null || echo 0)
check "TCP downloads verified: $(tally tcp_down_ok) ok, $(tally tcp_down_bad) bad" \
	all "[ $(tally tcp_down_ok) -gt 0 ] && [ $(tally tcp_down_bad) = 0 ]"
check "TCP uploads verified: $ups_ok of $ups_all ($(tally tcp_up_fail) failed)" \
	all "[ $ups_ok -gt 0 ] && [ $ups_ok = $ups_all ] && [ $(tally tcp_up_fail) = 0 ]"
check "UDP replies: $(tally udp_ok) ($(tally udp_lost) lost); pings: $(tally ping_ok) rounds ($(tally ping_lost) with loss)" \
	all "[ $(tally udp_ok) -gt 0 ] && [ $(tally ping_ok) -gt 0 ]"
check "ICMP errors seen: hop 1 $(tally hop1), hop 2 $(tally hop2), frag needed $(tally fragneeded), port unreachable $(tally unreach)" \
	all "[ $(tally hop1) -gt 0 ] && [ $(tally hop2) -gt 0 ] && [ $(tally fragneeded) -gt 0 ] && [ $(tally unreach) -gt 0 ]"
check "the network changed under it: $(tally addr_events) address events, $(tally hups) SIGHUPs; prefix from $(echo "$st" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("plat_prefix_source","?"))' 2>/dev/null)" \
	all "[ $(tally addr_events) -gt 0 ] && [[ '$st' == *PREF64* ]]"
check "status queries answered: $(tally status_ok) ($(tally status_bad) failed), $(tally bursts) UDP bursts" \
	all "[ $(tally status_ok) -gt 0 ] && [ $(tally status_bad) = 0 ]"
check "nothing left in H" [ "$(state)" = "$before" ]
check "no lock or socket left in /run/clat-nfq" bash -c "! ls /run/clat-nfq/$ino.* >/dev/null 2>&1"

echo "-- numbers"
echo "samples (s, RSS KiB, fds):"
grep -v '^#' "$t.samples" | awk '{ printf "  %s", $0; if (NR % 6 == 0) print ""; } END { print "" }'
/usr/bin/python3 -c '
import json, sys
try:
    c = json.loads(sys.argv[1])["counters"]
except Exception:
    sys.exit(0)
print("final counters: " + ", ".join("%s %s" % (k, v) for k, v in c.items() if not isinstance(v, dict)))
d = {k: v for k, v in c.get("dropped", {}).items() if v}
if d: print("dropped: " + ", ".join("%s %s" % kv for kv in d.items()))
' "$st"
grep -h 'LeakSanitizer\|SUMMARY' "$t.log" || echo "LeakSanitizer: no report"

# Everything down before the verdict: the lab, the servers, the files.
# shellcheck disable=SC2086
kill $srvs 2>/dev/null; wait $srvs 2>/dev/null || true; srvs=""
pkill -f "$t\." 2>/dev/null || true	# forked children of the servers
lab_down "$n"
check "the lab's namespaces are gone" bash -c "! ip netns list | grep -q '$n'"
none_left() { ! pgrep -f "$n" >/dev/null; }
check "no process of this soak left" none_left
none_left || pgrep -af "$n"
checks_done soak
