#!/bin/bash
# Shared mode against conntrack (issue 15), in the lab of scripts/lab with
# a server on P under the prefix (203.0.113.77 embedded, on P's loopback),
# downloads slowed by a token bucket on P so they last a while:
#   - tuple collision: while a host IPv6 download runs from a fixed source
#     port, an unprivileged user (setpriv --reuid nobody) binds 192.0.0.1 to
#     that port and connects to the same embedded IPv4 address and port.
#     The victim's transfer completes, bytes verified; the attacker gets an
#     error at once; the collision is counted.
#   - conntrack -F in the middle of a CLAT download and of a host-native
#     IPv6 download to the prefix: both complete, bytes verified, and the
#     host sends no reset (counted in P), 10 runs of 10.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init ct
srv=""
E2E_WAIT=translating
on_cleanup '[ -n "$srv" ] && { kill "$srv"; wait "$srv"; } 2>/dev/null'
resets() { ip netns exec "$p" nft list chain ip6 seen in | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }

lab_up "$n"
near4=203.0.113.77 near6=2001:db8:64::cb00:714d
ip -n "$p" -6 addr add $near6/128 dev lo
head -c 3000000 /dev/urandom > "/tmp/$n.data"
sum=$(sha256sum < "/tmp/$n.data")
ip netns exec "$p" socat TCP6-LISTEN:8081,bind=[$near6],reuseaddr,fork OPEN:"/tmp/$n.data",rdonly </dev/null >/dev/null 2>&1 &
srv=$!
# 40 Mbit/s toward H: 3 MB take about 0.6 s alone, longer shared.
ip netns exec "$p" tc qdisc add dev ph0 root tbf rate 40mbit burst 32kb latency 200ms
# Resets from H, as P's server sees them.
ip netns exec "$p" nft -f - <<NFT
table ip6 seen {
	chain in {
		type filter hook input priority filter;
		ip6 saddr $LAB_H6 tcp flags & rst != 0 counter
	}
}
NFT
sleep 0.3
check "daemon starts (shared mode)" start threads=2

echo "-- tuple collision by an unprivileged user"
in_h timeout 30 socat -u TCP6:[$near6]:8081,sourceport=40000 OPEN:"/tmp/$n.victim",creat,trunc &
victim=$!
sleep 0.2
t0=$SECONDS
out=$(in_h setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
	timeout 10 socat -u TCP4:$near4:8081,bind=192.0.0.1:40000 - 2>&1 >/dev/null || true)
check "the attacker is refused at once ($out)" bash -c "[ $((SECONDS - t0)) -le 3 ] && [[ '$out' == *'No route to host'* ]]"
wait $victim || true
check "the victim's IPv6 transfer is intact, bytes verified" [ "$(sha256sum < "/tmp/$n.victim")" = "$sum" ]
refused=$(ip netns exec "$h" build/clat-nfq status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["dropped"]["ipv6_refused_on_output"])' || echo 0)
hits=$(in_h nft list chain ip6 clat-nfq output | grep 'collides' | grep -o 'packets [0-9]*' | grep -o '[0-9]*' || true)
check "  the collision was counted (daemon $refused, rule $hits)" bash -c "[ ${refused:-0} -ge 1 ] && [ ${hits:-0} -ge 1 ]"
check "no reset from the host" [ "$(resets)" = 0 ]

echo "-- conntrack -F during a CLAT and a host-native IPv6 download"
good=0
for run in $(seq 1 10); do
	in_h timeout 30 socat -u TCP4:$near4:8081 OPEN:"/tmp/$n.clat",creat,trunc &
	a=$!
	in_h timeout 30 socat -u TCP6:[$near6]:8081 OPEN:"/tmp/$n.host",creat,trunc &
	b=$!
	sleep 0.4
	in_h conntrack -F >/dev/null 2>&1
	wait $a || true
	wait $b || true
	if [ "$(sha256sum < "/tmp/$n.clat")" = "$sum" ] && [ "$(sha256sum < "/tmp/$n.host")" = "$sum" ]; then
		good=$((good + 1))
	else
		echo "  run $run: clat $(wc -c < "/tmp/$n.clat"), host $(wc -c < "/tmp/$n.host") bytes"
	fi
done
check "both downloads complete, bytes verified, in $good of 10 runs" [ $good = 10 ]
check "  and the host sent no reset ($(resets))" [ "$(resets)" = 0 ]
check "SIGTERM" stop
checks_done conntrack
