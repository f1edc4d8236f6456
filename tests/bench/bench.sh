#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: clat-nfq, TAYGA as the CLAT (as clatd configures it) and
# native IPv6, one after the other on the same paths in one run.
#
#   H (IPv6-only host, the CLAT) --veth-- P (servers on 2001:db8:64::cb00:7101)
#
# The PLAT is left out, as ../shared/NOTES.md advises for measuring the CLAT
# alone: P holds 203.0.113.1 under the prefix on its loopback and the
# servers listen there, so translated packets end at P.
#
# Environment: REPEAT (5) rounds of every measurement, the median reported;
# SECS (5) seconds each; SOAK (120) seconds of the full-rate memory run
# (0 skips it); OUT (tests/bench/RESULTS.md) the table; CPU_PPS (50000)
# the offered load of the CPU-per-packet runs; TAYGA_BIN, a TAYGA build
# to compare as well as Debian's (e.g. 0.9.6 from apalrd/tayga, built
# outside this tree), run with TAYGA_WORKERS worker threads when set (its
# `workers` key; Debian's 0.9.2 has none).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${REPEAT:-5}
SECS=${SECS:-5}
SOAK=${SOAK:-120}
OUT=${OUT:-tests/bench/RESULTS.md}
CPU_PPS=${CPU_PPS:-50000}
TAYGA_BIN=${TAYGA_BIN:-}
TAYGA_WORKERS=${TAYGA_WORKERS:-}
if [ -n "$TAYGA_BIN" ] && ! [ -x "$TAYGA_BIN" ]; then
	echo "bench: TAYGA_BIN=$TAYGA_BIN is not an executable" >&2; exit 1
fi
if [ -n "$TAYGA_WORKERS" ] && [ -z "$TAYGA_BIN" ]; then
	echo "bench: TAYGA_WORKERS needs TAYGA_BIN (Debian's TAYGA has no workers key)" >&2; exit 1
fi
n="cnfq-bench-$$"
h="$n-h" p="$n-p"
raw="/tmp/$n.tsv"
PREFIX=2001:db8:64::/96
H6=2001:db8:1::2 P6=2001:db8:1::1
S4=203.0.113.1 S6=2001:db8:64::cb00:7101
# UDP flows go to eight servers, and in the one-server runs (onesrv) all
# eight to one address (one CDN node, one API endpoint, a backup target).
U4=$(seq -s, -f '203.0.113.%g' 1 8)
U6=$(seq -s, -f '2001:db8:64::cb00:710%g' 1 8)
TAYGA6=2001:db8:1::c1a7
# clat-nfq with an address of its own (system clat-nfq-x): TAYGA's, which
# P routes to H, so that both CLATs meet the same path; UDP and ICMPv6
# then take the ingress shortcut (README, "How packets reach the workers").
XARGS="clat-v6-addr=$TAYGA6"
blast=build/bench/udpblast
pids=""

cleanup() {
	set +e	# every step runs, whatever the one before returned
	for pid in $pids; do kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null; done
	for pid in $pids; do wait "$pid" 2>/dev/null || true; done
	ip netns del "$h" 2>/dev/null || true
	ip netns del "$p" 2>/dev/null || true
	rm -rf "/tmp/$n".*
}
trap cleanup EXIT
bg() { "$@" </dev/null >/dev/null 2>&1 & pids="$pids $!"; }
in_h() { ip netns exec "$h" "$@"; }
in_p() { ip netns exec "$p" "$@"; }
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$raw"; }

# --- the lab
for x in "$h" "$p"; do ip netns add "$x"; ip -n "$x" link set lo up; done
ip link add hp0 netns "$h" type veth peer name ph0 netns "$p"
in_h sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
in_p sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$h" link set hp0 up
ip -n "$p" link set ph0 up
ip -n "$h" -6 addr add $H6/64 dev hp0 nodad
ip -n "$h" -6 route add default via $P6
ip -n "$p" -6 addr add $P6/64 dev ph0 nodad
for i in $(seq 1 8); do ip -n "$p" -6 addr add 2001:db8:64::cb00:710$i/128 dev lo; done
ip -n "$p" -6 route add $TAYGA6/128 via $H6
bg ip netns exec "$p" iperf3 -s -p 5201
# The drain runs' upload ends here, before any socket: only the CLAT works.
in_p nft add table inet bench \; add chain inet bench pre \
	'{ type filter hook prerouting priority -500; }' \; \
	add rule inet bench pre udp dport 9003 counter drop
sleep 0.5

# --- measurements against target $2, recorded as system $1
FLOWS=8
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
udp() {	# udp SYSTEM TARGETS SIZE [PPS NAME]: packets/s received, upload
	# then download, recorded as NAME_up_SIZE and NAME_down_SIZE (NAME:
	# udp); at PPS per direction when given, also the machine's CPU time
	# per packet received (cpu_NAME_..., microseconds) over the sink's
	# window
	local sys=$1 dst=$2 size=$3 pps=${4:-} name=${5:-udp} pid r dst6
	# the download's senders: the IPv6 side of the targets
	case $dst in *:*) dst6=$dst ;; "$S4") dst6=$S6 ;; *) dst6=$U6 ;; esac
	ip netns exec "$p" $blast sink 9000 "$SECS" > "/tmp/$n.sink" &
	pid=$!
	sleep 0.2
	in_h $blast send "$dst" 9000 "$size" "$(echo "$SECS + 1.5" | bc)" $FLOWS $pps 2>/dev/null || true
	wait $pid || true
	r=$(cat "/tmp/$n.sink")
	rec_udp "$sys" "${name}_up_$size" "$r" "$pps"
	ip netns exec "$p" $blast rsend $dst6 9001 "$size" "$(echo "$SECS + 2" | bc)" ${pps:+0 $pps} 2>/dev/null &
	pid=$!
	sleep 0.2
	r=$(in_h timeout $((SECS + 10)) $blast rsink "$dst" 9001 "$SECS" $FLOWS) || r=""
	wait $pid || true
	rec_udp "$sys" "${name}_down_$size" "$r" "$pps"
}
rec_udp() {	# rec_udp SYSTEM METRIC "pps N cpu_s C" PPS
	local pps cpu
	pps=$(echo "$3" | awk '{ print $2 + 0 }')
	rec "$1" "$2" "${pps:-0}"
	[ -n "$4" ] || return 0
	cpu=$(echo "$3" | awk '{ print $4 + 0 }')
	# microseconds of CPU (all CPUs) per packet delivered in the window
	rec "$1" "cpu_$2" "$(awk -v c="${cpu:-0}" -v p="${pps:-0}" -v s="$SECS" \
		'BEGIN { print (p > 0 && c > 0) ? c * 1e6 / (p * s) : "-" }')"
}
idle_cpu() {	# the machine's busy CPU share with no traffic, in % of one CPU
	# (measured as udpblast measures it: the CPUs' time less idle,
	# iowait and steal; user and system time are sampled by the tick)
	local a b
	a=$(busy_s); sleep "$SECS"; b=$(busy_s)
	rec machine idle_cpu_pct "$(echo "$a $b" | awk '{ printf "%.1f", ($4 - $2) * 100 / ($3 - $1) }')"
}
busy_s() {	# "T B": the monotonic time and the machine's busy seconds so far
	awk -v t="$(cut -d' ' -f1 /proc/uptime)" -v n="$(nproc)" -v hz="$(getconf CLK_TCK)" \
		'/^cpu / { printf "%s %.2f", t, t * n - ($5 + $6 + $9) / hz }' /proc/stat
}
cpu_runs() {	# cpu_runs SYSTEM TARGETS: CPU per packet at CPU_PPS
	udp "$1" "$2" 64 "$CPU_PPS" paced
	udp "$1" "$2" 1400 "$CPU_PPS" paced
}
onesrv() {	# onesrv SYSTEM TARGET: 8 flows to one server address
	local sys=$1 dst=$2 r spec
	for spec in "tcp_up_8:-P 8" "tcp_down_8:-R -P 8"; do
		r=$(in_h iperf3 -c "$dst" -p 5201 -t "$SECS" -J ${spec#*:} |
			/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)') || r=0
		rec "$sys" "onesrv_${spec%%:*}" "$r"
	done
	udp "$sys" "$dst" 64 "" onesrv
}
measure() {
	local sys=$1 dst=$2 r	# $3: the UDP targets
	for spec in "tcp_up_1:" "tcp_up_4:-P 4" "tcp_down_1:-R" "tcp_down_4:-R -P 4"; do
		r=$(in_h iperf3 -c "$dst" -p 5201 -t "$SECS" -J ${spec#*:} |
			/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)') || r=0
		rec "$sys" "${spec%%:*}" "$r"
	done
	udp "$sys" "$3" 64
	udp "$sys" "$3" 1400
	in_h ping -c 300 -i 0.01 -W 1 "$dst" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' > "/tmp/$n.rtt"
	rec "$sys" rtt_mean "$(awk '{ s += $1 } END { print NR ? s / NR : 0 }' "/tmp/$n.rtt")"
	rec "$sys" rtt_p99 "$(sort -g "/tmp/$n.rtt" | awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); print NR ? v[i] : 0 }')"
}
proc_stats() {	# proc_stats SYSTEM PID CPU0: the daemon's CPU seconds and memory
	local hz
	hz=$(getconf CLK_TCK)
	rec "$1" cpu_s "$(echo "scale=2; ($(cpu_of "$2") - $3) / $hz" | bc)"
	rec "$1" rss_kib "$(awk '/VmRSS/ { print $2 }' "/proc/$2/status")"
}

: > "$raw"
clat_start() {	# clat_start [key=value ...]: clat-nfq in H, rules in place
	ip netns exec "$h" build/clat-nfq -q plat-prefix=$PREFIX "$@" 2>>"/tmp/$n.daemon" &
	daemon=$!; pids="$pids $daemon"
	for _ in $(seq 50); do in_h nft list table ip6 clat-nfq >/dev/null 2>&1 && break; sleep 0.1; done
}
clat_stop() { kill -TERM $daemon; kill -CONT $daemon; wait $daemon || true; }

# Worker scaling with the CPUs left to the daemon alone. On 2 CPUs a live
# sender and sink take about one of them, so a second worker can only win
# what they leave (see RESULTS.md). Here the daemon is stopped (SIGSTOP)
# while UDP 64 B packets of 8 flows pile up on its queues (65536 each at
# most: the kernel keeps no more, whatever queue-length asks), and
# drain.py times how fast the running daemon then carries them on, the
# generators gone. The translations end in a drop rule at the far side,
# before any socket.
DRAINS=${DRAINS:-3}
drain() {	# drain THREADS [4 6 NAME]: packets/s carried, upload then
	# download, to eight servers or (NAME: onesrv) to one; both
	# directions through the CLAT device (the download by the ingress
	# shortcut, the UDP flows being the CLAT's)
	local t=$1 a4=${2:-$U4} a6=${3:-$U6} name=${4:-udp} rs r
	clat_start threads="$t" queue-length=65536
	for _ in $(seq "$DRAINS"); do
		kill -STOP $daemon
		in_h $blast fill $a4 9003 64 $((65536 * t)) $FLOWS 2>/dev/null
		sleep 0.2
		r=$(in_h /usr/bin/python3 tests/bench/drain.py $daemon dev clat) || r=""
		rec clat-nfq-drain-${t}w ${name}_up_64 "$(echo "$r" | awk '$4 > 0 { print $2 / $4 }')"
	done
	for _ in $(seq "$DRAINS"); do
		# The flows are opened by rsink's hellos and its first replies,
		# the daemon running; then the replies end in a drop rule.
		in_p $blast rsend $a6 9004 64 30 $((65536 * t + 200000)) 2>/dev/null &
		rs=$!
		sleep 0.2
		in_h timeout 10 $blast rsink $a4 9004 0.01 $FLOWS >/dev/null || true
		in_h nft add table ip bench \; add chain ip bench in \
			'{ type filter hook input priority -500; }' \; \
			add rule ip bench in udp sport 9004 counter drop
		kill -STOP $daemon
		wait $rs || true
		sleep 0.2
		r=$(in_h /usr/bin/python3 tests/bench/drain.py $daemon dev clat) || r=""
		rec clat-nfq-drain-${t}w ${name}_down_64 "$(echo "$r" | awk '$4 > 0 { print $2 / $4 }')"
		in_h nft delete table ip bench
	done
	clat_stop
}
tayga_conf() {	# tayga_conf DIR [WORKERS]
	mkdir -p "$1"
	cat > "$1/tayga.conf" <<CONF
tun-device clat
ipv4-addr 192.0.0.2
prefix $PREFIX
map 192.0.0.1 $TAYGA6
data-dir $1
CONF
	if [ -n "${2:-}" ]; then echo "workers $2" >> "$1/tayga.conf"; fi
}
tayga_conf "/tmp/$n.tayga"
[ -z "$TAYGA_BIN" ] || tayga_conf "/tmp/$n.tayga-bin" "$TAYGA_WORKERS"
tayga_start() {	# tayga_start BINARY DIR: TAYGA as the CLAT, as clatd sets it up
	in_h "$1" -c "$2/tayga.conf" --mktun >/dev/null
	in_h sysctl -qw net.ipv6.conf.all.forwarding=1
	in_h ip link set clat up
	in_h ip addr add 192.0.0.1/29 dev clat
	in_h ip route add default dev clat mtu 1260
	in_h ip -6 route add $TAYGA6/128 dev clat
	ip netns exec "$h" "$1" -c "$2/tayga.conf" --nodetach </dev/null >/dev/null 2>&1 &
	tayga=$!; pids="$pids $tayga"
	sleep 0.5
	kill -0 $tayga || { echo "bench: $1 did not start" >&2; exit 1; }
}
tayga_stop() {
	kill $tayga; wait $tayga || true
	in_h ip link del clat
	in_h sysctl -qw net.ipv6.conf.all.forwarding=0
}
tayga_round() {	# tayga_round SYSTEM BINARY DIR
	echo "bench: round $round of $REPEAT: $1" >&2
	tayga_start "$2" "$3"
	cpu0=$(cpu_of $tayga)
	measure "$1" $S4 $U4
	proc_stats "$1" $tayga "$cpu0"
	cpu_runs "$1" $U4
	onesrv "$1" $S4
	tayga_stop
}
# What ran, for the report.
{
	# Debian's 0.9.2 prints no version: its package says it
	echo "tayga_version	$(dpkg-query -W -f '${Version}' tayga 2>/dev/null | sed 's/-[^-]*$//')"
	if [ -n "$TAYGA_BIN" ]; then
		echo "tayga_bin	$TAYGA_BIN"
		echo "tayga_bin_version	$("$TAYGA_BIN" --help 2>&1 | sed -n 's/^TAYGA version //p' | head -1)"
		echo "tayga_bin_workers	${TAYGA_WORKERS:-its default}"
	fi
	echo "cpu_pps	$CPU_PPS"
	echo "commit	$(git describe --always --dirty 2>/dev/null || echo '?')"
	echo "commit_date	$(git log -1 --format=%cd --date=short 2>/dev/null || echo '?')"
} > "/tmp/$n.meta"

# The systems take turns within each round, so that the drift of a shared
# VM (its figures move by half from one minute to the next) falls on all
# of them alike; the medians are over the rounds.
idle_cpu
for round in $(seq "$REPEAT"); do
	echo "bench: round $round of $REPEAT: native IPv6" >&2
	measure native $S6 $U6
	cpu_runs native $U6
	onesrv native $S6

	echo "bench: round $round of $REPEAT: clat-nfq" >&2
	clat_start
	cpu0=$(cpu_of $daemon)
	measure clat-nfq $S4 $U4
	proc_stats clat-nfq $daemon "$cpu0"
	cpu_runs clat-nfq $U4
	onesrv clat-nfq $S4
	clat_stop

	echo "bench: round $round of $REPEAT: clat-nfq, one worker" >&2
	clat_start threads=1
	udp clat-nfq-1w $U4 64
	onesrv clat-nfq-1w $S4
	clat_stop

	echo "bench: round $round of $REPEAT: clat-nfq, explicit address" >&2
	# shellcheck disable=SC2086
	clat_start $XARGS
	cpu0=$(cpu_of $daemon)
	measure clat-nfq-x $S4 $U4
	proc_stats clat-nfq-x $daemon "$cpu0"
	cpu_runs clat-nfq-x $U4
	onesrv clat-nfq-x $S4
	clat_stop
	# shellcheck disable=SC2086
	clat_start $XARGS threads=1
	udp clat-nfq-x-1w $U4 64
	onesrv clat-nfq-x-1w $S4
	clat_stop

	echo "bench: round $round of $REPEAT: clat-nfq, drain runs" >&2
	drain 1
	drain "$(nproc)"
	drain 1 $S4 $S6 onesrv
	drain "$(nproc)" $S4 $S6 onesrv

	tayga_round tayga tayga "/tmp/$n.tayga"
	[ -z "$TAYGA_BIN" ] || tayga_round tayga-bin "$TAYGA_BIN" "/tmp/$n.tayga-bin"
done
idle_cpu

if [ "$SOAK" -gt 0 ]; then
	echo "bench: clat-nfq memory over a ${SOAK} s full-rate run" >&2
	clat_start
	ip netns exec "$p" $blast sink 9002 "$SOAK" >/dev/null &
	sink=$!
	in_h $blast send $U4 9002 64 "$((SOAK + 2))" $FLOWS 2>/dev/null &
	src=$!
	for i in $(seq 0 10 "$SOAK"); do
		rec clat-nfq-soak "rss_${i}s" "$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")"
		sleep 10
	done
	wait $src $sink || true
	kill -USR1 $daemon; sleep 0.2
	clat_stop
	grep 'counters' "/tmp/$n.daemon" | tail -3 >&2 || true
fi

/usr/bin/python3 tests/bench/report.py "$raw" "$REPEAT" "$SECS" "$SOAK" "/tmp/$n.meta" > "$OUT"
cat "$OUT"
echo "bench: written to $OUT" >&2
