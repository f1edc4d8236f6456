#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Overload: UDP at full rate both ways for OVERLOAD_SECS (15; more for a
# long run) through the lab of scripts/lab: from H (its socket buffers hold
# it back once the queue is full) and from the IPv4 server S through the
# PLAT (nothing holds that back). On two CPUs that does not outrun the
# workers by itself, so the daemon is also stopped (SIGSTOP) for 2 s in the
# middle, as a wedged or starved daemon would be, and its queues overflow. The daemon keeps
# running, its memory stays within 1 MiB, the kernel's queue-full drops show
# in `clat-nfq status`, and a ping right after the flood gets its reply
# within a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init ov
SECS=${OVERLOAD_SECS:-15}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$daemon/status"; }

lab_up "$n"
ip netns exec "$h" build/clat-nfq -q plat-prefix=$LAB_PREFIX threads=2 2>"/tmp/$n.log" &
daemon=$!
rules_in || true
check "daemon starts" in_h ping -c2 -i0.2 -W2 -q $LAB_S4
# Warm up: every buffer the flood will touch.
in_h build/bench/udpblast send $LAB_S4 9 64 1 8 2>/dev/null || true
rss0=$(rss)
in_h build/bench/udpblast send $LAB_S4 9 64 "$SECS" 8 2>"/tmp/$n.sent" &
src=$!
ip netns exec "$n-s" build/bench/udpblast rsend ::ffff:$LAB_S4 9001 64 "$((SECS + 1))" 2>/dev/null &
rsrc=$!
sleep 0.2
in_h build/bench/udpblast rsink $LAB_S4 9001 "$SECS" 8 >"/tmp/$n.rsink" 2>/dev/null &
rsink=$!
peak=$rss0
for i in $(seq 1 "$SECS"); do
	if [ "$i" = $((SECS / 3)) ]; then
		kill -STOP "$daemon"; sleep 2; kill -CONT "$daemon"
	fi
	sleep 1
	kill -0 "$daemon" 2>/dev/null || break
	r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
done
wait $src $rsrc $rsink || true
check "ordinary traffic right after the flood: reply within 1 s" in_h ping -c1 -W1 -q $LAB_S4
check "the daemon survived $SECS s of flood ($(sed -n 's/udpblast: sent \([0-9]*\)/\1/p' "/tmp/$n.sent") datagrams sent up, $(cat "/tmp/$n.rsink") received down)" kill -0 "$daemon"
check "memory within 1 MiB: ${rss0} KiB before, peak ${peak} KiB" [ $((peak - rss0)) -le 1024 ]
st=$(in_h build/clat-nfq status --json)
full=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["counters"]["queue_full_dropped"])' "$st")
xl=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["counters"]["translated_4to6"])' "$st")
check "overflows counted: $full dropped by full queues, $xl translated" [ "$full" -gt 0 ]
kill -TERM "$daemon"; wait "$daemon"; rc=$?; daemon=""
check "SIGTERM after the flood exits 0" [ $rc -eq 0 ]
check "nothing left" [ -z "$(in_h nft list tables 2>/dev/null)" ]
rm -f "/tmp/$n".*
checks_done overload
