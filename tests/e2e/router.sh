#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Router mode (issue 6, beyond clatd): IPv4 from a LAN behind the IPv6-only
# host H is masqueraded to the CLAT address and translated too. The LAN is
# namespace L on a veth to H (10.77.0.0/24, H forwards IPv4: the test sets
# that sysctl in H, as an operator would; clat-nfq leaves sysctls alone).
# Checks ping, a verified TCP download and UDP from L, H's own IPv4 still
# translated, the rules as -p prints them, and nothing left afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init ro
l="$n-l"
srv="" usrv=""
E2E_WAIT=none
on_cleanup 'for x in $srv $usrv; do kill "$x"; wait "$x"; done 2>/dev/null'
on_cleanup 'ip netns del "$l" 2>/dev/null'
in_l() { ip netns exec "$l" "$@"; }

lab_up "$n"
ip netns add "$l"
ip -n "$l" link set lo up
ip link add lh0 netns "$l" type veth peer name hl0 netns "$h"
ip -n "$l" link set lh0 up
ip -n "$h" link set hl0 up
ip -n "$l" addr add 10.77.0.2/24 dev lh0
ip -n "$h" addr add 10.77.0.1/24 dev hl0
ip -n "$l" route add default via 10.77.0.1
in_h sysctl -qw net.ipv4.ip_forward=1
head -c 5000000 /dev/urandom > "/tmp/$n.data"
sum=$(sha256sum < "/tmp/$n.data")
ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr,fork OPEN:"/tmp/$n.data",rdonly </dev/null >/dev/null 2>&1 &
srv=$!
ip netns exec "$n-s" socat UDP4-RECVFROM:5353,reuseaddr,fork SYSTEM:'tr a-z A-Z' </dev/null >/dev/null 2>&1 &
usrv=$!

ip netns exec "$h" build/clat-nfq -c /dev/null plat-prefix=$LAB_PREFIX router-mode=yes 2>>"/tmp/$n.log" &
daemon=$!
rules_in || true
check "ping from the LAN" bash -c "ip netns exec $l ping -c3 -i0.2 -W2 -q $LAB_S4 >/dev/null"
got=$(timeout 30 ip netns exec "$l" socat -u TCP4:$LAB_S4:8080 - | sha256sum)
check "5 MB TCP download to the LAN, bytes verified" [ "$got" = "$sum" ]
reply=$(echo hello | timeout 5 ip netns exec "$l" socat -t 2 - UDP4:$LAB_S4:5353 || true)
check "UDP from the LAN" [ "$reply" = HELLO ]
check "the host's own IPv4 still translated" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null"
live=$( (in_h nft list table ip clat-nfq; in_h nft list table ip6 clat-nfq; in_h nft list table netdev clat-nfq) 2>/dev/null)
masq=$(echo "$live" | awk '/masquerade comment/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }')
check "the masquerade rule counted the LAN's flows (${masq:-0} packets)" [ "${masq:-0}" -gt 0 ]
printed=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX router-mode=yes)
check "the live rules are the ones -p prints" [ "$(echo "$live" | sed 's/ packets [0-9]* bytes [0-9]*//' | queue_as_printed | grep comment | sort)" = "$(echo "$printed" | grep comment | sort)" ]
kill -TERM "$daemon"; wait "$daemon"; rc=$?; daemon=""
check "SIGTERM exits 0" [ $rc -eq 0 ]
check "nothing left" [ -z "$(in_h nft list tables 2>/dev/null)$(in_h ip -4 route show default)" ]
checks_done router
