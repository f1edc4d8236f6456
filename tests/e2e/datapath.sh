#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# clat-nfq end to end in the lab (scripts/lab): an IPv6-only host H runs the
# daemon; TAYGA in P is the PLAT; S is IPv4-only. Shared mode, with one and
# with two workers. Checks ping, a verified 10 MB TCP transfer, UDP, the
# host's own IPv6 to the prefix, traceroute hops, path MTU behind the PLAT,
# a policy-drop firewall that only accepts established traffic, rules and
# routes left to the operator (-p, nft-rules=no, v4-defaultroute-enable=no),
# cleanup after SIGTERM, restart after SIGKILL, and a bad configuration.
# Explicit-address mode once too. Also: TCP super-packets both ways with
# gso=yes and no, fail-open=yes with a dead daemon (nothing reaches the
# host's IPv6 stack), trace=yes under nft monitor trace, clat-nfq status and
# its JSON, the capabilities every thread keeps, and an interface of the
# same name that is someone else's. UDP bursts for the host, joined into
# super-packets on the way, arrive whole and in order.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init dp
upload_s() {	# 10 MB from H to S, port 8081: the sha256 of what S got
	ip netns exec "$n-s" socat -u TCP4-LISTEN:8081,reuseaddr OPEN:"/tmp/$n.up",creat,trunc </dev/null >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	timeout 60 ip netns exec "$h" socat -u OPEN:"/tmp/$n.data",rdonly TCP4:$LAB_S4:8081 || true
	wait "$srv" 2>/dev/null || true
	sha256sum < "/tmp/$n.up"
	rm -f "/tmp/$n.up"
}
state() {	# what the daemon may touch in H
	{ in_h ip -4 addr; in_h ip -4 route; in_h ip link; in_h nft list ruleset 2>/dev/null; } |
		sed 's/ ifindex [0-9]*//'
}

lab_up "$n"
head -c 10000000 /dev/urandom > "/tmp/$n.data"
sum=$(sha256sum < "/tmp/$n.data")
ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr,fork OPEN:"/tmp/$n.data",rdonly </dev/null >/dev/null 2>&1 &
tcp_srv=$!
ip netns exec "$n-s" socat UDP4-RECVFROM:5353,reuseaddr,fork EXEC:'tr a-z A-Z' </dev/null >/dev/null 2>&1 &
udp_srv=$!
trap 'kill $tcp_srv $udp_srv 2>/dev/null || true; cleanup' EXIT
before=$(state)

for mode in "threads=1" "threads=2" "threads=2 clat-v6-addr=2001:db8:1::c1a7"; do
	echo "-- $mode (shared mode unless clat-v6-addr is given)"
	# shellcheck disable=SC2086
	check "daemon starts" start $mode
	check "ping 203.0.113.1" bash -c "ip netns exec $h ping -c3 -i0.2 -W2 -q $LAB_S4 >/dev/null"
	got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
	check "10 MB TCP download, bytes verified" [ "$got" = "$sum" ]
	reply=$(echo hello | timeout 5 ip netns exec "$h" socat -t 2 - UDP4:$LAB_S4:5353 || true)
	check "UDP request and reply" [ "$reply" = HELLO ]
	check "the host's own IPv6 to the prefix still works" bash -c "ip netns exec $h ping -6 -c2 -i0.2 -W2 -q $LAB_S6 >/dev/null"
	check "SIGTERM exits 0" stop
	check "nothing left after SIGTERM" [ "$(state)" = "$before" ]
done

echo "-- offloads: 64 KiB TCP super-packets from a server next door"
# A server in P on an address under the prefix (on P's loopback, so TAYGA
# is not in the way): P's TCP hands veth 64 KiB TSO packets, which reach
# H's prerouting whole. With gso=yes they are translated whole; with gso=no
# the kernel cuts them up before queueing. Both must deliver every byte.
near4=203.0.113.77 near6=2001:db8:64::cb00:714d
ip -n "$n-p" -6 addr add $near6/128 dev lo
ip netns exec "$n-p" socat TCP6-LISTEN:8081,bind=[$near6],reuseaddr,fork OPEN:"/tmp/$n.data",rdonly </dev/null >/dev/null 2>&1 &
near_srv=$!
trap 'kill $tcp_srv $udp_srv $near_srv 2>/dev/null || true; cleanup' EXIT
sleep 0.3
for gso in yes no; do
	check "daemon starts (gso=$gso)" start threads=2 gso=$gso
	got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$near4:8081 - | sha256sum)
	check "10 MB TCP download of super-packets, bytes verified (gso=$gso)" [ "$got" = "$sum" ]
	rm -f "/tmp/$n.up"
	ip netns exec "$n-p" timeout 60 socat -u TCP6-LISTEN:8082,bind=[$near6],reuseaddr OPEN:"/tmp/$n.up",creat,trunc </dev/null >/dev/null 2>&1 &
	up_srv=$!
	sleep 0.3
	timeout 60 ip netns exec "$h" socat -u OPEN:"/tmp/$n.data",rdonly TCP4:$near4:8082 || true
	wait $up_srv || true
	check "10 MB TCP upload cut from super-packets, bytes verified (gso=$gso)" [ "$(sha256sum < "/tmp/$n.up")" = "$sum" ]
	kill -USR1 "$daemon"; sleep 0.3
	offl=$(grep -o 'offloaded super-packets [0-9]*' "/tmp/$n.log" | tail -1 | grep -o '[0-9]*$')
	if [ $gso = yes ]; then
		check "super-packets were taken whole ($offl)" [ "${offl:-0}" -gt 0 ]
	else
		check "gso=no: none taken whole" [ "${offl:-1}" -eq 0 ]
	fi
	check "SIGTERM (gso=$gso)" stop
done

echo "-- UDP for the host in bursts: joined into super-packets on the way"
# The CLAT device takes one packet per write; datagrams of one flow in one
# batch go as one UDP super-packet (txq.h) that the kernel cuts up again.
# Every datagram must come whole and in order, runs of one size joined,
# odd sizes ending a run.
check "daemon starts (UDP bursts)" start threads=1
ip netns exec "$n-p" timeout 30 tests/e2e/udpburst.py send $near6 9100 3000 &
burst=$!
sleep 0.5
r=$(timeout 40 ip netns exec "$h" tests/e2e/udpburst.py recv $near4 9100 3000 || true)
wait $burst || true
check "3000 datagrams of mixed sizes, each whole and in order ($r)" [ "$r" = "ok 3000" ]
kill -USR1 "$daemon"; sleep 0.3
joined=$(grep -o 'UDP coalesced [0-9]*' "/tmp/$n.log" | tail -1 | grep -o '[0-9]*$')
check "datagrams went joined ($joined)" [ "${joined:-0}" -gt 0 ]
check "SIGTERM (UDP bursts)" stop

echo "-- the ingress fast path (an address of the CLAT's own)"
# IPv6 UDP and ICMPv6 from the prefix to an explicit address skip the
# queues: a netdev rule on the uplink forwards them into the CLAT device
# (nftrules.h). The hop count drops by one either way (RFC 7915 5.1: the
# forward decrements, the translator then does not); at a hop limit of 1
# the queue's translator answers Time Exceeded (RFC 4443 3.3).
c6=2001:db8:1::c1a7
fwd_count() { { in_h nft list table netdev clat-nfq 2>/dev/null || true; } | awk '/nexthdr udp/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }
hops() {	# hops HOPLIMIT: what a receiver on the CLAT address saw
	ip netns exec "$h" tests/e2e/hops.py recv 192.0.0.1 9200 > "/tmp/$n.hops" &
	local r=$!
	sleep 0.5
	ip netns exec "$n-p" tests/e2e/hops.py send $near6 $c6 9200 "$1" > "/tmp/$n.err" || true
	wait $r || true
	cat "/tmp/$n.hops"
}
for fwd in yes no; do
	check "daemon starts (ingress-fwd=$fwd)" start clat-v6-addr=$c6 ingress-fwd=$fwd
	in_h ping -c 2 -i 0.2 -W 2 -q $LAB_S4 >/dev/null || true
	if [ $fwd = yes ]; then
		check "a netdev table on the uplink forwards to the CLAT device" bash -c "ip netns exec $h nft list table netdev clat-nfq | grep -q 'hook ingress device \"hp0\"' && ip netns exec $h nft list table netdev clat-nfq | grep -q 'fwd ip6 to $c6 device \"clat\"'"
	else
		check "ingress-fwd=no: no netdev table" bash -c "! ip netns exec $h nft list table netdev clat-nfq >/dev/null 2>&1"
	fi
	before_fwd=$(fwd_count)
	got=$(hops 64)
	check "hop limit 64 arrives as TTL 63, once decremented ($got)" [ "$got" = "ttl 63 hops" ]
	if [ $fwd = yes ]; then
		check "...by the fast path ($before_fwd -> $(fwd_count))" [ "$(fwd_count)" -gt "${before_fwd:-0}" ]
	fi
	before_fwd=$(fwd_count)
	got=$(hops 1)
	check "hop limit 1: nothing delivered ($got)" [ "$got" = nothing ]
	check "...and Time Exceeded to the sender ($(cat "/tmp/$n.err"))" [ "$(cat "/tmp/$n.err")" = "error 3 0" ]
	if [ $fwd = yes ]; then
		check "...by the queue, not the fast path" [ "$(fwd_count)" = "$before_fwd" ]
	fi
	check "SIGTERM (ingress-fwd=$fwd)" stop
	check "no netdev table left" bash -c "! ip netns exec $h nft list table netdev clat-nfq >/dev/null 2>&1"
done
# Shared mode: UDP only, of the flows the daemon sent on (the egress
# rule's set), so the host's own IPv6 UDP to the prefix, from the same
# address, stays the host's.
check "shared mode: daemon starts" start
reply=$(echo hello | timeout 5 ip netns exec "$h" socat -t 2 - UDP4:$LAB_S4:5353 || true)
check "shared mode: UDP request and reply ($reply)" [ "$reply" = HELLO ]
check "...the reply by the shortcut ($(fwd_count))" [ "$(fwd_count)" -gt 0 ]
before_fwd=$(fwd_count)
reply=$(echo hello | timeout 5 ip netns exec "$h" socat -t 2 - UDP6:[$LAB_S6]:5353 || true)
check "shared mode: the host's own IPv6 UDP to the prefix gets its reply ($reply)" [ "$reply" = HELLO ]
check "...not by the shortcut" [ "$(fwd_count)" = "$before_fwd" ]
check "SIGTERM (shared)" stop
check "no netdev table left (shared)" bash -c "! ip netns exec $h nft list table netdev clat-nfq >/dev/null 2>&1"

echo "-- host firewall: policy drop, established and related only"
in_h nft -f - <<'NFT'
table inet hostfw {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif lo ip saddr 127.0.0.0/8 accept
		iif lo ip6 saddr ::1 accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept
	}
}
NFT
before=$(state)
check "daemon starts under the firewall" start
check "ping through the firewall" bash -c "ip netns exec $h ping -c3 -i0.2 -W2 -q $LAB_S4 >/dev/null"
got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
check "TCP through the firewall, bytes verified" [ "$got" = "$sum" ]
check "SIGTERM under the firewall" stop
check "the firewall itself untouched" [ "$(state)" = "$before" ]
in_h nft delete table inet hostfw
before=$(state)

echo "-- delivery to the host: received on the CLAT device, whatever rp_filter says"
# An operator's counters: translated replies (from S to the CLAT address)
# seen leaving (output: a raw socket's local send would pass there),
# arriving on lo, and arriving on clat.
in_h nft -f - <<NFT
table ip seen {
	chain out { type filter hook output priority filter; ip saddr $LAB_S4 ip daddr 192.0.0.1 counter; }
	chain in { type filter hook input priority filter; ip saddr $LAB_S4 ip daddr 192.0.0.1 iifname "clat" counter; }
	chain inlo { type filter hook input priority filter; ip saddr $LAB_S4 ip daddr 192.0.0.1 iifname "lo" counter; }
}
NFT
seen() { in_h nft list chain ip seen "$1" | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }
check "daemon starts (delivery)" start
check "status: delivery through the clat device" wait_for 2 delivery "clat device"
check "ping, delivered on clat" bash -c "ip netns exec $h ping -c5 -i0.2 -W2 -q $LAB_S4 >/dev/null"
v="$(seen in)/$(seen inlo)/$(seen out)"
check "  input saw the 5 replies on clat, none on lo, output none ($v)" [ "$v" = "5/0/0" ]
in_h sysctl -qw net.ipv4.conf.all.rp_filter=1
check "ping under strict rp_filter" bash -c "ip netns exec $h ping -c5 -i0.2 -W2 -q $LAB_S4 >/dev/null"
v="$(seen in)/$(seen inlo)/$(seen out)"
check "  on clat too ($v)" [ "$v" = "10/0/0" ]
got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
check "TCP under strict rp_filter, bytes verified" [ "$got" = "$sum" ]
in_h sysctl -qw net.ipv4.conf.all.rp_filter=2
got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
check "TCP under loose rp_filter, bytes verified" [ "$got" = "$sum" ]
# Checksums that came partial (super-packets from the server next door)
# stay partial on their way in through clat: the receiver trusts them, as
# for native traffic. Here the kernel completes them at the offsets the
# daemon gave, and TCP then verifies every segment: a wrong offset stalls
# the transfer.
in_h iptables -t mangle -A PREROUTING -i clat -p tcp -j CHECKSUM --checksum-fill
got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$near4:8081 - | sha256sum)
check "partial checksums completed by the kernel verify, bytes verified" [ "$got" = "$sum" ]
filled=$(in_h iptables -t mangle -L PREROUTING -v -x -n | awk '/CHECKSUM/ { print $1 }')
check "  and the kernel did complete them ($filled packets)" [ "${filled:-0}" -gt 100 ]
in_h iptables -t mangle -F PREROUTING
in_h nft delete table ip mangle
check "SIGTERM (delivery)" stop
in_h sysctl -qw net.ipv4.conf.all.rp_filter=0
in_h nft delete table ip seen
kill $near_srv 2>/dev/null; wait $near_srv 2>/dev/null || true
before=$(state)

echo "-- crash and restart"
# What a daemon in a namespace that is gone left: a free lock (and its
# socket) under a name no namespace has. The next start removes them.
stale=/run/clat-nfq/1$RANDOM$RANDOM
mkdir -p -m 700 /run/clat-nfq && touch "$stale.lock" "$stale.sock"
check "daemon starts" start
check "a gone daemon's free lock and socket were swept" bash -c "[ ! -e $stale.lock ] && [ ! -e $stale.sock ]"
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
check "the crashed run left its device behind" bash -c "ip -n $h link show clat >/dev/null 2>&1"
# With NFT_TABLE_F_PERSIST (Linux 6.9+) its tables stay too, ownerless,
# so the rules are there before the new run translates: wait for that.
echo "     tables after the crash: $(in_h nft list tables 2>/dev/null | tr '\n' ' ')"
restart() { start && wait_for 10 state translating; }
check "restart after SIGKILL, translating" restart
want=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX | grep -c 'comment "clat-nfq')
check "no duplicate rules (as many as -p prints: $want)" [ "$(in_h nft list ruleset 2>/dev/null | grep -c 'comment "clat-nfq')" = "$want" ]
check "service resumes" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null"
check "a second instance is refused" bash -c "! ip netns exec $h build/clat-nfq plat-prefix=$LAB_PREFIX 2>/dev/null"
check "SIGTERM" stop
check "nothing left after the restart's SIGTERM" [ "$(state)" = "$before" ]
ino=$(ip netns exec "$h" stat -L -c %i /proc/self/ns/net)
check "no lock file left" [ ! -e "/run/clat-nfq/$ino.lock" ]

echo "-- fail-open=yes and a dead daemon: nothing reaches the host's IPv6 stack"
# A TCP flow through the CLAT whose server speaks only after 2 s; the daemon
# is killed before that. Its IPv6 packets must be held by the rules (fail-open
# bypasses IPv4 only): had they reached the host's TCP, it would answer the
# unknown connection with a reset (TcpOutRsts counts IPv4 and IPv6).
ip netns exec "$n-s" socat TCP4-LISTEN:8090,reuseaddr SYSTEM:'sleep 2; head -c 100000 /dev/zero' </dev/null >/dev/null 2>&1 &
late_srv=$!
sleep 0.3
check "daemon starts (fail-open=yes)" start threads=1 fail-open=yes
# The client must not half-close (socat -u would send a FIN at once).
timeout 8 ip netns exec "$h" socat TCP4:$LAB_S4:8090 SYSTEM:'sleep 8' </dev/null >/dev/null 2>&1 &
late_cli=$!
sleep 0.7
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
rsts() { in_h awk '/^Tcp:/ { if (h) print $(f); else for (i = 1; i <= NF; i++) if ($i == "OutRsts") { f = i; h = 1 } }' /proc/net/snmp; }
held() { in_h nft list table ip6 clat-nfq 2>/dev/null | sed -n 's/.*meta l4proto tcp counter packets \([0-9]*\).*/\1/p' | head -1; }
r0=$(rsts) q0=$(held)
sleep 3
check "the server's data reached H after the kill and the IPv6 rules held it ($q0 -> $(held) packets)" [ "$(held)" -gt "${q0:-0}" ]
check "the host's TCP sent no reset ($r0 -> $(rsts))" [ "$(rsts)" = "$r0" ]
kill $late_cli $late_srv 2>/dev/null || true; wait $late_cli $late_srv 2>/dev/null || true
check "restart cleans up after the dead run" start
check "SIGTERM" stop

echo "-- trace=yes: nft monitor trace follows the CLAT's packets"
check "daemon starts (trace=yes)" start threads=1 trace=yes
printed=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX threads=1 trace=yes)
live=$(in_h nft list ruleset 2>/dev/null | nft_plain)
check "clat-nfq -p prints the traced ruleset it installs" [ "$printed" = "$live" ]
in_h timeout 3 nft monitor trace > "/tmp/$n.trace" 2>/dev/null &
mon=$!
sleep 0.5
in_h ping -c1 -W2 -q $LAB_S4 >/dev/null || true
wait $mon || true
check "the trace shows the IPv4 request in clat-nfq's chain" grep -q 'trace id .* ip clat-nfq output rule ip saddr 192.0.0.1 .*nftrace set 1' "/tmp/$n.trace"
check "the trace shows the IPv6 reply in clat-nfq's chain" grep -q 'trace id .* ip6 clat-nfq prerouting rule ip6 daddr .*queue' "/tmp/$n.trace"
check "SIGTERM (trace=yes)" stop

echo "-- readiness and counters"
sock="/tmp/$n.notify"
socat -u UNIX-RECV:"$sock" OPEN:"/tmp/$n.ready",creat,trunc </dev/null >/dev/null 2>&1 &
notify_rcv=$!
sleep 0.2
NOTIFY_SOCKET="$sock" ip netns exec "$h" build/clat-nfq plat-prefix=$LAB_PREFIX 2>"/tmp/$n.err" &
daemon=$!
for _ in $(seq 1 50); do [ -s "/tmp/$n.ready" ] && break; sleep 0.1; done
check "READY=1 over NOTIFY_SOCKET" grep -q 'READY=1' "/tmp/$n.ready"
# Least privilege: CAP_NET_ADMIN (bit 12) and CAP_NET_RAW (bit 13) only,
# in every thread, and no new privileges.
caps_ok() {
	local t
	for t in /proc/$daemon/task/*; do
		grep -q '^CapEff:[[:space:]]*0000000000003000$' "$t/status" &&
		grep -q '^CapPrm:[[:space:]]*0000000000003000$' "$t/status" &&
		grep -q '^CapBnd:[[:space:]]*0000000000003000$' "$t/status" &&
		grep -q '^CapInh:[[:space:]]*0000000000000000$' "$t/status" &&
		grep -q '^NoNewPrivs:[[:space:]]*1$' "$t/status" || return 1
	done
	[ "$(ls /proc/$daemon/task | wc -l)" -ge 3 ]
}
check "every thread holds only CAP_NET_ADMIN and CAP_NET_RAW, no_new_privs" caps_ok
kill "$notify_rcv" 2>/dev/null; wait "$notify_rcv" 2>/dev/null || true
ip netns exec "$h" ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null || true
ip netns exec "$h" ping -c1 -W2 -t1 $LAB_S4 >/dev/null || true
st=$(in_h build/clat-nfq status 2>&1 || true)
check "clat-nfq status: live counters" bash -c "grep -q '^translated_4to6: [1-9]' <<<'$st' && grep -q '^plat-prefix: $LAB_PREFIX (configured)' <<<'$st'"
check "clat-nfq status --json: parses, counts, one entry per worker" /usr/bin/python3 -c '
import json, subprocess, sys
s = json.loads(subprocess.run(["ip", "netns", "exec", sys.argv[1], "build/clat-nfq", "status", "--json"],
                              capture_output=True, text=True, check=True).stdout)
assert s["counters"]["translated_4to6"] > 0 and s["counters"]["translated_6to4"] > 0, s["counters"]
assert s["counters"]["dropped"]["ttl_expired"] == 1, s["counters"]["dropped"]
assert len(s["per_worker"]) == s["workers"] >= 1 and s["clat_v6_mode"] == "shared", s
' "$h"
check "clat-nfq status refuses a user other than root" bash -c "! ip netns exec $h setpriv --reuid=65534 --regid=65534 --clear-groups build/clat-nfq status >/dev/null 2>&1"
# Clients that ask and hang up before the answer: the daemon gets EPIPE,
# not SIGPIPE (which ended it, leaving its rules, before this check).
for _ in 1 2 3 4 5; do
	in_h /usr/bin/python3 -c 'import os, socket
s = socket.socket(socket.AF_UNIX)
s.connect("/run/clat-nfq/%d.sock" % os.stat("/proc/self/ns/net").st_ino)
s.send(b"json\n"); s.close()' || true
done
sleep 0.3
check "status clients that hang up early do not end the daemon" kill -0 "$daemon"
in_h build/clat-nfq status | head -c 10 >/dev/null
check "...nor one whose reader stops (clat-nfq status | head)" kill -0 "$daemon"
kill -USR1 "$daemon"; sleep 0.3
check "SIGUSR1 prints counters: translated both ways" grep -q 'translated 4to6 [1-9][0-9]*, 6to4 [1-9]' "/tmp/$n.err"
check "SIGUSR1 prints counters: drops by reason" grep -q 'dropped ttl_expired 1' "/tmp/$n.err"
check "SIGTERM" stop
rm -f "$sock" "/tmp/$n.ready" "/tmp/$n.err"

echo "-- traceroute hops and path MTU (IPv4 link of MTU 1400 behind the PLAT)"
ip -n "$n-p" link set ps0 mtu 1400
ip -n "$n-s" link set sp0 mtu 1400
check "daemon starts" start
check "hop 1 is the CLAT itself (192.0.0.2)" bash -c "ip netns exec $h ping -c1 -W2 -t1 $LAB_S4 | grep -q 'From 192.0.0.2 .*Time to live exceeded'"
check "hop 2, an IPv6-only router, shows as 192.0.0.8 (RFC 7600)" bash -c "ip netns exec $h ping -c1 -W2 -t2 $LAB_S4 | grep -q 'From 192.0.0.8 .*Time to live exceeded'"
check "a DF datagram too big for the path: Fragmentation Needed, MTU 1400, at the sender" bash -c "ip netns exec $h ping -c1 -W2 -M do -s 1452 $LAB_S4 | grep -q 'mtu = 1400'"
check "10 MB TCP upload over the 1400-byte path, bytes verified" [ "$(upload_s)" = "$sum" ]
got=$(timeout 60 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
check "10 MB TCP download over the 1400-byte path, bytes verified" [ "$got" = "$sum" ]
check "SIGTERM" stop

# The narrow link in the middle, S's own at 1500: S's MSS (1460) no longer
# fits the path, and only the Packet Too Big tells the size. It comes from
# P's IPv4 address (203.0.113.254, worker 0 of 2), the flow is to .1
# (worker 1): what one worker learns, the other must use, or every
# super-packet is cut too large and the upload stalls.
ip -n "$n-s" link set sp0 mtu 1500
check "daemon starts (2 workers, narrow link mid-path)" start threads=2
check "10 MB upload, MTU learnt by the other worker, bytes verified" [ "$(upload_s)" = "$sum" ]
check "SIGTERM (narrow link mid-path)" stop

echo "-- operators who manage rules and routes themselves"
check "daemon starts (2 workers)" start threads=2
printed=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX threads=2)
live=$(in_h nft list ruleset 2>/dev/null | nft_plain)
check "clat-nfq -p prints the ruleset it installs" [ "$printed" = "$live" ]
check "SIGTERM" stop
ip netns exec "$h" build/clat-nfq plat-prefix=$LAB_PREFIX threads=1 nft-rules=no v4-defaultroute-enable=no 2>>"/tmp/$n.log" &
daemon=$!
for _ in $(seq 1 50); do in_h ip -4 addr show dev clat 2>/dev/null | grep -q 192.0.0.1 && break; sleep 0.1; done
sleep 0.3
check "nft-rules=no installs no table" [ -z "$(in_h nft list tables 2>/dev/null)" ]
check "v4-defaultroute-enable=no adds no route" [ -z "$(in_h ip -4 route show default)" ]
# The operator's own equivalents, written for iptables-nft: IPv6 only (IPv4
# reaches the workers by the route to the CLAT device).
in_h ip6tables -t mangle -A OUTPUT -m mark --mark 0xc1a70001 -j CONNMARK --set-mark 0xc1a7
in_h ip6tables -t mangle -A PREROUTING -d $LAB_H6 -m connmark --mark 0xc1a7 -j NFQUEUE --queue-num 464
in_h ip route add $LAB_S4/32 dev clat src 192.0.0.1 mtu 1260
check "ping through the operator's rules and route" bash -c "ip netns exec $h ping -c3 -i0.2 -W2 -q $LAB_S4 >/dev/null"
reply=$(echo hello | timeout 5 ip netns exec "$h" socat -t 2 - UDP4:$LAB_S4:5353 || true)
check "UDP through the operator's rules and route" [ "$reply" = HELLO ]
check "SIGTERM" stop
check "the operator's rules are left alone" bash -c "ip netns exec $h ip6tables -t mangle -S PREROUTING 2>/dev/null | grep -q NFQUEUE"
in_h ip6tables -t mangle -F
in_h nft delete table ip mangle 2>/dev/null || true; in_h nft delete table ip6 mangle 2>/dev/null || true
check "nothing else left" [ "$(state)" = "$before" ]
# An interface named clat that is not the daemon's (a clatd/TAYGA setup's
# persistent tun device, say): refused by name, and left alone.
in_h ip tuntap add clat mode tun
msg=$(in_h build/clat-nfq plat-prefix=$LAB_PREFIX 2>&1 || true)
check "someone else's clat interface: refused, naming clat-dev" contains "$msg" "clat-dev=clat: an interface of that name exists"
check "someone else's clat interface: left alone" bash -c "ip -n $h link show clat >/dev/null 2>&1"
in_h ip link del clat
# A plat-dev that comes later (a modem's wwan0): waited for, said once,
# served when it appears (here H's uplink renamed to it).
: > "/tmp/$n.log"
start plat-dev=wwan0 || true
sleep 1
check "plat-dev not there yet: said once, naming key and value" [ "$(grep -c 'plat-dev=wwan0: no such interface yet' "/tmp/$n.log")" = 1 ]
check "plat-dev not there yet: the daemon waits" kill -0 "$daemon"
check "plat-dev not there yet: no IPv4 route" [ -z "$(in_h ip -4 route show default)" ]
in_h ip link set hp0 down
in_h ip link set hp0 name wwan0
in_h ip link set wwan0 up
in_h ip -6 addr add "$LAB_H6/64" dev wwan0 nodad
in_h ip -6 route replace default via "$LAB_P6" dev wwan0
check "plat-dev appears: served" bash -c "for i in \$(seq 1 30); do ip netns exec $h ping -c1 -W1 -q $LAB_S4 >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1"
check "SIGTERM" stop
in_h ip link set wwan0 down
in_h ip link set wwan0 name hp0
in_h ip link set hp0 up
in_h ip -6 addr add "$LAB_H6/64" dev hp0 nodad 2>/dev/null || true
in_h ip -6 route replace default via "$LAB_P6" dev hp0

echo "-- busy-poll: workers that look again before sleeping"
check "daemon starts (busy-poll=2000, 2 workers)" start threads=2 busy-poll=2000
check "ping with busy-poll" bash -c "ip netns exec $h ping -c5 -i0.2 -W2 -q $LAB_S4 >/dev/null"
# A stop must be seen while a worker spins: pings every millisecond keep it
# spinning. (Not by stop(): a daemon that ignores it would hang the test.)
timeout 20 ip netns exec "$h" ping -i0.001 -q $LAB_S4 >/dev/null 2>&1 & pinger=$!
sleep 0.5
stop_within() {	# stop_within TENTHS: SIGTERM, then exit 0 within that time
	kill -TERM "$daemon"
	for _ in $(seq 1 "$1"); do
		if ! kill -0 "$daemon" 2>/dev/null; then
			wait "$daemon"; local rc=$?; daemon=""; return $rc
		fi
		sleep 0.1
	done
	return 1
}
check "SIGTERM while spinning ends it within 2 s" stop_within 20
kill $pinger 2>/dev/null; wait $pinger 2>/dev/null || true

echo "-- bad configuration"
msg=$(in_h build/clat-nfq plat-prefix=2001:db8::/33 2>&1 || true)
check "bad prefix: exit status 2" bash -c "ip netns exec $h build/clat-nfq plat-prefix=2001:db8::/33 2>/dev/null; [ \$? -eq 2 ]"
check "bad prefix: message names key and value" bash -c "echo '$msg' | grep -q 'plat-prefix=2001:db8::/33'"
msg=$(in_h build/clat-nfq plat-prefix=$LAB_PREFIX threads=lots 2>&1 || true)
check "bad threads: message names key and value" bash -c "echo '$msg' | grep -q 'threads=lots'"
check "bad configuration changed nothing" [ "$(state)" = "$before" ]

rm -f "/tmp/$n.data" "/tmp/$n.log"
checks_done datapath
