#!/bin/bash
# The run directory and the saved routes (issue 15), in the lab of
# scripts/lab:
#   - /run/clat-nfq world-writable, owned by another user, or a symbolic
#     link: the daemon refuses to start (in a private /run: the real one is
#     shared with every namespace of the machine);
#   - symbolic links planted for its lock and its saved routes: refused or
#     removed, and the file they point to is untouched;
#   - v4-defaultroute-replace after a crash: the saved route comes back in
#     its own namespace, not in a new namespace that now bears the old one's
#     inode number (the saved file renamed to it: what inode reuse does),
#     and a hostile route file (a non-default IPv4 route, an IPv6 route) is
#     not replayed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
e2e_init rd
b="$n-b"
on_cleanup 'ip netns del "$b" 2>/dev/null'
on_cleanup '[ -n "${inob:-}" ] && rm -f "/run/clat-nfq/$inob.route4"'
# The daemon in H with a private /run prepared by $1 (a shell snippet):
# its exit status within 3 s (124: still running, then stopped).
private_run() {
	local prep=$1; shift
	timeout -s TERM 3 ip netns exec "$h" unshare -m --propagation private bash -c \
		"mount -t tmpfs -o mode=755 tmpfs /run && $prep && exec build/clat-nfq plat-prefix=$LAB_PREFIX $*" \
		>>"/tmp/$n.log" 2>&1
}
ino() { stat -L -c %i "/run/netns/$1"; }
cookie() { ip netns exec "$1" /usr/bin/python3 -c 'import socket,struct; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print(struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'; }

lab_up "$n"
inoh=$(ino "$h")

echo "-- the run directory"
rc=0; private_run "mkdir -m 1777 /run/clat-nfq" || rc=$?
check "a world-writable /run/clat-nfq is refused (exit $rc)" [ $rc = 1 ]
check "  saying so" grep -q "/run/clat-nfq is owned by uid 0 with mode 1777: refusing" "/tmp/$n.log"
rc=0; private_run "mkdir -m 700 /run/clat-nfq && chown nobody /run/clat-nfq" || rc=$?
check "one owned by another user is refused (exit $rc)" [ $rc = 1 ]
rc=0; private_run "mkdir -m 700 /run/elsewhere && ln -s elsewhere /run/clat-nfq" || rc=$?
check "a symbolic link is refused (exit $rc)" [ $rc = 1 ]
# systemd's own link (DynamicUser= with RuntimeDirectoryPreserve=: the
# directory is /run/private/clat-nfq): taken, being root's and saying so.
rc=0; private_run "mkdir -p -m 700 /run/private/clat-nfq && ln -s private/clat-nfq /run/clat-nfq" || rc=$?
check "systemd's link to private/clat-nfq is taken (still running at 3 s)" [ $rc = 124 ]
rc=0; private_run "mkdir -p -m 700 /run/private/clat-nfq && ln -s private/clat-nfq /run/clat-nfq && chown -h nobody /run/clat-nfq" || rc=$?
check "the same link made by another user is refused (exit $rc)" [ $rc = 1 ]
rc=0; private_run "true" || rc=$?
check "a fresh one is made and used (still running at 3 s)" [ $rc = 124 ]
echo "precious" > "/tmp/$n.victim"
rc=0; private_run "mkdir -m 700 /run/clat-nfq && ln -s /tmp/$n.victim /run/clat-nfq/$inoh.lock" || rc=$?
check "a planted link for the lock is refused (exit $rc)" [ $rc = 1 ]
in_h ip -4 addr add 10.99.0.2/24 dev hp0
in_h ip -4 route add default via 10.99.0.1 dev hp0
rc=0; private_run "mkdir -m 700 /run/clat-nfq && ln -s /tmp/$n.victim /run/clat-nfq/$inoh.route4" v4-defaultroute-replace=yes || rc=$?
check "a planted link for the saved routes: the daemon runs (exit $rc)" [ $rc = 124 ]
check "  and the file it points to is untouched" [ "$(cat "/tmp/$n.victim")" = precious ]
# The private run was stopped by SIGTERM: it put the native route back.
check "  the native route is back" [ -n "$(in_h ip -4 route show default via 10.99.0.1)" ]

echo "-- saved routes after a crash"
native=$(in_h ip -4 route show default)
check "daemon starts (replace)" start v4-defaultroute-replace=yes
check "  the native default route is out" wait_for 3 state translating
sleep 0.5
check "  and saved" [ -s "/run/clat-nfq/$inoh.route4" ]
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
in_h ip link del clat
cp "/run/clat-nfq/$inoh.route4" "/tmp/$n.saved"
# A new namespace B, made like H (hp0 with the same address and ifindex),
# given the saved file under its own inode number.
ip netns add "$b"
ip -n "$b" link set lo up
ip link add hp0 netns "$b" type veth peer name pb0 netns "$p"
ip -n "$b" link set hp0 up
ip -n "$b" -4 addr add 10.99.0.2/24 dev hp0
inob=$(ino "$b")
echo "  (H's inode $inoh, B's $inob$([ "$inob" = "$inoh" ] && echo ', reused'))"
cp "/tmp/$n.saved" "/run/clat-nfq/$inob.route4"
ip netns exec "$b" build/clat-nfq plat-prefix=$LAB_PREFIX v4-defaultroute-replace=yes 2>>"/tmp/$n.log" &
daemon=$!
sleep 1.5
check "another namespace's saved route is not replayed" [ -z "$(ip -n "$b" -4 route show default)" ]
check "  and the log says why" grep -q "saved routes of another network namespace" "/tmp/$n.log"
stop || true
check "daemon starts again in H" start v4-defaultroute-replace=yes
check "  H's own saved route is back in H (then out again)" wait_for 3 state translating
check "SIGTERM" stop
check "the native default route is back as it was" [ "$(in_h ip -4 route show default)" = "$native" ]

echo "-- a hostile route file"
ch=$(cookie "$h")
idx=$(in_h ip -o link show hp0 | cut -d: -f1)
/usr/bin/python3 - "$ch" "/tmp/$n.hostile" "$idx" <<'PY'
import socket, struct, sys
cookie, out, idx = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def attr(t, v): return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * (-len(v) % 4)
def route(family, dst_len, attrs):
    rtm = struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, 254, 4, 0, 1, 0)
    body = rtm + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), 24, 0, 0, 0) + body
oif = attr(4, struct.pack("=I", idx))
r4 = route(2, 16, [attr(1, socket.inet_aton("10.123.0.0")), attr(5, socket.inet_aton("10.99.0.1")), oif])
r6 = route(10, 0, [attr(5, socket.inet_pton(socket.AF_INET6, "2001:db8:1::99")), attr(6, struct.pack("=I", 777)), oif])
with open(out, "wb") as f:
    f.write(b"clatrt01" + struct.pack("=Q", cookie))
    for r in (r4, r6):
        f.write(struct.pack("=I", len(r)) + r)
PY
# The last stop removed the directory if nothing else was in it (a machine
# with no other daemon running): planted as the daemon would make it.
install -d -m 0700 /run/clat-nfq
cp "/tmp/$n.hostile" "/run/clat-nfq/$inoh.route4"
check "daemon starts over a hostile route file" start
sleep 0.5
check "  its non-default IPv4 route is not replayed" [ -z "$(in_h ip -4 route show 10.123.0.0/16)" ]
check "  nor its IPv6 route" [ -z "$(in_h ip -6 route show default via 2001:db8:1::99)" ]
check "  the log says so" grep -q "not a saved IPv4 default route" "/tmp/$n.log"
check "  and the file is gone" [ ! -e "/run/clat-nfq/$inoh.route4" ]
check "SIGTERM" stop
checks_done rundir
