#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's nftables layer on a real kernel, in a throwaway namespace:
# one transaction installs both tables, re-applying replaces rather than
# duplicates (a crashed run's tables included), removal leaves nothing,
# and the queue rule really holds packets: dropped when nobody listens,
# passed with fail-open (queue bypass).
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=build/e2e/nftrules_tool
ns="cnfq-nft-$$-$RANDOM"
. scripts/checks

cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
count_rules() { in_ns nft -a list ruleset 2>/dev/null | grep -c 'comment "clat-nfq' || true; }

in_ns ip link set lo up
in_ns ip addr add 192.0.0.1/32 dev lo
echo "queue expression: $(in_ns $tool probe)"

check "apply" in_ns $tool apply
check "both tables present" bash -c "ip netns exec $ns nft list tables 2>/dev/null | grep -q 'ip clat-nfq' && ip netns exec $ns nft list tables 2>/dev/null | grep -q 'ip6 clat-nfq'"
check "rules carry comments and counters" bash -c "[ \"\$(ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -c 'counter packets .* comment \"clat-nfq')\" = 3 ]"
check "IPv4 rules: one per worker, by the destination's last bit" bash -c "ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'ip daddr & 0.0.0.1 == 0.0.0.0 counter .* queue num 464 ' && ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'ip daddr & 0.0.0.1 == 0.0.0.1 counter .* queue num 465 '"
check "IPv6 rules: the same worker, by the source's last bit" bash -c "ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | grep -q 'ip6 saddr & ::1 == ::1 counter .* queue num 465 '"
n1=$(count_rules)
check "re-apply replaces, no duplicates" bash -c "ip netns exec $ns $tool apply && [ \"\$(ip netns exec $ns nft -a list ruleset 2>/dev/null | grep -c 'comment \"clat-nfq')\" = $n1 ]"
check "a new queue number replaces the old rules" bash -c "ip netns exec $ns $tool apply queue=600 && ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'queue num 601 ' && ! ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 464"

# Nobody listens on the queue: without bypass the CLAT's packets are held
# (dropped); other sources are not touched.
in_ns $tool apply
check "fail-closed: CLAT packet dropped" bash -c "! ip netns exec $ns ping -c1 -W1 -I 192.0.0.1 192.0.0.1 >/dev/null"
check "fail-closed: the queue rule counted it" bash -c "ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'ip saddr 192.0.0.1 .*counter packets [1-9]'"
check "other IPv4 untouched" bash -c "ip netns exec $ns ping -c1 -W1 127.0.0.1 >/dev/null"
in_ns $tool apply fail-open
check "fail-open: CLAT packet passes" bash -c "ip netns exec $ns ping -c1 -W1 -I 192.0.0.1 192.0.0.1 >/dev/null"
check "fail-open: the IPv4 rules bypass, the IPv6 rules never" bash -c "ip netns exec $ns nft list table ip clat-nfq 2>/dev/null | grep -q 'queue num 465 bypass' && ! ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | grep -q bypass"

check "shared mode adds the ct mark rules" bash -c "ip netns exec $ns $tool apply shared && ip netns exec $ns nft list table ip6 clat-nfq 2>/dev/null | grep -q 'ct mark'"
check "remove" in_ns $tool remove
check "nothing left" bash -c "[ -z \"\$(ip netns exec $ns nft list tables)\" ]"
check "remove again is fine" in_ns $tool remove

checks_done nftrules
