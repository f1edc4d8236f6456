#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input (issue 5) into a running daemon, both directions, in the lab
# of scripts/lab: tests/e2e/hostile.py sends about 50 kinds of malformed or
# adversarial packets each way (truncated headers, lying lengths, bad
# checksums, IPv4 options, IPv6 extension-header chains, tiny and
# overlapping fragments, ICMP errors quoting errors, other hosts or nothing,
# untranslatable addresses under the prefix, TTL/hop limit 0 and 1, sizes
# around every MTU boundary, ICMP types without a translation), each kind
# HOSTILE_REPEAT times (25: more than 1,000 packets each way), with
# clat-nfq in explicit-address mode (everything to its address is queued);
# then, in shared mode, hostile packets riding a flow the CLAT started.
# For each kind: the drop reason the RFC rule names moved by exactly the
# number sent, the daemon answered with the ICMP error the RFC asks for and
# nothing else (never about an error), translations on the wire are right.
# Meanwhile a ping runs and a 1 MB TCP download is verified; the daemon
# must still be running, and ordinary traffic must work afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init hz
REPEAT=${HOSTILE_REPEAT:-25}
bg=""
E2E_ARGS="-q plat-prefix=$LAB_PREFIX threads=2"
on_cleanup '[ -n "$bg" ] && kill $bg 2>/dev/null && wait $bg 2>/dev/null'
# hostile.py prints "ok   NAME" / "FAIL NAME": each becomes a check here.
hostile() {
	local line out rc=0
	out=$(/usr/bin/python3 tests/e2e/hostile.py "$@" "$REPEAT" 2>&1) || rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok   "*) check "${line#ok   }" true ;;
		"FAIL "*) check "${line#FAIL }" false ;;
		"sent "*) echo "$line" >> "/tmp/$n.sent" ;;
		*) echo "$line" ;;
		esac
	done <<<"$out"
	check "hostile.py $1 ran to the end (status $rc)" [ "$rc" -le 1 ]
}
sent() {	# sent DIRECTION: "KINDS PACKETS" sent that way so far
	awk -v d="$1" '$2 == d { k += $3; p += $4 } END { print k + 0, p + 0 }' "/tmp/$n.sent"
}
# Ordinary traffic: every reply of a ping, a download verified byte by byte.
traffic() {	# traffic NAME: in the background, results in /tmp/$n.NAME.*
	in_h ping -c "$2" -i 0.05 -W 2 -q $LAB_S4 > "/tmp/$n.$1.ping" 2>&1 &
	bg="$bg $!"
	timeout 30 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - 2>/dev/null |
		sha256sum > "/tmp/$n.$1.tcp" &
	bg="$bg $!"
}
traffic_ok() {	# traffic_ok NAME COUNT LABEL
	wait $bg 2>/dev/null || true; bg=""
	check "$3: ping, all $2 replies" grep -q " $2 received" "/tmp/$n.$1.ping"
	check "$3: 1 MB TCP download, bytes verified" [ "$(cat "/tmp/$n.$1.tcp")" = "$sum" ]
}

t0=$SECONDS
lab_up "$n"
head -c 1000000 /dev/urandom > "/tmp/$n.data"
sum=$(sha256sum < "/tmp/$n.data")
ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr,fork OPEN:"/tmp/$n.data",rdonly </dev/null >/dev/null 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; cleanup' EXIT
: > "/tmp/$n.sent"

# Fields the kernel fixes on a raw socket's IPv4 header (total length,
# checksum) or checks on IPv6 input (payload length) are broken again here,
# after conntrack and before clat-nfq's chains (priority mangle), for the
# packets hostile.py marks by IPv4 Identification or IPv6 flow label. In
# explicit mode UDP takes the ingress shortcut, which IPv6 input never
# checks: there they are broken on the uplink's ingress, before its rule.
in_h nft -f - <<'NFT'
table ip hostile {
	chain output {
		type filter hook output priority mangle - 10; policy accept;
		ip saddr 192.0.0.1 ip id 0xb001 ip length set 4000
		ip saddr 192.0.0.1 ip id 0xb002 ip length set 16
		ip saddr 192.0.0.1 ip id 0xb003 @nh,0,8 set 0x4f
		ip saddr 192.0.0.1 ip id 0xb004 ip checksum set 0x1234
	}
}
table ip6 hostile {
	chain prerouting {
		type filter hook prerouting priority mangle - 10; policy accept;
		ip6 flowlabel 0xb0001 ip6 length set 2000
		ip6 flowlabel 0xb0002 ip6 length set 0
		ip6 flowlabel 0xb0003 ip6 length set 4
	}
}
NFT
# explicit mode's (shared mode's queue path meets the prerouting ones)
in_h nft -f - <<'NFT'
table netdev hostile {
	chain ingress {
		type filter hook ingress device "hp0" priority 0; policy accept;
		ip6 flowlabel 0xb0001 ip6 length set 2000
		ip6 flowlabel 0xb0002 ip6 length set 0
		ip6 flowlabel 0xb0003 ip6 length set 4
	}
}
NFT

echo "-- explicit address: hostile input both ways"
c6=2001:db8:1::c1a7
# udp-coalesce=no: hostile.py checks each translated datagram's IPv4
# header from a raw socket in H, which sees a joined run (txq.h) as one
# packet, as tcpdump sees a GRO'd one; datapath.sh tests the joining.
check "daemon starts (clat-v6-addr=$c6)" start clat-v6-addr=$c6 udp-coalesce=no
# -c3: an anycast address answers neighbour discovery only after up to 1 s
# (RFC 4861 MAX_ANYCAST_DELAY_TIME)
check "before: ping" bash -c "ip netns exec $h ping -c3 -i0.3 -W2 -q $LAB_S4 >/dev/null"
traffic during 200
hostile explicit "$h" "$n-p" "$c6"
traffic_ok during 200 "during the flood"
check "the daemon survived ($(sent 4to6) kinds and packets 4to6, $(sent 6to4) 6to4)" kill -0 "$daemon"
read -r k4 p4 <<<"$(sent 4to6)"; read -r k6 p6 <<<"$(sent 6to4)"
check "at least 1,000 hostile packets of 30 kinds each way ($p4 of $k4 kinds 4to6, $p6 of $k6 6to4)" \
	bash -c "[ $p4 -ge 1000 ] && [ $p6 -ge 1000 ] && [ $k4 -ge 30 ] && [ $k6 -ge 30 ]"
# The PTB kinds taught H's IPv4 a smaller path MTU: forget it.
in_h ip route flush cache
traffic after 20
traffic_ok after 20 "after the flood"
check "SIGTERM exits 0" stop
in_h nft delete table netdev hostile

echo "-- shared mode: hostile packets on a flow the CLAT started"
check "daemon starts (shared)" start udp-coalesce=no
hostile shared "$h" "$n-p" "$LAB_H6"
check "the daemon survived" kill -0 "$daemon"
traffic after-shared 20
traffic_ok after-shared 20 "shared mode, after"
check "SIGTERM exits 0 (shared)" stop
in_h nft delete table ip hostile
in_h nft delete table ip6 hostile
check "nothing left in H" [ -z "$(in_h nft list tables 2>/dev/null)" ]
echo "hostile: $(sent 4to6 | cut -d' ' -f2) packets 4to6, $(sent 6to4 | cut -d' ' -f2) 6to4, $((SECONDS - t0)) s"
checks_done hostile
