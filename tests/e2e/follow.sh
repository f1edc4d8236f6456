#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Address modes and following the network without restarts (issue 6), and
# the uplink vanishing mid-flight (issue 5), in the lab of scripts/lab:
#   - derived mode on a SLAAC uplink: c1:a7 in place of ff:fe, duplicate
#     address detection passed, the address deprecated so the host never
#     uses it as a source; a duplicate on the link is detected and a random
#     identifier taken instead;
#   - the uplink's address deleted and added again, the link down and up,
#     the uplink deleted under a running transfer and made again: the same
#     daemon translates again (within 2 s of the uplink's return), with no
#     duplicated rules;
#   - native IPv4 appearing makes the CLAT step aside, its removal brings
#     it back (v4-conncheck); v4-defaultroute-replace takes the native
#     route out and puts it back, also after a SIGKILL;
#   - script-up and script-down run with clatd's environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init fo
ra="" srv=""
E2E_ARGS="-c /dev/null"
E2E_WAIT=translating
on_cleanup 'for x in $ra $srv; do kill "$x"; wait "$x"; done 2>/dev/null'
ping4() { in_h ping -c1 -W1 -q $LAB_S4 >/dev/null 2>&1; }
# ping4_within SECONDS: a reply within that time (pings 0.1 s apart)
ping4_within() {
	local end; end=$(($(date +%s%N) + $1 * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		in_h ping -c1 -W0.3 -q $LAB_S4 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
rules() { in_h nft list table ip6 clat-nfq 2>/dev/null | grep -c queue || true; }
uplink_addr() {	# the lab's static address and default route on hp0
	in_h ip -6 addr replace $LAB_H6/64 dev hp0 nodad
	in_h ip -6 route replace default via $LAB_P6 dev hp0
}

lab_up "$n"
ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr,fork SYSTEM:'head -c 200000000 /dev/zero' </dev/null >/dev/null 2>&1 &
srv=$!

echo "-- derived mode on a SLAAC uplink"
in_h sysctl -qw net.ipv6.conf.all.accept_dad=1 net.ipv6.conf.hp0.accept_dad=1 \
	net.ipv6.conf.hp0.accept_ra=1 net.ipv6.conf.hp0.autoconf=1
in_h ip -6 addr del $LAB_H6/64 dev hp0
ip netns exec "$p" tests/e2e/ra_send.py ph0 $LAB_PREFIX 600 --pio 2001:db8:1::/64 --every 0.5 &
ra=$!
for _ in $(seq 1 50); do
	slaac=$(in_h ip -6 -o addr show dev hp0 scope global | awk '/ff:fe/ && !/tentative/ { sub("/.*", "", $4); print $4; exit }')
	[ -n "$slaac" ] && break; sleep 0.1
done
check "H has a SLAAC address ($slaac)" [ -n "$slaac" ]
in_h ip -6 route replace default via $LAB_P6 dev hp0
want=$(/usr/bin/python3 -c 'import ipaddress,sys; a=bytearray(ipaddress.IPv6Address(sys.argv[1]).packed); a[11]=0xc1; a[12]=0xa7; print(ipaddress.IPv6Address(bytes(a)))' "$slaac")
check "derived mode starts (prefix from the RA)" start clat-v6-addr=derived
check "the derived address is ff:fe -> c1:a7 ($want)" [ "$(jget clat_v6_addr)" = "$want" ]
flags=$(in_h ip -6 -o addr show dev hp0 to "$want/128")
check "it is on the uplink, deprecated, DAD passed" bash -c "[[ '$flags' == *deprecated* && '$flags' != *tentative* && '$flags' != *dadfailed* ]]"
check "the host still picks its own address as source" bash -c "ip netns exec $h ip -6 route get ${LAB_PREFIX%/*}1 | grep -q 'src $slaac'"
check "ping through the derived address" ping4_within 3
# Someone removes it: the same address goes back (DAD again), counted.
in_h ip -6 addr del "$want/128" dev hp0
for _ in $(seq 1 40); do
	back=$(in_h ip -6 -o addr show dev hp0 to "$want/128")
	[ -n "$back" ] && [[ $back != *tentative* ]] && break; sleep 0.1
done
check "the derived address deleted by hand: the same one back within 4 s" bash -c "[ -n '$back' ] && [[ '$back' != *tentative* ]]"
check "...counted as a repair" bash -c "ip netns exec $h build/clat-nfq status --json | /usr/bin/python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)[\"repairs\"][\"derived_address\"] < 1)'"
check "...ping through it" ping4_within 3
check "SIGTERM exits 0" stop
check "the derived address is gone" [ -z "$(in_h ip -6 -o addr show dev hp0 to "$want/128")" ]

ip -n "$p" -6 addr add "$want/64" dev ph0 nodad
check "with c1:a7 taken by P: starts anyway" start clat-v6-addr=derived
got=$(jget clat_v6_addr)
check "a random identifier instead ($got)" bash -c "[ '$got' != '$want' ] && [[ '$got' == 2001:db8:1:0:* ]]"
check "the duplicate was seen" grep -q "is a duplicate on the link" "/tmp/$n.log"
check "ping through it" ping4_within 3
check "SIGTERM exits 0" stop
ip -n "$p" -6 addr del "$want/64" dev ph0
kill "$ra"; wait "$ra" 2>/dev/null || true; ra=""
in_h sysctl -qw net.ipv6.conf.hp0.accept_ra=0
in_h ip -6 addr flush dev hp0 scope global
uplink_addr

echo "-- shared mode follows the uplink"
check "daemon starts" start plat-prefix=$LAB_PREFIX threads=2
pid=$daemon nrules=$(rules)
# A second address on the uplink (a new temporary address, say) that the
# kernel may now prefer: the CLAT keeps the one its flows use.
timeout 30 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - 2>/dev/null | wc -c > "/tmp/$n.bytes" &
xfer=$!
sleep 0.3
in_h ip -6 addr add 2001:db8:1::77/64 dev hp0 nodad
sleep 1
check "a new address on the uplink: the CLAT keeps $LAB_H6" [ "$(jget clat_v6_addr)" = $LAB_H6 ]
wait $xfer || true
check "the transfer under way completes ($(cat "/tmp/$n.bytes") bytes)" [ "$(cat "/tmp/$n.bytes")" = 200000000 ]
in_h ip -6 addr del 2001:db8:1::77/64 dev hp0
in_h ip -6 addr del $LAB_H6/64 dev hp0
check "address gone: the CLAT says so" wait_for 5 state "no IPv6 route"
uplink_addr
check "address back: translating within 2 s" ping4_within 2
in_h ip link set hp0 down
sleep 0.3
in_h ip link set hp0 up
uplink_addr
check "link down and up: translating within 2 s" ping4_within 2

# A transfer under way when the uplink disappears altogether.
timeout 30 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - >/dev/null 2>&1 &
xfer=$!
sleep 0.5
in_h ip link del hp0
check "uplink deleted mid-transfer: the daemon keeps running" bash -c "sleep 0.5; kill -0 $pid"
check "...and says the uplink is gone" wait_for 5 state "no IPv6 route"
ip link add hp0 netns "$h" type veth peer name ph0 netns "$p"
ip -n "$p" link set ph0 up
ip -n "$p" -6 addr add $LAB_P6/64 dev ph0 nodad
in_h ip link set hp0 up
uplink_addr
t0=$(date +%s%N)
check "a new uplink (new ifindex): translating within 2 s" ping4_within 2
echo "     (first reply $(( ($(date +%s%N) - t0) / 1000000 )) ms after the uplink was back)"
check "same daemon, rules not duplicated ($nrules queue rules)" bash -c "[ $daemon = $pid ] && [ $(rules) = $nrules ]"
wait $xfer 2>/dev/null || true

echo "-- native IPv4 comes and goes (v4-conncheck)"
check "SIGTERM exits 0" stop
check "daemon starts (v4-conncheck-delay=1)" start plat-prefix=$LAB_PREFIX v4-conncheck-delay=1
in_h ip -4 addr add 10.99.0.2/24 dev hp0
in_h ip -4 route add default via 10.99.0.1 dev hp0 metric 100
check "native IPv4 for 1 s: the CLAT steps aside" wait_for 4 state "standing aside"
check "its IPv4 default route is out" [ -z "$(in_h ip -4 route show default dev clat)" ]
in_h ip -4 route del default via 10.99.0.1 dev hp0 metric 100
check "native IPv4 gone: the CLAT is back" wait_for 3 state translating
check "ping through the CLAT again" ping4_within 2
check "SIGTERM exits 0" stop

echo "-- v4-defaultroute-replace"
in_h ip -4 route add default via 10.99.0.1 dev hp0 metric 100
native=$(in_h ip -4 route show default)
check "daemon starts (replace)" start plat-prefix=$LAB_PREFIX v4-defaultroute-replace=yes
defaults=$(in_h ip -4 route show default)
check "the native default route is out, the CLAT's is in ($defaults)" bash -c "[ \$(echo '$defaults' | wc -l) = 1 ] && [[ '$defaults' == *'dev clat'* ]]"
check "ping through the CLAT" ping4_within 2
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
check "after SIGKILL: a new run starts" start plat-prefix=$LAB_PREFIX v4-defaultroute-replace=yes
check "SIGTERM exits 0" stop
check "the native default route is back as it was" [ "$(in_h ip -4 route show default)" = "$native" ]
in_h ip -4 route del default via 10.99.0.1 dev hp0 metric 100

echo "-- script-up and script-down"
check "daemon starts with scripts" start plat-prefix=$LAB_PREFIX \
	"script-up=echo up \$clat_dev \$clat_v4_addr \$clat_v6_addr \$plat_prefix \$plat_dev >> /tmp/$n.script" \
	"script-down=echo down \$clat_dev >> /tmp/$n.script"
check "SIGTERM exits 0" stop
check "script-up saw clatd's variables" grep -qx "up clat 192.0.0.1 $LAB_H6 $LAB_PREFIX hp0" "/tmp/$n.script"
check "script-down ran last" [ "$(tail -1 "/tmp/$n.script")" = "down clat" ]
check "nothing left" [ -z "$(in_h nft list tables 2>/dev/null)$(in_h ip -4 route show dev clat 2>/dev/null)" ]
checks_done follow
