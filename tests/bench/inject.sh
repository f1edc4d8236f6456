#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How fast each way of handing the host an IPv4 packet "as received" goes
# (issue 15): a packet socket into lo (the old delivery), the CLAT tun with
# a vnet header (the delivery now), a packet socket on a veth peer. 64-byte
# UDP to a drop rule in input; five rounds, the modes taking turns.
#   gcc -O2 -o build/bench/inject tests/bench/inject.c && tests/bench/inject.sh
cd "$(dirname "$0")/../.."
ns=cnfq-inject-$$
ip netns add $ns; trap "ip netns del $ns" EXIT
e() { ip netns exec $ns "$@"; }
e ip link set lo up
e ip link add vclat type veth peer name vpeer
e ip link set vclat up; e ip link set vpeer up
e ip addr add 192.0.0.9/29 dev vclat
e sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vclat.rp_filter=0 net.ipv4.conf.lo.rp_filter=0
e ip route add default dev vclat
e nft add table ip mb \; add chain ip mb in '{ type filter hook input priority -500; }' \; add rule ip mb in udp dport 9 counter drop
for r in 1 2 3 4 5; do for m in lo tun veth; do e build/bench/inject $m 400000; done; done
e nft list chain ip mb in | grep counter
