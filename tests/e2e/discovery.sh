#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# PLAT prefix discovery with no configuration at all (issue 6), in the lab
# of scripts/lab plus a second TAYGA in P for a second prefix:
#   - router advertisements with PREF64 (RFC 8781, sent by ra_send.py in P:
#     radvd 2.19 cannot) make the daemon find the prefix and translate;
#   - changing the announced prefix switches over, without a restart and
#     without losing the host's own IPv6 traffic meanwhile;
#   - letting the lifetime run out stops translation (rules and route go);
#   - with the RAs silent, a DNS64 server (unbound's dns64 module) in P is
#     found through ipv4only.arpa (RFC 7050) via H's resolv.conf;
#   - with neither at start and the DNS64 server started 10 s later, the
#     daemon starts translating without a restart, having said once that
#     it waits.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init di
PFX_A=$LAB_PREFIX PFX_B=2001:db8:46::/96
ra="" ub="" t2=""
E2E_ARGS="-c /dev/null"	# no configuration at all
E2E_WAIT=none
on_cleanup 'for x in $ra $ub $t2; do kill "$x"; wait "$x"; done 2>/dev/null'
on_cleanup 'rm -rf "/etc/netns/$h" "/run/$n-tayga2"; rmdir /etc/netns 2>/dev/null'
ra_start() {	# ra_start PREFIX LIFETIME [args]: RAs every 0.5 s from P
	[ -n "$ra" ] && { kill "$ra"; wait "$ra" 2>/dev/null || true; }
	ip netns exec "$p" tests/e2e/ra_send.py ph0 "$@" --every 0.5 &
	ra=$!
}
ra_stop() { [ -n "$ra" ] && { kill "$ra"; wait "$ra" 2>/dev/null || true; }; ra=""; }
unbound_start() {
	ip netns exec "$p" unbound -d -c "/tmp/$n.unbound.conf" >"/tmp/$n.unbound.log" 2>&1 &
	ub=$!
}
unbound_stop() { [ -n "$ub" ] && { kill "$ub"; wait "$ub" 2>/dev/null || true; }; ub=""; }
ping4() { in_h ping -c1 -W1 -q $LAB_S4 >/dev/null 2>&1; }
ping4_soon() { for _ in 1 2 3 4 5; do ping4 && return 0; sleep 0.2; done; return 1; }

lab_up "$n"
# A second PLAT in P for prefix B, its own pool and tun device.
d2="/run/$n-tayga2"
mkdir -p "$d2"
cat > "$d2/tayga.conf" <<CONF
tun-device plat2
ipv4-addr 198.51.101.254
prefix $PFX_B
dynamic-pool 198.51.101.0/24
data-dir $d2
CONF
ip netns exec "$p" tayga -c "$d2/tayga.conf" --mktun >/dev/null
ip -n "$p" link set plat2 up
ip -n "$p" route add 198.51.101.0/24 dev plat2
ip -n "$p" -6 route add $PFX_B dev plat2
ip netns exec "$p" tayga -c "$d2/tayga.conf" --nodetach </dev/null >/dev/null 2>&1 &
t2=$!
# The DNS64 server: synthesises ipv4only.arpa's A records under prefix A.
cat > "/tmp/$n.zone" <<'ZONE'
$ORIGIN ipv4only.arpa.
$TTL 300
@ IN SOA localhost. nobody.invalid. 1 3600 600 86400 300
@ IN NS localhost.
@ IN A 192.0.0.170
@ IN A 192.0.0.171
ZONE
cat > "/tmp/$n.unbound.conf" <<CONF
server:
	interface: $LAB_P6
	access-control: ::/0 allow
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "/tmp"
	pidfile: ""
	use-syslog: no
	module-config: "dns64 iterator"
	dns64-prefix: $PFX_A
auth-zone:
	name: "ipv4only.arpa"
	zonefile: "/tmp/$n.zone"
	for-upstream: yes
	for-downstream: no
CONF

# H's resolver (ip netns exec mounts this on /etc/resolv.conf); nothing
# answers there until unbound starts.
mkdir -p "/etc/netns/$h"
echo "nameserver $LAB_P6" > "/etc/netns/$h/resolv.conf"

echo "-- PREF64 in router advertisements"
ra_start $PFX_A 600
start
check "no configuration: the prefix comes from the RA" wait_for 10 plat_prefix_source "router advertisement"
check "prefix A in force" [ "$(jget plat_prefix)" = $PFX_A ]
check "ping through prefix A" ping4_soon

echo "-- the announced prefix changes"
in_h ping -6 -i 0.05 -c 100 -q $LAB_P6 >"/tmp/$n.ping6" 2>&1 &
own=$!
rx0=$(ip -n "$p" -s link show plat2 | awk '/RX:/ { getline; print $2 }')
ra_start $PFX_B 600
check "switched to prefix B without a restart" wait_for 10 plat_prefix $PFX_B
check "ping through prefix B" ping4_soon
rx1=$(ip -n "$p" -s link show plat2 | awk '/RX:/ { getline; print $2 }')
check "the second PLAT carried it ($rx0 -> $rx1 packets)" [ "$rx1" -gt "$rx0" ]
wait $own || true
check "the host's own IPv6 lost nothing meanwhile ($(grep -o '[0-9]* received' "/tmp/$n.ping6"))" grep -q ' 0% packet loss' "/tmp/$n.ping6"
check "same daemon" kill -0 "$daemon"

echo "-- the lifetime runs out"
ra_stop
ip netns exec "$p" tests/e2e/ra_send.py ph0 $PFX_B 8 --count 1
check "after 8 s without RAs, translation stops" wait_for 12 state "waiting for a PLAT prefix"
check "its rules are gone" bash -c "! ip netns exec $h nft list table ip6 clat-nfq >/dev/null 2>&1"
check "its IPv4 default route is gone" [ -z "$(in_h ip -4 route show default)" ]
check "IPv4 is unreachable, not silently dropped" bash -c "ip netns exec $h ping -c1 -W1 $LAB_S4 2>&1 | grep -q unreachable"

echo "-- DNS64 (RFC 7050) while the RAs are silent"
unbound_start
check "found through ipv4only.arpa" wait_for 20 plat_prefix_source "DNS64"
check "prefix A from DNS64" [ "$(jget plat_prefix)" = $PFX_A ]
check "ping through the DNS64 prefix" ping4_soon
check "SIGTERM exits 0" stop

echo "-- nothing at start, the DNS64 server 10 s later"
unbound_stop
: > "/tmp/$n.log"
start
sleep 10
check "waiting, still running" bash -c "kill -0 $daemon && ! ip netns exec $h ping -c1 -W1 -q $LAB_S4 >/dev/null 2>&1"
check "said once that it waits" [ "$(grep -c 'waiting for a PLAT prefix' "/tmp/$n.log")" = 1 ]
unbound_start
check "DNS64 found without a restart" wait_for 40 state "translating"
check "ping through it" ping4_soon
check "SIGTERM exits 0" stop
check "nothing left" [ -z "$(in_h nft list tables 2>/dev/null)$(in_h ip -4 route)" ]
checks_done discovery
