#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a distribution's user meets (issue 16), in the lab (scripts/lab):
# a clatd 2.x clatd.conf with every key of clatd(8) works unchanged (the
# keys without meaning here warned about once each; an unknown key in the
# file warned, on the command line an error); ctmark=0 as clatd means it;
# log lines carry syslog priorities when stderr is the stream JOURNAL_STREAM
# names, plain text otherwise; STATUS=, READY=1 and WATCHDOG=1 reach
# NOTIFY_SOCKET; --version, --help, status refusing unknown options; the
# status JSON parses (python3 -m json.tool, jq) for device names with '"',
# '\' and bytes above 0x7f, and gives those bytes back; `clat-nfq metrics`
# parses with prometheus_client and its counters move with traffic; the
# metrics file is replaced whole, never seen in part.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init pk
helper=""
on_cleanup '[ -n "$helper" ] && kill "$helper" 2>/dev/null && wait "$helper" 2>/dev/null'
E2E_ARGS=""	# each start says its configuration
py() { /usr/bin/python3 "$@"; }
ping_s() { in_h ping -c "${1:-1}" -W 2 -q $LAB_S4 >/dev/null; }

lab_up "$n"

# --- the command line
v=$(build/clat-nfq --version)
check "--version prints the version from VERSION ($v)" contains "$v" "clat-nfq $(cat VERSION)"
check "-V is --version" [ "$(build/clat-nfq -V)" = "$v" ]
out=$(build/clat-nfq --help); rc=$?
check "--help: usage and the default configuration on stdout, exit 0" \
	bash -c "[ $rc = 0 ] && grep -q '^usage: clat-nfq' <<<'$out' && grep -q /etc/clat-nfq.conf <<<'$out'"
check "-h is --help" [ "$(build/clat-nfq -h)" = "$out" ]
rc=0; build/clat-nfq status --bogus >/dev/null 2>"/tmp/$n.err" || rc=$?
check "status refuses an unknown option (exit $rc)" bash -c "[ $rc = 2 ] && grep -q \"unknown option '--bogus'\" /tmp/$n.err"

# --- a clatd.conf, every key of clatd(8) (2.x), values as clatd takes them
cat > "/tmp/$n.clatd.conf" <<EOF
# /etc/clatd.conf of a clatd 2.x user
; semicolon comments
// and double-slash ones
quiet=0
debug=0
script-up=echo up on \$clat_dev >> /tmp/$n.script
script-down=echo down >> /tmp/$n.script
clat-dev=clat
clat-v4-addr=192.0.0.1
clat-v6-addr=shared
dns64-servers=2001:db8::53
cmd-ip=/usr/sbin/ip
cmd-networkctl=networkctl
cmd-nft=nft
cmd-tayga=/usr/sbin/tayga
cmd-ufw=
ctmark=0xc1a7
forwarding-enable=yes
plat-dev=
plat-prefix=$LAB_PREFIX
plat-fallback-prefix=
proxynd-enable=no
route-table=0xc1a7
tayga-conffile=/etc/tayga-clat.conf
tayga-v4-addr=192.0.0.2
v4-conncheck-enable=yes
v4-conncheck-delay=10
v4-defaultroute-enable=yes
v4-defaultroute-replace=no
v4-defaultroute-metric=2048
v4-defaultroute-mtu=1260
v4-defaultroute-advmss=0
EOF
ignored="cmd-ip cmd-networkctl cmd-nft cmd-tayga cmd-ufw forwarding-enable proxynd-enable route-table tayga-conffile tayga-v4-addr"
: > "/tmp/$n.log"
check "a clatd.conf with every clatd key starts the daemon" start -c "/tmp/$n.clatd.conf" cmd-ip=/bin/ip
once=1
for k in $ignored; do
	c=$(grep -c "$k: ignored: " "/tmp/$n.log" || true)
	[ "$c" = 1 ] || { once=0; echo "     $k warned $c times"; }
done
check "each of the 10 ignored keys warned once, naming it and why" [ $once = 1 ]
check "IPv4 through it: ping S" ping_s 2
check "the route MTU from v4-defaultroute-mtu=1260" bash -c "ip -n $h -4 route show default | grep -q 'mtu 1260'"
check "script-up ran with clatd's variables" grep -q "up on clat" "/tmp/$n.script"
check "SIGTERM: exit 0" stop
check "script-down ran" grep -q "down" "/tmp/$n.script"

echo "made-up-key=1" >> "/tmp/$n.clatd.conf"
: > "/tmp/$n.log"
check "the same file with an unknown key still starts" start -c "/tmp/$n.clatd.conf"
check "... with a warning naming the key" grep -q "made-up-key: unknown key, ignored" "/tmp/$n.log"
check "... and translates" ping_s 1
stop
rc=0; in_h build/clat-nfq plat-prefix=$LAB_PREFIX made-up-key=1 2>"/tmp/$n.err" || rc=$?
check "an unknown key on the command line is an error (exit $rc)" \
	bash -c "[ $rc = 2 ] && grep -q 'made-up-key: unknown key' /tmp/$n.err"

# Printed in H: shared mode asks the route toward the prefix for the host
# address, and the machine running the test may have no IPv6 route at all.
# ctmark=0: no conntrack mark in the rules (clatd: no ctmark-based
# shared-mode handling); the default marks.
p0=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX clat-v6-addr=shared ctmark=0)
p1=$(in_h build/clat-nfq -p plat-prefix=$LAB_PREFIX clat-v6-addr=shared)
no_ctmark() { ! grep -q 'ct mark' <<<"$p0"; }
ctmarks() { [ "$(grep -c 'ct mark' <<<"$p1")" -ge 2 ]; }
check "ctmark=0: no ct mark in the rules" no_ctmark
check "default ctmark 0xc1a7: marked and matched" ctmarks

# --- journald: priorities when stderr is the JOURNAL_STREAM, text otherwise
: > "/tmp/$n.j"
js=$(stat -c '%d:%i' "/tmp/$n.j")
ip netns exec "$h" env JOURNAL_STREAM="$js" build/clat-nfq -c "/tmp/$n.clatd.conf" >/dev/null 2>>"/tmp/$n.j" &
daemon=$!
rules_in
stop
check "journal: warnings carry <4>" grep -q '^<4>/tmp/.*: cmd-ip: ignored: ' "/tmp/$n.j"
check "journal: information carries <6>" grep -q '^<6>translating' "/tmp/$n.j"
w=$(grep -c '^<4>' "/tmp/$n.j" || true)
check "journal: no warning but the 10 ignored keys and the made-up one ($w)" [ "$w" = 11 ]
check "journal: no line without a priority" bash -c "! grep -qv '^<[3-7]>' /tmp/$n.j"
rc=0; in_h env JOURNAL_STREAM="$js" build/clat-nfq threads=1000 >/dev/null 2>>"/tmp/$n.j" || rc=$?
check "journal: a bad value is an error <3> naming key and value (exit $rc)" grep -q '^<3>threads=1000: ' "/tmp/$n.j"
in_h env JOURNAL_STREAM="1:1" build/clat-nfq -p plat-prefix=$LAB_PREFIX made-up=1 >/dev/null 2>"/tmp/$n.t" || true
check "another stream named: plain text" grep -q '^clat-nfq: made-up: unknown key' "/tmp/$n.t"
in_h env JOURNAL_STREAM="$js" build/clat-nfq -p plat-prefix=$LAB_PREFIX -d made-up=1 >/dev/null 2>"/tmp/$n.t" || true
check "stderr not the stream: plain text" grep -q '^clat-nfq: made-up: unknown key' "/tmp/$n.t"

# --- systemd notifications: READY=1 with STATUS=, STATUS= changes, WATCHDOG=1
py - "/tmp/$n.notify" "/tmp/$n.msgs" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 30
with open(sys.argv[2], "a") as out:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        out.write("%.2f %s\n" % (time.time(), m.replace("\n", "|")))
        out.flush()
EOF
helper=$!
for _ in $(seq 50); do [ -S "/tmp/$n.notify" ] && break; sleep 0.1; done
: > "/tmp/$n.msgs"
ip netns exec "$h" env NOTIFY_SOCKET="/tmp/$n.notify" WATCHDOG_USEC=1000000 \
	build/clat-nfq plat-prefix=$LAB_PREFIX 2>>"/tmp/$n.log" &
daemon=$!
rules_in
sleep 3
stop
sleep 0.3
kill "$helper" 2>/dev/null; wait "$helper" 2>/dev/null || true; helper=""
check "READY=1 and a STATUS= line" bash -c "grep -q 'READY=1' /tmp/$n.msgs && grep -q ' STATUS=' /tmp/$n.msgs"
check "STATUS= follows the state (translating)" grep -q 'STATUS=translating' "/tmp/$n.msgs"
wd=$(grep -c ' WATCHDOG=1$' "/tmp/$n.msgs" || true)
check "WATCHDOG=1 at half of WATCHDOG_USEC=1 s: $wd in about 3 s" [ "$wd" -ge 4 ]
check "STOPPING=1 at the end" grep -q 'STOPPING=1' "/tmp/$n.msgs"

# --- JSON for any name the kernel takes: '"', '\', UTF-8 and a stray byte
up=$'wl\xc3\xa4n\xff'
ip -n "$h" link set hp0 down
ip -n "$h" link set hp0 name "$up"
ip -n "$h" link set "$up" up
ip -n "$h" -6 addr add "$LAB_H6/64" dev "$up" nodad
ip -n "$h" -6 route add default via "$LAB_P6" dev "$up"
clat='a"b\'
check "a CLAT device named $clat starts" start plat-prefix=$LAB_PREFIX "clat-dev=$clat" "plat-dev=$up"
check "... and translates" ping_s 1
wait_for 5 state translating || true
in_h build/clat-nfq status --json > "/tmp/$n.json"
check "python3 -m json.tool parses it" bash -c "/usr/bin/python3 -m json.tool /tmp/$n.json >/dev/null"
check "jq parses it" bash -c "jq -e . /tmp/$n.json >/dev/null"
check "jq reads the CLAT device back" [ "$(jq -r .clat_dev "/tmp/$n.json")" = "$clat" ]
check "the bytes of the uplink's name come back (os.fsencode, PEP 383)" py -c '
import json, os, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if os.fsencode(s["plat_dev"]) == b"wl\xc3\xa4n\xff" else 1)' "/tmp/$n.json"
check "the text status shows the names" bash -c "ip netns exec $h build/clat-nfq status | grep -qF 'plat-dev: $up'"
check "numbers where scripts need them" py -c '
import json, sys
s = json.load(open(sys.argv[1]))
ok = isinstance(s["uptime_seconds"], int) and isinstance(s["counters"]["received"], int)
ok = ok and s["plat_prefix_lifetime_seconds"] is None and s["translating"] is True
ok = ok and s["version"] == sys.argv[2].split()[1]
sys.exit(0 if ok else print(s["uptime_seconds"], s["plat_prefix_lifetime_seconds"], s["translating"], s["version"], sys.argv[2]) or 1)' "/tmp/$n.json" "$v"
check "the text status names the version" bash -c "in_h() { ip netns exec $h \"\$@\"; }; in_h build/clat-nfq status | head -1 | grep -qF 'clat-nfq $(cat VERSION)'"

# --- Prometheus metrics: parse, move with traffic
parse() {	# parse FILE: the translated 4to6 total, or fail
	py - "$1" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
need = ["clat_nfq_translated_packets", "clat_nfq_dropped_packets", "clat_nfq_received_packets",
        "clat_nfq_kernel_queue_dropped_packets", "clat_nfq_worker_received_packets",
        "clat_nfq_worker_translated_packets", "clat_nfq_info", "clat_nfq_uptime_seconds"]
for k in need:
    if k not in fams:
        sys.exit("missing " + k)
for f in fams.values():
    if f.type == "counter" and not all(s.name.endswith("_total") for s in f.samples if not s.name.endswith("_created")):
        sys.exit("counter without _total: " + f.name)
print(int(sum(s.value for s in fams["clat_nfq_translated_packets"].samples
              if s.labels.get("direction") == "4to6")))
EOF
}
in_h build/clat-nfq metrics > "/tmp/$n.m1"
a=$(parse "/tmp/$n.m1" || echo bad)
in_h ping -c 5 -i 0.2 -W 2 -q $LAB_S4 >/dev/null || true
in_h build/clat-nfq metrics > "/tmp/$n.m2"
b=$(parse "/tmp/$n.m2" || echo bad)
check "clat-nfq metrics parses with prometheus_client ($a, then $b)" [ "$a" != bad ] && [ "$b" != bad ]
check "its counters move with traffic (+5 pings)" [ "$b" != bad ] && [ "$a" != bad ] && [ $((b - a)) -ge 5 ]
rc=0; in_h build/clat-nfq metrics --json >/dev/null 2>&1 || rc=$?
check "metrics refuses options (exit $rc)" [ $rc = 2 ]
stop

# metrics-file: replaced whole every few seconds; a reader never sees part
mkdir -p "/tmp/$n.prom.d"
mf="/tmp/$n.prom.d/clat-nfq.prom"
start plat-prefix=$LAB_PREFIX "metrics-file=$mf"
for _ in $(seq 50); do [ -s "$mf" ] && break; sleep 0.1; done
check "the metrics file appears, mode 0644" [ "$(stat -c %a "$mf" 2>/dev/null)" = 644 ]
c1=$(parse "$mf" || echo bad)
# A reader as fast as it can for 11 s: every read must be a whole file.
py - "$mf" > "/tmp/$n.reads" <<'EOF' &
import os, sys, time
from prometheus_client.parser import text_string_to_metric_families
end, reads, bad, inodes = time.time() + 11, 0, 0, set()
while time.time() < end:
    try:
        with open(sys.argv[1]) as f:
            inodes.add(os.fstat(f.fileno()).st_ino)
            t = f.read()
    except FileNotFoundError:
        bad += 1
        continue
    reads += 1
    try:
        names = [m.name for m in text_string_to_metric_families(t)]
    except Exception:
        names = []
    if not t.endswith("\n") or "clat_nfq_worker_translated_packets" not in names:
        bad += 1
print(reads, bad, len(inodes))
EOF
helper=$!
for _ in 1 2 3 4 5; do in_h ping -c 2 -i 0.2 -W 2 -q $LAB_S4 >/dev/null || true; sleep 1.5; done
wait "$helper"; helper=""
read -r reads bad inodes < "/tmp/$n.reads"
check "$reads reads while it was rewritten: $bad partial or missing" [ "$reads" -gt 100 ] && [ "$bad" = 0 ]
check "the file was replaced (rename), not rewritten in place: $inodes inodes" [ "$inodes" -ge 2 ]
c2=$(parse "$mf" || echo bad)
check "the file's counters move with traffic ($c1, then $c2)" [ "$c1" != bad ] && [ "$c2" != bad ] && [ $((c2 - c1)) -ge 10 ]
stop
check "no temporary file left beside it" [ "$(ls "/tmp/$n.prom.d")" = clat-nfq.prom ]

# --- a prefix from PREF64: its lifetime left, a number in JSON and metrics
ip netns exec "$p" tests/e2e/ra_send.py ph0 $LAB_PREFIX 600 --every 0.5 >/dev/null 2>&1 &
bg_add $!
E2E_WAIT=translating start -c /dev/null "plat-dev=$up"
in_h build/clat-nfq status --json > "/tmp/$n.json" || true
lt=$(py -c 'import json,sys; v=json.load(open(sys.argv[1]))["plat_prefix_lifetime_seconds"]; print(v if isinstance(v, int) else "not a number: %r" % (v,))' "/tmp/$n.json" 2>&1 || true)
check "JSON: plat_prefix_lifetime_seconds of a PREF64 prefix ($lt)" bash -c "[ '$lt' -gt 500 ] && [ '$lt' -le 600 ]"
in_h build/clat-nfq metrics > "/tmp/$n.m3" || true
check "metrics: clat_nfq_plat_prefix_lifetime_seconds" grep -q '^clat_nfq_plat_prefix_lifetime_seconds [0-9]' "/tmp/$n.m3"
stop

checks_done compat
