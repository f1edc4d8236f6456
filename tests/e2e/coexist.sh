#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Living with the host's own management (issue 14), in the lab of
# scripts/lab, with the tables owned (the default) and with nft-owner=no
# (the event-repair path, which older kernels take):
#   - a TCP download of 12 s through the CLAT while the host's firewall is
#     reloaded three ways (nft flush ruleset; nft -f of a Debian-style
#     /etc/nftables.conf: flush ruleset, input policy drop, iif lo accept,
#     ct state established,related accept; iptables-nft-restore of a
#     ufw-style ruleset): every byte arrives, P counts no TCP reset and no
#     unreachable from H toward the prefix, and a ping works within 1 s of
#     each reload;
#   - nft delete table is refused (owned) or repaired (not) within 2 s;
#   - the IPv4 default route, the CLAT address and the CLAT device deleted
#     by hand come back within 2 s, counted in status, which names the
#     last repair; an interface of the CLAT's name that is someone else's
#     is named in the state while it blocks the repair;
#   - an explicit address from a /64 that P routes to H translates (ping,
#     TCP, UDP) with forwarding off in H and no anycast join; one that can
#     work neither way is said once, with the fix;
#   - SIGHUP after threads=1 -> 2 in the file: 2 workers, the rules use
#     both queues, a download begun before completes; a broken file on
#     SIGHUP is refused with the start's message and changes nothing;
#   - READY=1 (NOTIFY_SOCKET) comes only once a ping works, at a cold start
#     and at a restart after SIGKILL.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init co
t="/tmp/$n"
srvs="" notif=""
E2E_ARGS="-c $t.conf"
E2E_WAIT=translating
on_cleanup 'for x in $srvs $notif; do kill "$x"; wait "$x"; done 2>/dev/null'
on_cleanup 'rm -rf "$t"'
ms() { date +%s%3N; }
# ping_within SECONDS: a reply within that time; prints how long it took
ping_within() {
	local t0 end; t0=$(ms); end=$((t0 + $1 * 1000))
	while [ "$(ms)" -lt "$end" ]; do
		if in_h ping -c1 -W0.2 -q $LAB_S4 >/dev/null 2>&1; then
			echo "     (reply $(($(ms) - t0)) ms after)"; return 0; fi
		sleep 0.05
	done
	return 1
}
# TCP resets and unreachables that H sends toward the prefix, as P forwards them
host_errors() {
	ip netns exec "$p" nft list table inet count |
		awk '/comment "h-(resets|unreach)"/ { for (i = 1; i <= NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
jnum() { ip netns exec "$h" build/clat-nfq status --json 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d" + sys.argv[1]))' "$1" 2>/dev/null || echo -1; }
repairs() { jnum "['repairs']['$1']"; }
# until the repair counter $1 exceeds $2, within SECONDS $3
repaired_within() {
	local end=$(($(ms) + $3 * 1000))
	while [ "$(ms)" -lt "$end" ]; do
		[ "$(repairs "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

lab_up "$n"
mkdir -p "$t"
# P counts what H's IPv6 stack would send if it got the CLAT's packets.
ip netns exec "$p" nft -f - <<'NFT'
table inet count {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip6 saddr 2001:db8:1::/64 ip6 daddr 2001:db8:64::/96 tcp flags rst counter comment "h-resets"
		ip6 saddr 2001:db8:1::/64 ip6 daddr 2001:db8:64::/96 icmpv6 type destination-unreachable counter comment "h-unreach"
	}
}
NFT
# S sends a file slowly: 3 MB in 12 s, as 100 KB every 0.4 s.
head -c 3000000 /dev/urandom > "$t/data"
sum=$(sha256sum < "$t/data")
cat > "$t/slow.py" <<'PY'
import socket, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen(4)
while True:
    c, _ = s.accept()
    try:
        for i in range(0, len(data), 100000):
            c.sendall(data[i:i + 100000]); time.sleep(0.4)
    except OSError:
        pass	# a client reset: the next one is served
    c.close()
PY
ip netns exec "$s" /usr/bin/python3 "$t/slow.py" "$t/data" 8080 </dev/null >/dev/null 2>&1 &
srvs="$!"
ip netns exec "$s" socat TCP4-LISTEN:8081,reuseaddr,fork OPEN:"$t/data",rdonly </dev/null >/dev/null 2>&1 &
srvs="$srvs $!"
ip netns exec "$s" socat UDP4-RECVFROM:5353,reuseaddr,fork EXEC:'tr a-z A-Z' </dev/null >/dev/null 2>&1 &
srvs="$srvs $!"
# The host's firewall, as Debian's nftables.service and ufw write them.
cat > "$t/nftables.conf" <<'NFT'
#!/usr/sbin/nft -f
flush ruleset

table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		ct state invalid drop
		meta l4proto ipv6-icmp accept
		meta l4proto icmp accept
		tcp dport 22 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
NFT
cat > "$t/rules.v4" <<'IPT'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -p icmp -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
IPT
sed 's/-p icmp/-p ipv6-icmp/' "$t/rules.v4" > "$t/rules.v6"

reloads() {	# the download under three firewall reloads, one owner mode
	local mode=$1 got e0 e1
	in_h nft flush ruleset	# each round from the same start
	timeout 40 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - > "$t/got" 2>/dev/null &
	local dl=$!
	sleep 0.3
	e0=$(host_errors)
	sleep 2.5
	in_h nft flush ruleset
	check "$mode: ping within 1 s of nft flush ruleset" ping_within 1
	sleep 2.5
	in_h nft -f "$t/nftables.conf"
	check "$mode: ping within 1 s of nft -f nftables.conf (input policy drop)" ping_within 1
	sleep 2.5
	in_h iptables-nft-restore < "$t/rules.v4"
	in_h ip6tables-nft-restore < "$t/rules.v6"
	check "$mode: ping within 1 s of iptables-nft-restore" ping_within 1
	local rc=0; wait $dl || rc=$?
	got=$(sha256sum < "$t/got")
	e1=$(host_errors)
	if [ "$mode" = nft-owner=yes ]; then
		check "$mode: the 12 s download under the three reloads completes, bytes verified ($(stat -c %s "$t/got") bytes, socat $rc)" [ "$got" = "$sum" ]
		check "$mode: no TCP reset or unreachable from H toward the prefix ($e0 -> $e1)" [ "$e0" = "$e1" ]
	else
		# Unowned tables are gone from the reload's commit until the
		# daemon's repair: packets in that window reach the host's
		# stack (README, "Firewall reloads"). Said, not required.
		echo "     $mode: download $([ "$got" = "$sum" ] && echo complete || echo "cut at $(stat -c %s "$t/got") bytes"), resets and unreachables from H in the windows: $((e1 - e0))"
	fi
	check "$mode: the tables are there (ip, ip6, netdev)" bash -c "[ \"\$(ip netns exec $h nft list tables | grep -c clat-nfq)\" = 3 ]"
	in_h nft flush ruleset
}

echo "plat-prefix=$LAB_PREFIX" > "$t.conf"
echo "threads=1" >> "$t.conf"
for owner in yes no; do
	echo "-- firewall reloads, nft-owner=$owner"
	check "daemon starts" start nft-owner=$owner
	echo "     tables owned: $(jnum "['table_owner']")"
	if [ $owner = yes ]; then
		check "tables owned, persistent on this kernel" contains "$(jnum "['table_owner']")" "owner"
	else
		check "tables not owned" contains "$(jnum "['table_owner']")" "none"
	fi
	r0=$(repairs rules)
	reloads "nft-owner=$owner"
	if [ $owner = yes ]; then
		check "owned: nothing needed a repair" [ "$(repairs rules)" = "$r0" ]
		for fam in ip ip6; do
			check "owned: nft delete table $fam clat-nfq is refused, the table stays" \
				bash -c "! ip netns exec $h nft delete table $fam clat-nfq 2>/dev/null && ip netns exec $h nft list table $fam clat-nfq >/dev/null 2>&1"
		done
	else
		r1=$(repairs rules)
		check "not owned: the reloads were repaired and counted ($r0 -> $r1)" [ "$r1" -ge $((r0 + 3)) ]
		in_h nft delete table ip6 clat-nfq || true
		check "not owned: nft delete table ip6 clat-nfq repaired within 2 s" repaired_within rules "$r1" 2
		check "...the table is back" bash -c "ip netns exec $h nft list table ip6 clat-nfq >/dev/null 2>&1"
		check "...and logged once" [ "$(grep -c 'nftables tables were changed or removed' "$t.log")" = 1 ]
	fi
	check "still one set of rules ($(in_h nft list ruleset | grep -c 'comment "clat-nfq'))" \
		[ "$(in_h nft list ruleset | grep -c 'comment "clat-nfq')" = "$(in_h build/clat-nfq -p -c "$t.conf" | grep -c 'comment "clat-nfq')" ]
	check "SIGTERM exits 0" stop
	check "no table left" [ -z "$(in_h nft list tables)" ]
done

echo "-- hands on the route, the address, the device"
check "daemon starts" start
r=$(repairs route)
in_h ip route del default dev clat
check "IPv4 default route deleted: back within 2 s" repaired_within route "$r" 2
check "...ping works" ping_within 1
check "...status names the last repair" contains "$(jnum "['last_repair']")" "IPv4 default route"
r=$(repairs address)
in_h ip addr del 192.0.0.1/32 dev clat
check "CLAT address deleted: back within 2 s" repaired_within address "$r" 2
check "...with its route" ping_within 1
check "...status names it" contains "$(jnum "['last_repair']")" "CLAT IPv4 address"
r=$(repairs device)
in_h ip link del clat
check "CLAT device deleted: back within 2 s" repaired_within device "$r" 2
check "...ping works" ping_within 1
# Someone else's interface takes the name: the repair cannot happen, and
# the state says what is missing and why; when it goes, the repair does.
r=$(repairs device)
# (the daemon stopped meanwhile, or it would be faster)
kill -STOP "$daemon"
in_h ip link del clat
in_h ip link add clat type veth peer name co-peer
kill -CONT "$daemon"
check "an interface of that name that is someone else's: the state names it" wait_for 2 state "clat-dev"
check "...and it is not translating" bash -c "! ip netns exec $h build/clat-nfq status --json | grep -q '\"state\":\"translating'"
in_h ip link del clat
check "...gone again: the device is back within 2 s" repaired_within device "$r" 2
check "...translating" wait_for 2 state translating
check "...ping works" ping_within 1
check "SIGTERM exits 0" stop

echo "-- an explicit address from a prefix routed to H (forwarding off)"
routed=2001:db8:2::c1a7
ip -n "$p" -6 route add 2001:db8:2::/64 via $LAB_H6 dev ph0
check "H does not forward IPv6" [ "$(in_h sysctl -n net.ipv6.conf.all.forwarding)" = 0 ]
check "daemon starts with clat-v6-addr=$routed" start clat-v6-addr=$routed
check "status: routed, no neighbour discovery" contains "$(jnum "['clat_v6_how']")" "routed"
check "...the address is $routed" [ "$(jnum "['clat_v6_addr']")" = $routed ]
check "no anycast join" bash -c "! ip netns exec $h grep -q 20010db800020000000000000000c1a7 /proc/net/anycast6"
check "ping" ping_within 2
got=$(timeout 30 ip netns exec "$h" socat -u TCP4:$LAB_S4:8081 - | sha256sum || true)
check "TCP download, bytes verified" [ "$got" = "$sum" ]
reply=$(echo hello | timeout 5 ip netns exec "$h" socat -t 2 - UDP4:$LAB_S4:5353 || true)
check "UDP request and reply" [ "$reply" = HELLO ]
check "SIGTERM exits 0" stop
ip -n "$p" -6 route del 2001:db8:2::/64 via $LAB_H6 dev ph0
check "an on-link one keeps the anycast join" start clat-v6-addr=2001:db8:1::c1a7
check "...status says so" contains "$(jnum "['clat_v6_how']")" "on-link"
check "...joined" in_h grep -q 20010db800010000000000000000c1a7 /proc/net/anycast6
check "SIGTERM exits 0" stop
in_h ip -6 route add unreachable 2001:db8:3::/64
ip netns exec "$h" build/clat-nfq -c "$t.conf" clat-v6-addr=2001:db8:3::1 2>"$t.nowork" &
daemon=$!
check "one that can work neither way: the state says why and the fix" wait_for 5 state "no route to it"
contains "$(jget state)" "fix:" || check "...with the fix" false
sleep 1
check "...said once" [ "$(grep -c 'no route to it' "$t.nowork")" = 1 ]
check "SIGTERM exits 0" stop
in_h ip -6 route del unreachable 2001:db8:3::/64

echo "-- SIGHUP"
check "daemon starts (threads=1)" start
check "one worker" [ "$(jnum "['workers']")" = 1 ]
timeout 40 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - > "$t/got" 2>/dev/null &
dl=$!
sleep 2
sed -i 's/^threads=1$/threads=2/' "$t.conf"
pid=$daemon
kill -HUP "$daemon"
for _ in $(seq 1 30); do [ "$(jnum "['workers']")" = 2 ] && break; sleep 0.1; done
check "threads=2 on SIGHUP: two workers" [ "$(jnum "['workers']")" = 2 ]
check "...the rules use both queues" bash -c "ip netns exec $h nft list table ip6 clat-nfq | grep -q 'queue num 465'"
check "...the same daemon" [ "$daemon" = "$pid" ] 
check "...translating" wait_for 2 state translating
rc=0; wait $dl || rc=$?
check "a download begun before the reload completes, bytes verified (socat $rc)" [ "$(sha256sum < "$t/got")" = "$sum" ]
rules_before=$(in_h nft list ruleset | sed 's/counter packets [0-9]* bytes [0-9]*/counter/')
cp "$t.conf" "$t.good"
echo "threads=banana" >> "$t.conf"
kill -HUP "$daemon"
sleep 1
check "a broken file on SIGHUP is refused with the start's message" grep -q "threads=banana" "$t.log"
check "...said so" grep -q "refused; the running configuration stays" "$t.log"
check "...the daemon runs on with 2 workers" bash -c "kill -0 $daemon && [ \"\$(ip netns exec $h build/clat-nfq status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"workers\"])')\" = 2 ]"
check "...rules unchanged" [ "$(in_h nft list ruleset | sed 's/counter packets [0-9]* bytes [0-9]*/counter/')" = "$rules_before" ]
check "...ping works" ping_within 1
check "SIGTERM exits 0" stop
cp "$t.good" "$t.conf"

echo "-- READY=1 only once translation works"
cat > "$t/notify.py" <<'PY'
import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
out = open(sys.argv[2], "a")
while True:
    m = s.recv(4096).decode()
    for line in m.split("\n"):
        if line == "READY=1":
            # at once, as a unit ordered After= this one would
            r = subprocess.run(["ip", "netns", "exec", sys.argv[3], "ping",
                                "-c1", "-W1", "-q", sys.argv[4]],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.write("READY ping %d\n" % r.returncode)
        elif line.startswith("STATUS="):
            out.write(line + "\n")
    out.flush()
PY
/usr/bin/python3 "$t/notify.py" "$t/notify.sock" "$t/notify.out" "$h" $LAB_S4 &
notif=$!
for _ in $(seq 1 20); do [ -S "$t/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$t/notify.sock" ip netns exec "$h" build/clat-nfq -c "$t.conf" 2>>"$t.log" &
daemon=$!
for _ in $(seq 1 50); do grep -q READY "$t/notify.out" 2>/dev/null && break; sleep 0.1; done
check "cold start: READY=1, and a ping right after it works" grep -qx "READY ping 0" "$t/notify.out"
check "STATUS= carries the state line" grep -q "^STATUS=translating" "$t/notify.out"
for round in 1 2 3; do
	: > "$t/notify.out"
	kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
	NOTIFY_SOCKET="$t/notify.sock" ip netns exec "$h" build/clat-nfq -c "$t.conf" 2>>"$t.log" &
	daemon=$!
	for _ in $(seq 1 50); do grep -q READY "$t/notify.out" 2>/dev/null && break; sleep 0.1; done
	check "restart $round after SIGKILL: a ping right after READY=1 works" grep -qx "READY ping 0" "$t/notify.out"
done
check "SIGTERM exits 0" stop
# Started before the network is there (no IPv6 route toward the prefix):
# no READY=1 until it is, and then a ping right after it works.
: > "$t/notify.out"
in_h ip -6 route del default via $LAB_P6
NOTIFY_SOCKET="$t/notify.sock" ip netns exec "$h" build/clat-nfq -c "$t.conf" 2>>"$t.log" &
daemon=$!
sleep 2
check "no route toward the prefix: no READY=1 yet" bash -c "! grep -q READY '$t/notify.out'"
check "...STATUS= says why" grep -q "^STATUS=no IPv6 route toward the PLAT prefix" "$t/notify.out"
in_h ip -6 route add default via $LAB_P6
for _ in $(seq 1 50); do grep -q READY "$t/notify.out" 2>/dev/null && break; sleep 0.1; done
check "...the route back: READY=1, and a ping right after it works" grep -qx "READY ping 0" "$t/notify.out"
check "SIGTERM exits 0" stop
check "nothing left" [ -z "$(in_h nft list tables)$(in_h ip -4 route)" ]
if [ "$fails" -gt 0 ]; then echo "-- the daemon's log"; cat "$t.log"; fi
checks_done coexist
