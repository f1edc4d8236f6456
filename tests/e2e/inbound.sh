#!/bin/bash
# Nobody gets in through the CLAT that the host firewall would not let in
# from the network (issue 15). H runs a Debian-style firewall (policy drop,
# `iif lo accept` first, then established/related), with an IPv4 TCP and a
# UDP listener on 0.0.0.0. From P, a sender with a source under the PLAT
# prefix (what anyone on the IPv6 internet can be, through the PLAT) sends
# an unsolicited SYN and a UDP datagram to the CLAT IPv6 address. In
# explicit, derived and shared modes, with rp_filter 0 and 1: no answer.
# With `iif clat tcp dport 2222 accept` the SYN gets in (so the probe is
# real); CLAT-initiated flows work through the same firewall; nft monitor
# trace shows the delivered packets with iif "clat". Standing aside for
# native IPv4 under strict rp_filter, the CLAT address still works.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init in
pids=""
E2E_ARGS="plat-prefix=$LAB_PREFIX threads=1"
E2E_WAIT=translating
on_cleanup 'for x in $pids; do kill "$x"; wait "$x"; done 2>/dev/null'

lab_up "$n"
# The attacker: an address under the prefix (203.0.113.66 embedded) on P.
atk4=203.0.113.66 atk6=2001:db8:64::cb00:7142
ip -n "$p" -6 addr add $atk6/128 dev lo
in_h nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		ip6 nexthdr icmpv6 icmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept
		counter drop
	}
}
table ip trace {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr 203.0.113.66 tcp dport 2222 meta nftrace set 1
	}
}
NFT
# not through in_h: $! must be socat itself, or cleanup leaves it running
ip netns exec "$h" socat TCP4-LISTEN:2222,reuseaddr,fork SYSTEM:'echo hello' </dev/null >/dev/null 2>&1 &
pids="$pids $!"
ip netns exec "$h" socat UDP4-RECVFROM:2223,reuseaddr,fork SYSTEM:'echo hello' </dev/null >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.3

probe_tcp() {	# probe_tcp CLAT6: what an unsolicited connection gets back
	timeout 3 ip netns exec "$p" socat -T2 - TCP6:["$1"]:2222,bind=[$atk6],connect-timeout=2 </dev/null 2>/dev/null || true
}
probe_udp() {
	echo x | timeout 3 ip netns exec "$p" socat -T2 - UDP6:["$1"]:2223,bind=[$atk6] 2>/dev/null || true
}

for mode in explicit derived shared; do
	case $mode in
	explicit) args="clat-v6-addr=2001:db8:1::c1a7" ;;
	derived) args="clat-v6-addr=derived"
		in_h sysctl -qw net.ipv6.conf.all.accept_dad=1 net.ipv6.conf.hp0.accept_dad=1 ;;
	shared) args="" ;;
	esac
	for rpf in 0 1; do
		echo "-- $mode mode, rp_filter=$rpf"
		in_h sysctl -qw net.ipv4.conf.all.rp_filter=$rpf net.ipv4.conf.default.rp_filter=$rpf
		# shellcheck disable=SC2086
		check "daemon starts ($mode)" start $args
		clat6=$(jget clat_v6_addr)
		check "ping from the CLAT through the firewall" bash -c "ip netns exec $h ping -c2 -i0.2 -W2 -q $LAB_S4 >/dev/null"
		ip netns exec "$n-s" socat TCP4-LISTEN:8080,reuseaddr,fork SYSTEM:'echo served' </dev/null >/dev/null 2>&1 &
		srv=$!
		got=""
		for _ in 1 2 3 4 5; do	# the server may take a moment to listen
			sleep 0.2
			got=$(timeout 10 ip netns exec "$h" socat -u TCP4:$LAB_S4:8080 - 2>/dev/null </dev/null || true)
			[ "$got" = served ] && break
		done
		kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true
		check "a CLAT-initiated TCP flow works through the firewall" [ "$got" = served ]
		check "unsolicited SYN from the prefix to $clat6: no answer" [ -z "$(probe_tcp "$clat6")" ]
		check "unsolicited UDP from the prefix: no answer" [ -z "$(probe_udp "$clat6")" ]
		if [ $rpf = 0 ] && [ $mode != shared ]; then
			in_h nft insert rule inet filter input iif clat tcp dport 2222 accept
			in_h timeout 6 nft monitor trace > "/tmp/$n.trace" 2>/dev/null &
			tr=$!
			sleep 0.5
			got=""
			for _ in 1 2 3; do
				got=$(probe_tcp "$clat6"); [ "$got" = hello ] && break
			done
			check "with 'iif clat tcp dport 2222 accept' the SYN gets in" [ "$got" = hello ]
			sleep 0.3
			kill $tr 2>/dev/null || true; wait $tr 2>/dev/null || true
			check "  nft monitor trace shows it arriving with iif clat" grep -q 'iif "clat"' "/tmp/$n.trace"
			check "  and never with iif lo" bash -c "! grep 'tcp dport 2222' /tmp/$n.trace | grep -q 'iif \"lo\"'"
			in_h nft flush chain inet filter input
			in_h nft -f - <<'NFT'
table inet filter {
	chain input {
		iif lo accept
		ct state established,related accept
		ip6 nexthdr icmpv6 icmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept
		counter drop
	}
}
NFT
		fi
		check "SIGTERM ($mode)" stop
	done
done
echo "-- standing aside (native IPv4), strict rp_filter: the CLAT address does not leak"
# The CLAT's own default route is out, so IPv4 from the CLAT address would
# take the native route: it must not leave on hp0 (RFC 7335), and the
# sender hears so at once. What the daemon writes into clat meanwhile
# (an answer to a flow begun before) routes back through the native route,
# and only the device's loose setting (the daemon's) keeps strict
# filtering for "all" from dropping it.
in_h sysctl -qw net.ipv4.conf.all.rp_filter=1
in_h ip -4 addr add 10.99.0.2/24 dev hp0
in_h ip -4 route add default via 10.99.0.1 dev hp0 metric 100
E2E_STATE="standing aside"
check "daemon starts" start
check "  it stands aside" wait_for 3 state "standing aside"
# What would leave: counted last in postrouting, out of the daemon's reach.
in_h nft add table ip leak \; add chain ip leak post \
	'{ type filter hook postrouting priority 500; }' \; \
	add rule ip leak post ip saddr 192.0.0.1 oifname hp0 counter
in_h /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.0.0.1', 0))
try:
    s.sendto(b'x', ('$LAB_S4', 9))
    print('sent')
except OSError as e:
    print(e.strerror)" > "/tmp/$n.send" 2>&1 || true
in_h ping -c2 -i0.2 -W1 -q -I 192.0.0.1 $LAB_S4 >/dev/null 2>&1 || true
check "  UDP from 192.0.0.1 refused at once ($(cat "/tmp/$n.send"))" \
	grep -q 'Operation not permitted' "/tmp/$n.send"
check "  nothing from 192.0.0.1 reached hp0's postrouting" \
	bash -c "ip netns exec $h nft list table ip leak | grep -q 'counter packets 0 '"
in_h nft delete table ip leak
check "  the rule counted it" bash -c "ip netns exec $h nft list table ip clat-nfq | grep -q 'oifname != \"lo\" counter packets [1-9]'"
check "SIGTERM" stop
in_h sysctl -qw net.ipv4.conf.all.rp_filter=0
checks_done inbound
