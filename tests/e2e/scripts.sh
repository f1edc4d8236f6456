#!/bin/bash
# script-up and script-down in the background (issue 15), in the lab of
# scripts/lab, with a notify socket of our own standing in for systemd's:
#   - script-up=sleep 60 delays neither READY nor SIGTERM by more than a
#     second, and is killed (its process group) at script-timeout, logged;
#   - the script's environment has clatd's variables and not the service's
#     NOTIFY_SOCKET, WATCHDOG_*, LISTEN_* (INVOCATION_ID stays);
#   - a script still running at exit is killed; script-down still runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init sc
listener=""
mark="59.$RANDOM"	# sleep's argument: finds our sleep among others
on_cleanup '[ -n "$listener" ] && { kill "$listener"; wait "$listener"; } 2>/dev/null'
on_cleanup 'for f in "/tmp/$n".pgid*; do [ -s "$f" ] && kill -9 -- "-$(cat "$f")" 2>/dev/null; done'
# The notify socket: each datagram with the time it came, in ms.
listen_notify() {
	rm -f "/tmp/$n.sock" "/tmp/$n.notify"
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True:
    d = s.recv(4096)
    with open(sys.argv[2], "a") as f: f.write("%d %s\n" % (time.monotonic() * 1000, d.decode()))
' "/tmp/$n.sock" "/tmp/$n.notify" &
	listener=$!
	for _ in $(seq 30); do [ -S "/tmp/$n.sock" ] && return 0; sleep 0.1; done
	return 1
}
now_ms() { /usr/bin/python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
start() {	# start [key=value ...]: the daemon as systemd would run it
	t_start=$(now_ms)
	ip netns exec "$h" env NOTIFY_SOCKET="/tmp/$n.sock" WATCHDOG_USEC=30000000 WATCHDOG_PID=1 \
		LISTEN_FDS=0 LISTEN_PID=1 INVOCATION_ID=cafe0123 \
		build/clat-nfq plat-prefix=$LAB_PREFIX "$@" 2>>"/tmp/$n.log" &
	daemon=$!
}
ready_ms() {	# ms from start to READY=1, waiting up to 5 s
	for _ in $(seq 50); do
		t=$(awk '/READY=1/ { print $1; exit }' "/tmp/$n.notify" 2>/dev/null)
		[ -n "$t" ] && { echo $((t - t_start)); return 0; }
		sleep 0.1
	done
	echo 99999
}
running() { pgrep -f "^sleep $mark" >/dev/null; }

lab_up "$n"
listen_notify

echo "-- script-up=sleep 60 with script-timeout=3"
start script-timeout=3 "script-up=echo \$\$ > /tmp/$n.pgid1; env > /tmp/$n.env; sleep $mark; echo never >> /tmp/$n.env" \
	"script-down=echo down >> /tmp/$n.down"
r=$(ready_ms)
check "READY=1 within a second of the start ($r ms)" [ "$r" -le 1000 ]
sleep 0.3
check "the script runs" running
check "  its environment has clatd's variables" grep -qx "clat_dev=clat" "/tmp/$n.env"
check "  and no NOTIFY_SOCKET, WATCHDOG_* or LISTEN_*" bash -c "! grep -Eq '^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID|LISTEN_FDS|LISTEN_PID)=' /tmp/$n.env"
check "  INVOCATION_ID stays" grep -qx "INVOCATION_ID=cafe0123" "/tmp/$n.env"
check "the daemon answers meanwhile" wait_for 2 state translating
sleep 3.2
check "killed at the timeout" bash -c "! pgrep -f '^sleep $mark' >/dev/null"
check "  its whole group: the shell too (nothing after sleep ran)" bash -c "! grep -q never /tmp/$n.env"
check "  logged" grep -q "script-up still running after 3 s: killed" "/tmp/$n.log"
t0=$(now_ms)
kill -TERM "$daemon"; wait "$daemon" || true; daemon=""
dt=$(( $(now_ms) - t0 ))
check "SIGTERM: out in under a second ($dt ms)" [ $dt -le 1000 ]
check "  script-down ran" grep -qx down "/tmp/$n.down"

echo "-- SIGTERM while script-up=sleep 60 runs (default timeout)"
rm -f "/tmp/$n.notify"
start "script-up=echo \$\$ > /tmp/$n.pgid2; sleep $mark"
r=$(ready_ms)
check "READY=1 within a second ($r ms)" [ "$r" -le 1000 ]
sleep 0.3
check "the script runs" running
t0=$(now_ms)
kill -TERM "$daemon"; wait "$daemon" || true; daemon=""
dt=$(( $(now_ms) - t0 ))
check "SIGTERM: out in under a second ($dt ms)" [ $dt -le 1000 ]
check "  and the script is gone with it" bash -c "! pgrep -f '^sleep $mark' >/dev/null"
checks_done scripts
