#!/bin/bash
# PREF64 only from the uplink (issue 15). In the lab of scripts/lab, with
# no prefix configured:
#   - a PREF64 RA on a second interface of H (a veth to another namespace,
#     as a container or a LAN port would be) changes nothing and is counted;
#   - with accept_ra=0 on the uplink, the uplink's own RAs are ignored too
#     (and with forwarding=1 they need accept_ra=2, as the kernel's);
#   - two routers on the uplink announcing different prefixes: the first
#     heard is kept while it lasts (no flapping), the other takes over when
#     it expires.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init rt
xn="$n-x"
PFX_A=$LAB_PREFIX PFX_B=2001:db8:46::/96
ra1="" ra2="" rax=""
E2E_ARGS="-c /dev/null dns64-servers=2001:db8:1::53"
E2E_WAIT=none
on_cleanup 'for r in $ra1 $ra2 $rax; do kill "$r"; wait "$r"; done 2>/dev/null'
on_cleanup 'ip netns del "$xn" 2>/dev/null'
counter() { ip netns exec "$h" build/clat-nfq status --json 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1" 2>/dev/null || echo -1; }
kill_ra() { for r in "$@"; do [ -n "$r" ] && { kill "$r" 2>/dev/null || true; wait "$r" 2>/dev/null || true; }; done; }

lab_up "$n"
# A second interface of H: hx0, to namespace X, where anyone may send RAs.
ip netns add "$xn"
ip -n "$xn" link set lo up
ip link add hx0 netns "$h" type veth peer name xh0 netns "$xn"
ip -n "$h" link set hx0 up
ip -n "$xn" link set xh0 up
for _ in $(seq 1 40); do
	[ -z "$(ip -n "$xn" -6 addr show tentative)$(ip -n "$h" -6 addr show tentative)" ] && break
	sleep 0.1
done

echo "-- a rogue PREF64 on a second interface"
start
check "daemon starts, no prefix yet" wait_for 3 state "waiting for a PLAT prefix"
ip netns exec "$xn" tests/e2e/ra_send.py xh0 $PFX_B 600 --every 0.3 &
rax=$!
sleep 2
check "  the rogue prefix is not taken" contains "$(jget state)" "waiting for a PLAT prefix"
check "  and counted as ignored ($(counter pref64_ras_ignored))" [ "$(counter pref64_ras_ignored)" -gt 2 ]
ip netns exec "$p" tests/e2e/ra_send.py ph0 $PFX_A 600 --every 0.5 &
ra1=$!
check "the uplink's PREF64 is taken" wait_for 3 plat_prefix "$PFX_A"
check "  from the uplink" contains "$(jget plat_prefix_source)" "on hp0"
sleep 1.5
check "  the rogue one still changes nothing" [ "$(jget plat_prefix)" = "$PFX_A" ]
kill_ra "$rax"; rax=""
check "SIGTERM" stop

echo "-- the uplink takes no RAs: accept_ra=0, or forwarding=1 with accept_ra=1"
in_h sysctl -qw net.ipv6.conf.hp0.accept_ra=0
start
sleep 2
check "accept_ra=0: the uplink's PREF64 is ignored" contains "$(jget state)" "waiting for a PLAT prefix"
check "  and counted" [ "$(counter pref64_ras_ignored)" -gt 1 ]
in_h sysctl -qw net.ipv6.conf.hp0.accept_ra=1 net.ipv6.conf.hp0.forwarding=1
sleep 1.5
check "forwarding=1, accept_ra=1: still ignored" contains "$(jget state)" "waiting for a PLAT prefix"
in_h sysctl -qw net.ipv6.conf.hp0.accept_ra=2
check "accept_ra=2: taken" wait_for 3 plat_prefix "$PFX_A"
check "SIGTERM" stop
in_h sysctl -qw net.ipv6.conf.hp0.forwarding=0 net.ipv6.conf.hp0.accept_ra=1
kill_ra "$ra1"; ra1=""

echo "-- two routers on the uplink, two prefixes"
ll1=$(ip -n "$p" -6 -o addr show dev ph0 scope link | awk '{ sub("/.*", "", $4); print $4; exit }')
ip -n "$p" -6 addr add fe80::2/64 dev ph0 nodad
ip netns exec "$p" tests/e2e/ra_send.py ph0 $PFX_A 4 --every 0.3 --src "$ll1" &
ra1=$!
start
check "the first router's prefix is taken" wait_for 3 plat_prefix "$PFX_A"
ip netns exec "$p" tests/e2e/ra_send.py ph0 $PFX_B 600 --every 0.3 --src fe80::2 &
ra2=$!
flaps=0
for _ in $(seq 1 30); do
	[ "$(jget plat_prefix)" = "$PFX_A" ] || flaps=$((flaps + 1))
	sleep 0.1
done
check "  kept while both announce (no flapping: $flaps samples otherwise)" [ $flaps = 0 ]
kill_ra "$ra1"; ra1=""
check "the first falls silent: the second takes over when the first expires" wait_for 8 plat_prefix "$PFX_B"
ip netns exec "$p" tests/e2e/ra_send.py ph0 $PFX_A 600 --every 0.3 --src "$ll1" &
ra1=$!
sleep 2
check "  the first back: the second is kept" [ "$(jget plat_prefix)" = "$PFX_B" ]
check "SIGTERM" stop
checks_done ra_trust
