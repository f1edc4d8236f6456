#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lab itself works: IPv6 from H reaches the IPv4-only server S through
# TAYGA (the PLAT) for ping, TCP and UDP, and lab_down leaves nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init lab

lab_up "$n"
check "ping6 H -> S through the PLAT" bash -c "ip netns exec $n-h ping -6 -c2 -W2 -q $LAB_S6 >/dev/null"
check "H has no IPv4 route" bash -c "[ -z \"\$(ip -n $n-h -4 route)\" ]"

ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr EXEC:'head -c 1000000 /dev/urandom' </dev/null >/dev/null 2>&1 &
srv=$!
sleep 0.3
got=$(timeout 10 ip netns exec "$n-h" socat -u TCP6:["$LAB_S6"]:8080 - | wc -c)
kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true
check "TCP H -> S, 1 MB" [ "$got" = 1000000 ]

ip netns exec "$n-s" socat UDP4-RECVFROM:5353,reuseaddr EXEC:'tr a-z A-Z' </dev/null >/dev/null 2>&1 &
srv=$!
sleep 0.3
reply=$(echo hello | timeout 5 ip netns exec "$n-h" socat -t 2 - UDP6:["$LAB_S6"]:5353 || true)
kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true
check "UDP request and reply" [ "$reply" = HELLO ]

lab_down "$n"
check "nothing left" bash -c "! ip netns list | grep -q $n && ! ps -eo stat=,args= | grep -v '^Z' | grep -q '[/]run/$n-tayga'"
checks_done lab
