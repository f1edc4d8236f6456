#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's nftables layer on a real kernel, in a throwaway namespace:
# one transaction installs both tables, re-applying replaces rather than
# duplicates (a crashed run's tables included), removal leaves nothing,
# and the queue rule really holds packets: dropped when nobody listens,
# never bypassed. IPv4 has no queue rules: it reaches the workers through
# the CLAT device.
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=build/e2e/nftrules_tool
ns="cnfq-nft-$$-$RANDOM"
. scripts/checks

cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -f "/tmp/$ns.hold"; }
trap cleanup EXIT
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
count_rules() { in_ns nft -a list ruleset 2>/dev/null | grep -c 'comment "clat-nfq' || true; }

in_ns ip link set lo up
in_ns ip addr add 192.0.0.1/32 dev lo
in_ns ip -6 addr add 2001:db8:1::2/128 dev lo nodad
in_ns ip -6 addr add 2001:db8:64::cb00:7101/128 dev lo nodad
echo "queue expression: $(in_ns $tool probe)"

check "apply" in_ns $tool apply
check "both tables present" bash -c "ip netns exec $ns nft list tables 2>/dev/null | grep -q 'ip clat-nfq' && ip netns exec $ns nft list tables 2>/dev/null | grep -q 'ip6 clat-nfq'"
check "rules carry comments and counters" bash -c "[ \"\$(ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -c 'counter packets .* comment \"clat-nfq')\" = 9 ]"
check "IPv4: no queue rule (the CLAT device takes it), conntrack kept on" bash -c "! ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | queue_as_printed | grep -q queue && ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'ct state invalid counter'"
check "IPv6 rules: one per worker, by the source's last bit" bash -c "ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 'ip6 saddr & ::1 == :: counter .* queue num 464 ' && ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 'ip6 saddr & ::1 == ::1 counter .* queue num 465 '"
n1=$(count_rules)
check "re-apply replaces, no duplicates" bash -c "ip netns exec $ns $tool apply && [ \"\$(ip netns exec $ns nft -a list ruleset 2>/dev/null | grep -c 'comment \"clat-nfq')\" = $n1 ]"
check "a new queue number replaces the old rules" bash -c "ip netns exec $ns $tool apply queue=600 && ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 'queue num 601 ' && ! ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 464"

# Nobody listens on the queue: the CLAT's IPv6 packets are held (dropped),
# never bypassed to the host's stack; other packets are not touched.
in_ns $tool apply
check "fail-closed: IPv6 for the CLAT dropped" bash -c "! ip netns exec $ns ping -6 -c1 -W1 -I 2001:db8:64::cb00:7101 2001:db8:1::2 >/dev/null"
check "fail-closed: the queue rule counted it" bash -c "ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 'ip6 saddr & ::1 == ::1 counter packets [1-9].* queue num 465 '"
check "never bypassed" bash -c "! ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q bypass"
check "other IPv6 untouched" bash -c "ip netns exec $ns ping -6 -c1 -W1 2001:db8:1::2 >/dev/null"
check "IPv4 untouched, from the CLAT address too" bash -c "ip netns exec $ns ping -c1 -W1 127.0.0.1 >/dev/null && ip netns exec $ns ping -c1 -W1 -I 192.0.0.1 192.0.0.1 >/dev/null"
# TCP and UDP go by the CLAT's own port (bit 1 with two workers), the IPv6
# destination port of a reply; so flows to one server spread. (Loopback
# traffic passes prerouting, where the IPv6 rules are.)
udp6() { echo x | in_ns socat -u - "UDP6-SENDTO:[2001:db8:1::2]:$1,bind=[2001:db8:64::cb00:7101]:9" 2>/dev/null || true; }
rule_count() { in_ns nft list table "$1" clat-nfq 2>/dev/null | queue_as_printed | sed -n "s/.*$2 counter packets \([0-9]*\) .*queue num $3 .*/\1/p"; }
a0=$(rule_count ip6 'ip6 saddr & ::1 == ::1' 465)	# the ping above
udp6 40002
check "IPv6 to port 40002 to worker 1, by the destination port" [ "$(rule_count ip6 'udp dport & 2 == 2' 465)" = 1 ]
udp6 40000; udp6 40004
check "the same server to ports 40000 and 40004: worker 0" [ "$(rule_count ip6 'udp dport & 2 == 0' 464)" = 2 ]
check "no UDP by address" [ "$(rule_count ip6 'ip6 saddr & ::1 == ::1' 465)" = "$a0" ]

# Table ownership (NFT_TABLE_F_OWNER, and _PERSIST on 6.9+): owned tables
# are skipped by a flush and cannot be deleted by others while the owner
# lives; persistent ones stay, ownerless, when it is gone, and the next
# apply replaces them.
in_ns $tool remove
in_ns $tool apply persist fwd hold=2 > "/tmp/$ns.hold" &
holder=$!
for _ in $(seq 1 30); do [ -s "/tmp/$ns.hold" ] && break; sleep 0.1; done
flags=$(sed -n 's/.*flags //p' "/tmp/$ns.hold")
echo "ownership flags the kernel took: $flags (0x2 owner, 0x4 persistent)"
in_ns nft flush ruleset
check "owned: nft flush ruleset leaves all three tables (the shortcut's netdev one too)" bash -c "[ \"\$(ip netns exec $ns nft list tables | grep -c clat-nfq)\" = 3 ]"
check "owned: nft delete table netdev is refused" bash -c "! ip netns exec $ns nft delete table netdev clat-nfq 2>/dev/null"
check "owned: nft delete table is refused" bash -c "! ip netns exec $ns nft delete table ip6 clat-nfq 2>/dev/null"
wait "$holder"
if [ "$flags" = 0x6 ]; then
	check "persistent: the tables outlive their owner, ownerless" bash -c "ip netns exec $ns $tool look | grep -q 'ip6 present flags 0x4 owner 0'"
	check "and the next apply replaces them" bash -c "ip netns exec $ns $tool apply persist && [ \"\$(ip netns exec $ns nft -a list ruleset | grep -c 'comment \"clat-nfq')\" = $n1 ]"
else
	check "owned, not persistent: the tables go with their owner" bash -c "[ -z \"\$(ip netns exec $ns nft list tables)\" ]"
fi
in_ns $tool remove
# A reconfiguration (tables there, replaced by others) in one transaction:
# the acknowledgements are read as soon as the kernel has them.
in_ns $tool apply
in_ns $tool apply queue=700 hold=1 > "/tmp/$ns.hold"
us=$(sed -n 's/applied in \([0-9]*\) us.*/\1/p' "/tmp/$ns.hold")
rm -f "/tmp/$ns.hold"
echo "a reconfiguration applied in $us us"
check "a reconfiguration applies in under 20 ms ($us us)" [ "${us:-99999}" -lt 20000 ]

# Verdicts (src/rxbatch.c): one the kernel refuses is recognised in what
# comes back, one that cannot be sent is reported; workers count both.
v=$(in_ns build/e2e/verdict_tool)
check "a refused verdict is seen ($(echo "$v" | sed -n 's/^refused: //p'))" bash -c "echo '$v' | grep -q '^refused: No such device'"
check "an unsendable verdict is reported ($(echo "$v" | sed -n 's/^unsendable: //p'))" bash -c "echo '$v' | grep -q '^unsendable: Bad file descriptor'"

check "the shortcut: a netdev table on the uplink, UDP and ICMPv6 forwarded to the device" bash -c "ip netns exec $ns $tool apply fwd && [ \"\$(ip netns exec $ns nft list table netdev clat-nfq | grep -c 'counter packets .* fwd ip6 to 2001:db8:1::2 device \\\"lo\\\"')\" = 2 ]"
check "...and no set outside shared mode" bash -c "! ip netns exec $ns nft list table netdev clat-nfq | grep -q 'set flows6'"
check "the shortcut in shared mode: the set, its egress rule, UDP only" bash -c "ip netns exec $ns $tool apply shared fwd && ip netns exec $ns nft list table netdev clat-nfq | grep -q 'flags dynamic,timeout' && ip netns exec $ns nft list table netdev clat-nfq | grep -q 'hook egress device \\\"lo\\\".*' && ip netns exec $ns nft list table netdev clat-nfq | grep -q 'update @flows6 { ip6 daddr . udp dport . udp sport }' && [ \"\$(ip netns exec $ns nft list table netdev clat-nfq | grep -c 'fwd ip6')\" = 1 ] && ip netns exec $ns nft list table netdev clat-nfq | grep -q 'ip6 nexthdr udp ip6 hoplimit > 1 ip6 saddr . udp sport . udp dport @flows6 counter packets .* fwd ip6'"
# A shortcut the kernel refuses: on kernels that take no hook on a device
# that does not exist (Debian 12's 6.1 among them; 6.16 and later keep such
# a hook waiting), an uplink gone between the daemon's look and its apply.
in_ns $tool remove
if in_ns nft add table netdev probe \; add chain netdev probe c '{ type filter hook ingress device "nosuchdev0" priority 0; }' 2>/dev/null; then
	in_ns nft delete table netdev probe
	echo "     this kernel keeps hooks on absent devices: the refused shortcut is not reached here"
else
	r=$(in_ns $tool apply shared fwd=nosuchdev0 2>&1 || echo "failed")
	check "a shortcut the kernel refuses (an uplink gone): said ($r)" bash -c "echo '$r' | grep -q '^shortcut refused: '"
	check "...and the rules go in without it" bash -c "ip netns exec $ns nft list table ip6 clat-nfq >/dev/null && ! ip netns exec $ns nft list table netdev clat-nfq >/dev/null 2>&1"
fi
check "shared mode adds the ct mark rules" bash -c "ip netns exec $ns $tool apply shared && ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | queue_as_printed | grep -q 'ct mark'"
check "remove" in_ns $tool remove
check "nothing left" bash -c "[ -z \"\$(ip netns exec $ns nft list tables)\" ]"
check "remove again is fine" in_ns $tool remove

checks_done nftrules
