#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 17 end to end in the lab (scripts/lab: H runs the daemon, TAYGA in P
# is the PLAT, S is IPv4-only):
# - RFC 7757: an IPv4 network mapped explicitly (eam= and eam-file=) onto
#   an IPv6 prefix in P is reached over that prefix (TCP and ping), and
#   status lists the mappings; a bad eam-file line names file and line;
# - RFC 4884: an ICMPv6 Time Exceeded with an RFC 5837 extension, sent with
#   scapy by the router P about the CLAT's UDP probe, reaches a receiver in
#   H as ICMPv4 with the extension intact and a correct length attribute;
#   and an ICMPv4 Time Exceeded with the extension, sent from the CLAT
#   address in H about the reply of one of its UDP flows, reaches a
#   receiver in P as ICMPv6 the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init rfc
pids=()
on_cleanup 'for x in "${pids[@]}"; do kill "$x"; wait "$x"; done 2>/dev/null'
ready() {	# ready FILE...: until each helper has printed "ready" (20 s)
	for _ in $(seq 1 200); do
		local all=1
		for f in "$@"; do grep -q '^ready' "$f" 2>/dev/null || all=0; done
		[ $all = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

lab_up "$n"

echo "-- RFC 7757: 192.0.2.0/24 is 2001:db8:aaaa::/120, 198.51.100.128/25 is 2001:db8:bbbb::/121"
ip -n "$p" -6 addr add 2001:db8:aaaa::5/128 dev lo
ip -n "$p" -6 addr add 2001:db8:bbbb::48/128 dev lo
ip netns exec "$p" socat TCP6-LISTEN:8090,bind=[2001:db8:aaaa::5],reuseaddr,fork SYSTEM:'echo eam-a' </dev/null >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$p" socat TCP6-LISTEN:8090,bind=[2001:db8:bbbb::48],reuseaddr,fork SYSTEM:'echo eam-b' </dev/null >/dev/null 2>&1 &
pids+=($!)
printf '# mappings for the test\n\n 198.51.100.128/25, 2001:db8:bbbb::/121\n' > "/tmp/$n.eam"
check "daemon starts with eam= and eam-file=" start threads=2 eam=192.0.2.0/24,2001:db8:aaaa::/120 eam-file="/tmp/$n.eam"
sleep 0.3
got=$(timeout 10 ip netns exec "$h" socat -u TCP4:192.0.2.5:8090 - 2>/dev/null || true)
check "TCP to 192.0.2.5 reaches 2001:db8:aaaa::5" [ "$got" = eam-a ]
got=$(timeout 10 ip netns exec "$h" socat -u TCP4:198.51.100.200:8090 - 2>/dev/null || true)
check "TCP to 198.51.100.200 reaches 2001:db8:bbbb::48 (from the file)" [ "$got" = eam-b ]
check "ping 192.0.2.5 over the mapping" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q 192.0.2.5 >/dev/null"
check "the RFC 6052 path still works (ping 203.0.113.1)" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null"
eam_rules() { sed -n 's/counter packets [0-9]* bytes [0-9]*/counter/; s/queue to /queue num /; /explicitly mapped/p' | sed 's/^[[:space:]]*//'; }
installed=$(in_h nft list table ip6 clat-nfq 2>/dev/null | eam_rules)
printed=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX threads=2 eam=192.0.2.0/24,2001:db8:aaaa::/120 eam-file="/tmp/$n.eam" 2>/dev/null | eam_rules)
check "the mappings' rules are in (11: TCP and UDP by port for each, the rest by address for the /120, on one queue for the /121 and its 7-bit suffix)" [ "$(echo "$installed" | grep -c .)" = 11 ]
check "clat-nfq -p prints them as nft shows them" [ "$installed" = "$printed" ]
st=$(in_h build/clat-nfq status)
check "status lists both mappings" bash -c "contains() { [[ \$1 == *\"\$2\"* ]]; }; contains '$st' 'eam: 192.0.2.0/24,2001:db8:aaaa::/120' && contains '$st' 'eam: 198.51.100.128/25,2001:db8:bbbb::/121'"
check "status --json has them" bash -c "[ \"\$(ip netns exec $h build/clat-nfq status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"eam\"])')\" = \"['192.0.2.0/24,2001:db8:aaaa::/120', '198.51.100.128/25,2001:db8:bbbb::/121']\" ]"

echo "-- RFC 4884: ICMPv6 Time Exceeded with an RFC 5837 object -> ICMPv4 in H"
ip netns exec "$p" /usr/bin/python3 tests/e2e/icmpext.py router6 ph0 $LAB_P6 > "/tmp/$n.r6" 2>&1 &
r6=$!; pids+=($r6)
in_h /usr/bin/python3 tests/e2e/icmpext.py recv4 15 > "/tmp/$n.rx4" 2>&1 &
rx4=$!; pids+=($rx4)
ready "/tmp/$n.r6" "/tmp/$n.rx4" || true
echo probe | in_h socat -u - UDP4:$LAB_S4:33434,sourceport=40001 || true
rc6=0; wait $r6 || rc6=$?
rcx=0; wait $rx4 || rcx=$?
cat "/tmp/$n.r6" "/tmp/$n.rx4"
check "the router saw the probe and answered" [ $rc6 = 0 ]
check "ICMPv4 Time Exceeded with the extension intact and a correct length" [ $rcx = 0 ]

echo "-- RFC 4884: ICMPv4 Time Exceeded from the CLAT address -> ICMPv6 in P"
ip -n "$p" -6 addr add 2001:db8:64::cb00:7163/128 dev lo	# 203.0.113.99
ip netns exec "$p" /usr/bin/python3 tests/e2e/icmpext.py recv6 15 > "/tmp/$n.rx6" 2>&1 &
rx6=$!; pids+=($rx6)
ready "/tmp/$n.rx6" || true
# The error is about the reply of a flow the CLAT carries (H's UDP from
# port 40000 to 203.0.113.99:33434): related to it, as a real one would be;
# shared mode passes the daemon's packets only in flows it carries.
echo probe | in_h socat -u - UDP4:203.0.113.99:33434,sourceport=40000 || true
in_h /usr/bin/python3 tests/e2e/icmpext.py router4 203.0.113.99 || true
rcx=0; wait $rx6 || rcx=$?
cat "/tmp/$n.rx6"
check "ICMPv6 Time Exceeded with the extension intact and a correct length" [ $rcx = 0 ]
check "SIGTERM exits 0" stop

echo "-- a bad eam-file line names the file and the line"
printf '192.0.2.0/24,2001:db8:aaaa::/119\n' > "/tmp/$n.bad"
set +e
out=$(ip netns exec "$h" build/clat-nfq plat-prefix=$LAB_PREFIX eam-file="/tmp/$n.bad" 2>&1); rc=$?
set -e
check "exit status 2" [ $rc = 2 ]
check "message names eam-file, line 1 and the value" bash -c "[[ '$out' == *'eam-file=/tmp/$n.bad:1: eam=192.0.2.0/24,2001:db8:aaaa::/119: '* ]]"

checks_done rfc
