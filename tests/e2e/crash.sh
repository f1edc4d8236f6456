#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash under load (issue 5) in the lab of scripts/lab. The host H carries
# configuration of the operator's own first: an nft table inet hostfw, a
# second link with an IPv4 address and route, two sysctls. Then 3 rounds:
# the daemon (2 workers) runs a TCP download from S (iperf3 -R) and a
# full-rate UDP flood from H, is SIGKILLed mid-flight and started again at
# once. Checked each round: service (a ping through the CLAT) back within
# 2 s of the restart; the TCP flow begun before the crash completes; the
# clat-nfq tables equal those of a fresh start (counters aside) and what
# `clat-nfq -p` prints; one IPv4 default route via the CLAT device, one
# CLAT address, one CLAT interface, no other table; the operator's table,
# address, route and sysctls unchanged. After a final SIGTERM, H is exactly
# as before the first start.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init cr
t="/tmp/$n"
ROUNDS=3
LIMIT=2		# seconds from restart to service
srvs="" flows=""
all() { eval "$1"; }	# all "[ a ] && [ b ]": one check of several conditions
# Resets the host's own IPv6 TCP sends (the daemon's packets carry its
# fwmark): what a gap in the queue rules would cause in shared mode. The
# IPv4 TCP's resets are normal here: iperf3 -R closes with data in flight.
rsts() { in_h nft list chain inet hostfw output | awk '/host-ipv6-(resets|unreachables)/ { for (i = 1; i <= NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'; }
E2E_ARGS="plat-prefix=$LAB_PREFIX threads=2"
E2E_WAIT=none
# shellcheck disable=SC2086
on_cleanup 'for x in $flows $srvs; do kill "$x"; wait "$x"; done 2>/dev/null'
nocount() { nft_plain; }
clat_tables() { { in_h nft list table ip clat-nfq; in_h nft list table ip6 clat-nfq; in_h nft list table netdev clat-nfq; } 2>/dev/null | nocount; }
sysctls() {	# per-namespace network sysctls, the CLAT device's own aside
	in_h sysctl -a -r '^net\.ipv[46]\.conf\.|^net\.ipv4\.ip_forward$|^net\.ipv4\.tcp_keepalive_time$|^net\.ipv4\.ip_local_port_range$' 2>/dev/null |
		grep -v '^net\.ipv[46]\.conf\.clat\.'
}
host_own() {	# the operator's configuration, whatever the daemon adds
	in_h nft list table inet hostfw | nocount
	in_h ip -4 addr show dev op0
	in_h ip -4 route show table all dev op0
	in_h ip -6 addr show dev hp0
	in_h ip -6 route show table all | grep -v 'dev clat'
	sysctls
}
state() {	# everything the daemon may touch in H
	{ in_h ip addr; in_h ip route show table all; in_h ip -6 route show table all
	  in_h ip link; in_h nft list ruleset 2>/dev/null | nocount; sysctls; } |
		sed 's/ ifindex [0-9]*//'
}
now() { date +%s.%N; }
count_lines() { grep -c "$@" || true; }

lab_up "$n"
# The operator's own configuration in H, before any clat-nfq runs.
in_h nft -f - <<'NFT'
table inet hostfw {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 2222 drop comment "operator: no service here"
	}
	chain output {
		type filter hook output priority filter; policy accept;
		meta nfproto ipv6 meta mark != 0xc1a70001 tcp flags rst counter comment "host-ipv6-resets"
		meta nfproto ipv6 meta mark != 0xc1a70001 icmpv6 type destination-unreachable counter comment "host-ipv6-unreachables"
	}
}
NFT
in_h ip link add op0 type veth peer name op1
in_h ip link set op0 up
in_h ip link set op1 up
in_h ip addr add 10.99.0.1/24 dev op0
in_h ip route add 198.18.0.0/15 via 10.99.0.2 dev op0 metric 50
in_h sysctl -qw net.ipv4.tcp_keepalive_time=321 net.ipv4.conf.all.arp_ignore=1
ip netns exec "$s" iperf3 -s >/dev/null 2>&1 &
srvs="$!"
# hp0 came up before the lab turned DAD off: its link-local address is
# tentative for a second, and the state below must not catch it so.
for _ in $(seq 1 50); do [ -z "$(in_h ip -6 addr show tentative)" ] && break; sleep 0.1; done
before=$(state)
own=$(host_own)
ino=$(ip netns exec "$h" stat -L -c %i /proc/self/ns/net)
sleep 0.2

fresh="" times=""
for r in $(seq 1 $ROUNDS); do
	echo "-- round $r: load, SIGKILL, restart"
	if [ -z "$daemon" ]; then
		start
		check "daemon starts" rules_in
		fresh=$(clat_tables)
		check "ping before the load" bash -c "ip netns exec $h ping -c1 -W2 -q $LAB_S4 >/dev/null"
	fi
	# TCP from S for 4 s, UDP from H for 2.5 s (full rate, 64 bytes).
	timeout 20 ip netns exec "$h" iperf3 -c $LAB_S4 -R -t 4 -J >"$t.iperf$r" 2>&1 &
	tcp=$!
	timeout 10 ip netns exec "$h" build/bench/udpblast send $LAB_S4 9 64 2.5 8 2>/dev/null &
	udp=$!
	# and UDP down from S at full rate, so packets keep arriving while the
	# daemon restarts (1.6 s: past the restart, not through the timing of
	# the service's return, which a saturated queue would hold up)
	timeout 10 ip netns exec "$s" build/bench/udpblast rsend ::ffff:$LAB_S4 9001 64 1.6 >/dev/null 2>&1 &
	dsend=$!
	sleep 0.1
	timeout 10 ip netns exec "$h" build/bench/udpblast rsink $LAB_S4 9001 1.4 8 >/dev/null 2>&1 &
	dsink=$!
	flows="$tcp $udp $dsend $dsink"
	sleep 1
	xl=$(in_h build/clat-nfq status --json | /usr/bin/python3 -c \
		'import json, sys; c = json.load(sys.stdin)["counters"]; print(c["translated_4to6"] + c["translated_6to4"])')
	r0=$(rsts)
	kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
	t0=$(now)
	start
	ok=0
	while :; do
		if in_h ping -c1 -W0.2 -q $LAB_S4 >/dev/null 2>&1; then ok=1; break; fi
		awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 10) }' && break
		sleep 0.02
	done
	dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
	times="$times $dt"
	check "SIGKILL in flight ($xl packets translated by then)" [ "$xl" -gt 0 ]
	check "service back $dt s after the restart (limit $LIMIT s)" \
		awk -v ok=$ok -v d="$dt" -v l=$LIMIT 'BEGIN { exit !(ok && d <= l) }'
	rc=0; wait $tcp || rc=$?
	wait $udp $dsend $dsink || true
	flows=""
	got=$(/usr/bin/python3 -c 'import json, sys
try: print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))
except Exception: print(0)' "$t.iperf$r")
	r1=$(rsts)
	# A restart leaves the crashed run's rules for the first reconcile to
	# replace in one transaction (src/clat.c, clat_start): no moment
	# without them, when the host's IPv6 TCP would get the CLAT's packets
	# and reset its connections.
	check "the TCP download begun before the crash completes ($got bytes, iperf3 status $rc)" \
		all "[ $rc = 0 ] && [ $got -gt 0 ]"
	check "the host's IPv6 stack answered none of the CLAT's packets across the restart (resets and unreachables: $r0 -> $r1)" [ "$r0" = "$r1" ]
	check "the daemon runs" kill -0 "$daemon"

	live=$(clat_tables)
	check "clat-nfq tables as after a fresh start" [ "$live" = "$fresh" ]
	check "and as clat-nfq -p prints them" \
		[ "$(echo "$live" | queue_as_printed)" = "$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX threads=2)" ]
	check "no other table: $(in_h nft list tables | tr '\n' ' ')" [ "$(in_h nft list tables | sort)" = \
		"$(printf 'table inet hostfw\ntable ip clat-nfq\ntable ip6 clat-nfq\ntable netdev clat-nfq\n')" ]
	check "one IPv4 default route, via clat" \
		all "[ $(in_h ip -4 route show table all default | count_lines .) = 1 ] &&
		     [ $(in_h ip -4 route show default dev clat | count_lines .) = 1 ]"
	check "one CLAT address" [ "$(in_h ip -4 -o addr show | count_lines ' 192\.0\.0\.1/')" = 1 ]
	check "one CLAT interface" [ "$(in_h ip -o link show | count_lines -E '^[0-9]+: clat[:@]')" = 1 ]
	check "the operator's table, address, route and sysctls unchanged" [ "$(host_own)" = "$own" ]
done

echo "-- SIGTERM"
kill -TERM "$daemon"; rc=0; wait "$daemon" || rc=$?; daemon=""
check "SIGTERM exits 0" [ $rc = 0 ]
check "H exactly as before the first start" [ "$(state)" = "$before" ]
check "no lock or socket left" bash -c "! ls /run/clat-nfq/$ino.* >/dev/null 2>&1"
echo "restart to service (s):$times"
if [ "$fails" -gt 0 ]; then
	echo "-- the daemon's log"; cat "$t.log"
	diff <(echo "$before") <(state) || true
fi
checks_done crash
