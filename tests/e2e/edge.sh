#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIIT-DC Edge Relay (RFC 7756) end to end, the README's example: TAYGA in
# P is the Border Relay (translation prefix 2001:db8:64::/96, and the
# explicit mapping 192.0.2.1 <-> 2001:db8:1::4:1, TAYGA's "map"); H runs
# clat-nfq with edge-relay=yes, clat-v4-addr=192.0.2.1 and
# clat-v6-addr=2001:db8:1::4:1. The IPv4-only client S connects to
# 192.0.2.1 and reaches a TCP service on H's IPv4 service address;
# outbound from H works as in CLAT mode; the same with the service's IPv6
# address given as an eam= instead; and H's firewall (a Debian-style
# ruleset: policy drop, iif lo accepted) can refuse a port when the
# translations arrive through the CLAT interface.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init edge
pids=()
on_cleanup 'for x in "${pids[@]}"; do kill "$x"; wait "$x"; done 2>/dev/null'
from_s() {	# from_s PORT: what S gets from 192.0.2.1:PORT
	timeout 8 ip netns exec "$n-s" socat -u TCP4:192.0.2.1:"$1",connect-timeout=3 - 2>/dev/null || true
}

lab_up "$n"
# The lab's TAYGA becomes a Border Relay: the same prefix, plus the
# explicit mapping of the host's service address.
kill "$(cat "/run/$n-tayga.pid")"; wait 2>/dev/null || true
for _ in $(seq 1 30); do [ -e "/run/$n-tayga.pid" ] && kill -0 "$(cat "/run/$n-tayga.pid")" 2>/dev/null || break; sleep 0.1; done
rm -f "/run/$n-tayga.pid"
echo "map 192.0.2.1 2001:db8:1::4:1" >> "/run/$n-tayga/tayga.conf"
ip netns exec "$p" tayga -c "/run/$n-tayga/tayga.conf" --nodetach \
	--pidfile "/run/$n-tayga.pid" </dev/null >/dev/null 2>&1 &
for _ in $(seq 1 30); do [ -s "/run/$n-tayga.pid" ] && break; sleep 0.1; done
ip -n "$p" route add 192.0.2.1/32 dev plat
# S serves H's outbound test
ip netns exec "$n-s" socat TCP4-LISTEN:8079,reuseaddr,fork SYSTEM:'echo from-s' </dev/null >/dev/null 2>&1 &
pids+=($!)

for how in "clat-v6-addr=2001:db8:1::4:1" "eam=192.0.2.1/32,2001:db8:1::4:1/128"; do
	echo "-- edge-relay=yes clat-v4-addr=192.0.2.1 $how"
	check "daemon starts" start edge-relay=yes clat-v4-addr=192.0.2.1 "$how"
	ip netns exec "$h" socat TCP4-LISTEN:8070,bind=192.0.2.1,reuseaddr,fork SYSTEM:'echo service' </dev/null >/dev/null 2>&1 &
	pids+=($!)
	sleep 0.5
	check "S (IPv4 internet) reaches the TCP service on 192.0.2.1:8070" [ "$(from_s 8070)" = service ]
	got=$(timeout 10 ip netns exec "$h" socat -u TCP4:$LAB_S4:8079 - 2>/dev/null || true)
	check "outbound from H to S works as in CLAT mode" [ "$got" = from-s ]
	check "ping S from H" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null"
	check "SIGTERM exits 0" stop
	kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true
done

echo "-- the host firewall decides"
in_h nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		ct state invalid drop
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 8080 accept
	}
}
NFT
check "daemon starts" start edge-relay=yes clat-v4-addr=192.0.2.1 clat-v6-addr=2001:db8:1::4:1
for port in 8080 8081; do
	ip netns exec "$h" socat TCP4-LISTEN:$port,bind=192.0.2.1,reuseaddr,fork SYSTEM:"echo port-$port" </dev/null >/dev/null 2>&1 &
	pids+=($!)
done
sleep 0.5
check "an allowed port is reached" [ "$(from_s 8080)" = port-8080 ]
delivery=$(jget delivery)
if contains "$delivery" "clat"; then
	check "a port the firewall does not allow is refused" [ -z "$(from_s 8081)" ]
else
	echo "skip a port the firewall does not allow is refused: delivery '$delivery' arrives as iif lo, which the firewall accepts first (delivery through the CLAT interface is helper secure's change)"
fi
check "SIGTERM exits 0" stop
checks_done edge
