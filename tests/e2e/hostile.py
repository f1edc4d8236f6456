#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile input for a running clat-nfq (issue 5), driven by hostile.sh.

    hostile.py explicit H P CLAT6 REPEAT    both directions, explicit address
    hostile.py shared H P CLAT6 REPEAT      packets riding a CLAT flow

Runs in the root namespace and opens its sockets inside the lab's
namespaces (setns): in H a raw IPv4 socket (IP_HDRINCL: the packet goes
through OUTPUT and is queued, kernel fixing only total length and header
checksum, which hostile.sh's nft chain then breaks again for the kinds that
ask for it) and sockets that see what the daemon delivers to 192.0.0.1; in P
a packet socket on the veth toward H, to send IPv6 exactly as built and to
see what H sends back.

Each kind is sent REPEAT times. Around each kind `clat-nfq status --json` is
read, and the kind's expectation, taken from RFC 7915 and the core's rules,
is checked: the drop reason moved by exactly the number sent (translated
kinds: the translations seen on the wire, correct), the daemon answered with
the ICMP error the RFC asks for and nothing else, and never about an ICMP
error. Prints "ok   NAME" / "FAIL NAME" lines and a summary line
"sent DIRECTION KINDS PACKETS"."""
import ctypes
import errno
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.all import (IP, IPv6, TCP, UDP, ICMP, Raw, Ether, IPOption,
                       ICMPv6EchoRequest, ICMPv6DestUnreach, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, ICMPv6ParamProblem, ICMPv6Unknown,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, raw)

MODE, NS_H, NS_P, C6 = sys.argv[1:5]
REPEAT = int(sys.argv[5])
C4, SELF4, DUMMY4 = "192.0.0.1", "192.0.0.2", "192.0.0.8"
R4, R6 = "203.0.113.1", "2001:db8:64::cb00:7101"
PFX = "2001:db8:64::"
ROUTER6 = "2001:db8:1::1"       # P: an IPv6 router outside the prefix
UPLINK_MTU = 1500               # the lab's veth: mtu6, so Frag Needed says 1480
SINK = 40000                    # UDP port H listens on for translated data

libc = ctypes.CDLL(None, use_errno=True)


def in_ns(name, fn):
    """Run fn() inside network namespace name; sockets stay there."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "setns " + name)
        return fn()
    finally:
        libc.setns(own, 0)
        os.close(fd)
        os.close(own)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def l4_ok6(src, dst, nh, l4):
    ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack("!IxxxB", len(l4), nh)
    return csum(ph + l4) == 0xffff


def l4_ok4(src, dst, proto, l4):
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!xBH", proto, len(l4))
    return csum(ph + l4) == 0xffff


def status():
    out = subprocess.run(["ip", "netns", "exec", NS_H, "build/clat-nfq", "status", "--json"],
                         capture_output=True, text=True, timeout=5).stdout
    c = json.loads(out)["counters"]
    flat = {k: v for k, v in c.items() if k != "dropped"}
    flat.update(c["dropped"])
    return flat


# ------------------------------------------------------------------ sockets
def h_socks():
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    tx.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    udp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("0.0.0.0", SINK))
    for s in (icmp, udp, sink):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.settimeout(0.2)
    return tx, icmp, udp, sink


def p_socks():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind(("ph0", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.settimeout(0.2)
    return s


def mac(ns, dev):
    out = subprocess.run(["ip", "-n", ns, "-j", "link", "show", dev], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)[0]["address"]


htx, hicmp, hudp, hsink = in_ns(NS_H, h_socks)
psock = in_ns(NS_P, p_socks)
HMAC, PMAC = mac(NS_H, "hp0"), mac(NS_P, "ph0")
ETH = raw(Ether(src=PMAC, dst=HMAC, type=0x86dd))

# What came back, appended by the reader threads: (kind tag, item).
seen = {"h_icmp": [], "h_udp": [], "p6": []}
stop = threading.Event()


def reader(sock, key, parse):
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(70000)
        except socket.timeout:
            continue
        except OSError:
            return
        if key == "p6" and addr[2] == socket.PACKET_OUTGOING:
            continue
        try:
            item = parse(data)
        except Exception:       # noqa: BLE001: foreign traffic, ignore
            item = None
        if item is not None:
            seen[key].append(item)


def parse_h_icmp(d):
    """ICMPv4 delivered to H: errors from the daemon (192.0.0.2) or
    translated ones (192.0.0.8 / remote), tagged by the quoted IP ID."""
    ip = IP(d)
    if ICMP not in ip or ip[ICMP].type not in (3, 4, 5, 11, 12):
        return None
    q = bytes(ip[ICMP].payload)
    qid = struct.unpack("!H", q[4:6])[0] if len(q) >= 6 else -1
    return dict(src=ip.src, type=ip[ICMP].type, code=ip[ICMP].code,
                mtu=ip[ICMP].nexthopmtu if ip[ICMP].type == 3 else None,
                qid=qid, ok=csum(raw(ip[ICMP])) == 0xffff)


def parse_h_udp(d):
    """UDP delivered to 192.0.0.1 after 6to4: tag from the payload."""
    ihl = (d[0] & 15) * 4
    pay = d[ihl + 8:ihl + 13]
    if not pay.startswith(b"HZ"):
        return None
    src = socket.inet_ntoa(d[12:16])
    dst = socket.inet_ntoa(d[16:20])
    ok = struct.unpack("!H", d[ihl + 6:ihl + 8])[0] == 0 or \
        l4_ok4(src, dst, 17, d[ihl:struct.unpack("!H", d[2:4])[0]])
    return dict(tag=pay.decode(), df=bool(d[6] & 0x40), ok=ok, src=src,
                ttl=d[8], tot=len(d))


def parse_p6(d):
    """IPv6 H sent to P: translations (tag in the payload, or the fragment
    ID) and the daemon's ICMPv6 errors (tag: the quoted flow label)."""
    if struct.unpack("!H", d[12:14])[0] != 0x86dd:
        return None
    ip = IPv6(d[14:])
    r = dict(src=ip.src, dst=ip.dst, nh=ip.nh, plen=ip.plen, hlim=ip.hlim,
             tag=None, fid=None, err=None, ok=True)
    if IPv6ExtHdrFragment in ip:
        # counted by the fragment ID: the IPv4 Identification (4.1)
        r["fid"] = ip[IPv6ExtHdrFragment].id
        return r
    if ip.nh == 58:
        t = raw(ip.payload)
        if t[0] < 128:
            q = IPv6(t[8:])
            r.update(err=(t[0], t[1], struct.unpack("!I", t[4:8])[0]), fl=q.fl,
                     ok=l4_ok6(ip.src, ip.dst, 58, t))
            return r
    if UDP in ip:
        pay = bytes(ip[UDP].payload)
        if pay.startswith(b"HZ"):
            r["tag"] = pay[:5].decode()
            r["ok"] = l4_ok6(ip.src, ip.dst, 17, raw(ip[UDP]))
    if r["tag"] is None and r["fid"] is None:
        return None
    return r


threads = [threading.Thread(target=reader, args=a, daemon=True) for a in
           ((hicmp, "h_icmp", parse_h_icmp), (hudp, "h_udp", parse_h_udp),
            (psock, "p6", parse_p6))]
for t in threads:
    t.start()


def drain_sink():
    while not stop.is_set():
        try:
            hsink.recv(70000)
        except socket.timeout:
            pass
        except OSError:
            return


threading.Thread(target=drain_sink, daemon=True).start()


def tx4(b, dst, refused=False):
    """Send b from H; refused: the host's own IPv4 stack must refuse it
    (EMSGSIZE: bigger than the CLAT route's MTU, with DF)."""
    try:
        htx.sendto(b, (dst, 0))
    except OSError as e:
        if refused and e.errno == errno.EMSGSIZE:
            return 1
        raise SystemExit("hostile.py: sending to %s: %s" % (dst, e))
    if refused:
        raise SystemExit("hostile.py: the host's stack sent a DF packet "
                         "bigger than the route's MTU to %s" % dst)
    return 0


def tx6(b):
    psock.send(ETH + b)


# ------------------------------------------------------------------ checks
fails = 0


def check(name, ok):
    global fails
    print(("ok   " if ok else "FAIL ") + name, flush=True)
    if not ok:
        fails += 1


REASONS = ("truncated bad_version bad_ihl bad_length bad_ipv4_header_checksum "
           "bad_ipv4_options bad_ipv6_extension_header bad_checksum bad_fragment "
           "source_not_clat destination_not_clat source_not_under_plat_prefix "
           "address_not_translatable ttl_expired too_big ipv4_source_route "
           "ipv6_routing_segments_left udp_zero_checksum_fragment "
           "udp_zero_checksum_ipv6 icmp_fragmented icmp_type_not_translated "
           "icmp_error_about_icmp_error icmp_error_inner_packet_bad "
           "icmp_of_the_other_family offloaded_packet_not_tcp "
           "output_too_large").split()
# Drops that arrive without being sent here: neighbour unreachability probes
# from P to the explicit address are queued too (see the report).
NOISY = {"source_not_under_plat_prefix"}

total = {"4to6": [0, 0], "6to4": [0, 0]}


def run(d, k):
    """Send kind k REPEAT times and check what the RFC says happens."""
    name, gen = k["name"], k["gen"]
    n = REPEAT
    marks = {key: len(v) for key, v in seen.items()}
    before = status()
    refused = 0
    for i in range(n):
        b, dst = gen(i)
        if d == "4to6":
            refused += tx4(b, dst, k.get("refused", False))
        else:
            tx6(b)
        if i % 20 == 19:
            time.sleep(0.002)   # paced: well below the queue's 1024
    total[d][0] += 1
    total[d][1] += n
    reason = k.get("reason")
    want_wire = n * k.get("wire", 0)
    reply = k.get("reply")
    wire_key = "p6" if d == "4to6" else "h_udp"
    reply_key = "h_icmp" if d == "4to6" else "p6"
    tag = k["tag"]

    def wire():
        return [x for x in seen[wire_key][marks[wire_key]:]
                if x.get("tag") == tag or (k.get("fid") is not None and x.get("fid") == k["fid"])
                or x.get("fid") in k.get("fids", ())]

    def replies():
        if d == "4to6":
            return [x for x in seen[reply_key][marks[reply_key]:] if x["qid"] == k["id"]]
        return [x for x in seen[reply_key][marks[reply_key]:]
                if x["err"] is not None and x.get("fl") == k["fl"]]

    xl = "translated_" + d
    deadline = time.time() + (0.3 if k.get("unqueued") else 3)
    while time.time() < deadline:
        after = status()
        got = after[reason] - before[reason] if reason else after[xl] - before[xl]
        if got >= n and len(wire()) >= want_wire and \
                (not reply or len(replies()) >= n):
            break
        time.sleep(0.03)
    time.sleep(0.05)            # anything extra arrives now, or never
    after = status()
    delta = {r: after[r] - before[r] for r in REASONS}
    w, rp = wire(), replies()
    label = "%s %s x%d" % (d, name, n)
    if k.get("refused"):
        check("%s: refused by the host's own stack (EMSGSIZE: %d of %d)"
              % (label, refused, n), refused == n)
    if k.get("unqueued"):
        moved = {r: v for r, v in delta.items() if v and r not in NOISY}
        check("%s: not queued: no drop counted (%s), nothing translated on the wire"
              % (label, moved or "none"), not moved and not w)
        errs = after["icmp_errors_sent"] - before["icmp_errors_sent"]
        check("%s: the daemon sent no ICMP error (counter +%d)" % (label, errs), errs == 0)
        return
    if reason:
        exact = delta[reason] >= n if reason in NOISY else delta[reason] == n
        check("%s: counted as %s (+%d)" % (label, reason, delta[reason]), exact)
    else:
        moved = {r: v for r, v in delta.items() if v and r not in NOISY}
        check("%s: no drop counted (%s)" % (label, moved or "none"), not moved)
        check("%s: translated (+%d)" % (label, after[xl] - before[xl]),
              after[xl] - before[xl] >= n)
    if want_wire or not reason:
        bad = bool(k.get("wire_bad"))
        check("%s: %d translated packets on the wire, %d expected, checksums %s"
              % (label, len(w), want_wire, "still wrong" if bad else "right"),
              len(w) == want_wire and all(x["ok"] != bad for x in w))
        if w and k.get("wcheck"):
            check("%s: translation as RFC 7915 says" % label, all(k["wcheck"](x) for x in w))
    errs = after["icmp_errors_sent"] - before["icmp_errors_sent"]
    if reply:
        good = [x for x in rp if reply(x)]
        check("%s: %d ICMP errors sent, %d right (want %d)" % (label, errs, len(good), n),
              errs == n and len(good) == n and len(rp) == n)
    else:
        check("%s: no ICMP error sent (counter +%d, seen %d)" % (label, errs, len(rp)),
              errs == 0 and not rp)


# ------------------------------------------------------------------ IPv4 kinds
def udp4(idx, **kw):
    return UDP(sport=5000 + idx, dport=6000 + idx, **kw)


kinds4 = []


def k4(name, build, dst=R4, **kw):
    idx = len(kinds4)
    ident = kw.pop("ident", 0xa000 + idx)
    tag = "HZ%03d" % idx
    kinds4.append(dict(name=name, id=ident, tag=tag, **kw,
                       gen=lambda i, b=build: (b(ident, tag), dst)))


def ip4(ident, **kw):
    return IP(src=C4, dst=kw.pop("dst", R4), id=ident, **kw)


def inner4(ident, **kw):
    """A packet from the remote to the CLAT, as the host would quote it."""
    return IP(src=kw.pop("src", R4), dst=kw.pop("dst", C4), id=ident, ttl=50, **kw) / \
        UDP(sport=53, dport=SINK) / (b"q" * 24)


def ttl_reply(x):
    return x["src"] == SELF4 and x["type"] == 11 and x["code"] == 0 and x["ok"]


def unreach(code, mtu=None):
    return lambda x: x["src"] == SELF4 and x["type"] == 3 and x["code"] == code and \
        x["ok"] and (mtu is None or x["mtu"] == mtu)


# malformed headers (RFC 791, RFC 7915 4.1: what cannot be parsed is dropped)
k4("truncated UDP header", lambda i, t: raw(ip4(i, proto=17) / b"\x13\x88\x17"))
kinds4[-1]["reason"] = "truncated"
k4("truncated TCP header", lambda i, t: raw(ip4(i, proto=6) / (b"\0" * 12)), reason="truncated")
k4("truncated ICMP header", lambda i, t: raw(ip4(i, proto=1) / b"\x08\0\0\0"), reason="truncated")
# hostile.sh's nft chain rewrites these selected by IP ID, after the kernel
# fixed length and checksum: total length past the end, below the IHL,
# IHL past the end, a wrong header checksum.
k4("total length bigger than the packet", lambda i, t: raw(ip4(i) / udp4(0) / t),
   ident=0xb001, reason="bad_length")
k4("total length smaller than the header", lambda i, t: raw(ip4(i) / udp4(0) / t),
   ident=0xb002, reason="bad_length")
k4("IHL bigger than the packet", lambda i, t: raw(ip4(i) / udp4(0) / t),
   ident=0xb003, reason="bad_ihl")
k4("bad IPv4 header checksum", lambda i, t: raw(ip4(i) / udp4(0) / t),
   ident=0xb004, reason="bad_ipv4_header_checksum")
# checksums and RFC 7915 4.5
k4("UDP checksum 0 (computed for IPv6)", lambda i, t: raw(ip4(i) / udp4(5, chksum=0) / t / (b"z" * 30)),
   wire=1)
k4("wrong UDP checksum (adjusted, stays wrong)",
   lambda i, t: raw(ip4(i) / udp4(6, chksum=0x1234) / t), wire=1, wire_bad=True)
k4("ICMP error with a wrong checksum",
   lambda i, t: raw(ip4(i) / ICMP(type=3, code=3, chksum=0x4321) / raw(inner4(i))),
   reason="bad_checksum")
k4("ICMPv6 carried in IPv4", lambda i, t: raw(ip4(i, proto=58) / (b"\x80\0\0\0" + b"\0" * 12)),
   reason="icmp_of_the_other_family")
# IPv4 options (RFC 7915 4.1: ignored, but an unexpired source route fails)
def opt4(i, t, opt, port):
    """UDP behind IPv4 options, its checksum from the plain header (scapy
    would sum a source route's last hop, RFC 791's final destination)."""
    udp = raw(IP(src=C4, dst=R4) / udp4(port) / t)[20:]
    return raw(ip4(i, proto=17, options=[IPOption(opt)]) / udp)


k4("option loose source route", lambda i, t: opt4(i, t, b"\x83\x07\x04\xcb\x00\x71\x09", 12),
   reason="ipv4_source_route", reply=unreach(5))
k4("option strict source route", lambda i, t: opt4(i, t, b"\x89\x07\x04\xcb\x00\x71\x09", 13),
   reason="ipv4_source_route", reply=unreach(5))
k4("option source route used up", lambda i, t: opt4(i, t, b"\x83\x07\x08\xcb\x00\x71\x09", 14),
   wire=1)
k4("option record route", lambda i, t: opt4(i, t, b"\x07\x0b\x04" + b"\0" * 8, 15), wire=1)
k4("option timestamp", lambda i, t: opt4(i, t, b"\x44\x0c\x05\x00" + b"\0" * 8, 16), wire=1)
k4("option router alert and unknown", lambda i, t: opt4(i, t, b"\x94\x04\0\0\x9e\x04\xab\xcd", 17),
   wire=1)
k4("option length 1", lambda i, t: raw(
    ip4(i, options=[IPOption(b"\x07\x01\0\0")]) / udp4(18) / t), reason="bad_ipv4_options")
k4("option length past the header", lambda i, t: raw(
    ip4(i, options=[IPOption(b"\x01\x44\x20\x05")]) / udp4(19) / t), reason="bad_ipv4_options")
k4("source route option length 2", lambda i, t: raw(
    ip4(i, options=[IPOption(b"\x83\x02\x01\x00")]) / udp4(20) / t), reason="bad_ipv4_options")
# TTL (RFC 7915 4.1: a router; Time Exceeded from 192.0.0.2)
k4("TTL 0", lambda i, t: raw(ip4(i, ttl=0) / udp4(21) / t), reason="ttl_expired", reply=ttl_reply)
k4("TTL 1", lambda i, t: raw(ip4(i, ttl=1) / udp4(22) / t), reason="ttl_expired", reply=ttl_reply)
k4("TTL 2 (leaves with hop limit 1)", lambda i, t: raw(ip4(i, ttl=2) / udp4(23) / t), wire=1,
   wcheck=lambda x: x["hlim"] == 1)
# destinations that cannot be translated (RFC 6877 6.3, RFC 1812 4.3.2.7:
# no error to or about addresses that do not name one host)
for nm, a, rep in (("multicast", "224.0.0.5", None),
                   ("broadcast", "255.255.255.255", None),
                   ("link-local", "169.254.7.7", unreach(13))):
    k4("destination " + nm, lambda i, t, a=a: raw(ip4(i, dst=a) / udp4(30) / t), dst=a,
       reason="address_not_translatable", reply=rep)
# the host's own addresses: routed to the host itself, never to the CLAT
# device, so the translator never sees them
for nm, a in (("loopback", "127.0.0.1"), ("0.0.0.0", "0.0.0.0"),
              ("the CLAT itself", C4)):
    k4("destination " + nm, lambda i, t, a=a: raw(ip4(i, dst=a) / udp4(30) / t), dst=a,
       unqueued=True)
# sizes around every boundary: IPv6 1280 (lowest), the uplink 1500 (the
# CLAT route's MTU is 1480: the host's own stack refuses DF and bigger,
# EMSGSIZE, and cuts what may be cut into IPv4 fragments first: 1500
# without DF arrives as 1480 + 40 bytes, and the first, bigger than 1280
# and not DF, becomes two IPv6 fragments, RFC 7915 4.1), DF and not
for size, df, wire, rs in ((1260, True, 1, None), (1261, False, 2, None), (1261, True, 1, None),
                           (1400, True, 1, None), (1400, False, 2, None),
                           (1480, True, 1, None), (1481, True, 0, "too_big"),
                           (1500, True, 0, "too_big"), (1500, False, 3, None)):
    k4("%d bytes %s" % (size, "DF" if df else "no DF"),
       lambda i, t, size=size, df=df: raw(ip4(i, flags="DF" if df else 0) / udp4(40) / t /
                                          (b"s" * (size - 33))),
       wire=wire, **({"refused": True, "unqueued": True} if rs else {}))
    if wire >= 2:
        kinds4[-1]["fid"] = kinds4[-1]["id"]
# ICMP the translator does not carry (RFC 7915 4.2)
k4("ICMP timestamp request", lambda i, t: raw(ip4(i) / ICMP(type=13) / (b"\0" * 12)),
   reason="icmp_type_not_translated")
k4("ICMP information request", lambda i, t: raw(ip4(i) / ICMP(type=15)), reason="icmp_type_not_translated")
k4("ICMP redirect", lambda i, t: raw(ip4(i) / ICMP(type=5, code=1) / raw(inner4(i))),
   reason="icmp_type_not_translated")
k4("ICMP source quench", lambda i, t: raw(ip4(i) / ICMP(type=4) / raw(inner4(i))),
   reason="icmp_type_not_translated")
k4("ICMP unreachable code 14", lambda i, t: raw(ip4(i) / ICMP(type=3, code=14) / raw(inner4(i))),
   reason="icmp_type_not_translated")
k4("ICMP parameter problem code 1", lambda i, t: raw(ip4(i) / ICMP(type=12, code=1) / raw(inner4(i))),
   reason="icmp_type_not_translated")
# ICMP errors quoting what they must not (RFC 7915 4.3, RFC 1812 4.3.2.7)
k4("ICMP error quoting an ICMP error", lambda i, t: raw(
    ip4(i) / ICMP(type=3, code=1) / raw(IP(src=R4, dst=C4, id=i) / ICMP(type=3, code=3) /
                                        raw(inner4(i)))), reason="icmp_error_about_icmp_error")
k4("ICMP error quoting another host's packet", lambda i, t: raw(
    ip4(i) / ICMP(type=3, code=3) / raw(inner4(i, dst="10.9.9.9"))),
   reason="icmp_error_inner_packet_bad")
k4("ICMP error quoting a loopback source", lambda i, t: raw(
    ip4(i) / ICMP(type=3, code=3) / raw(inner4(i, src="127.0.0.1"))),
   reason="icmp_error_inner_packet_bad")
k4("ICMP error quoting nothing", lambda i, t: raw(ip4(i) / ICMP(type=3, code=3)),
   reason="icmp_error_inner_packet_bad")
k4("ICMP error with a truncated quote", lambda i, t: raw(
    ip4(i) / ICMP(type=11, code=0) / raw(inner4(i))[:14]), reason="icmp_error_inner_packet_bad")
# fragments: the daemon's ip table keeps IPv4 conntrack on in every mode
# (a firewall loaded later must find the CLAT's flows established), so the
# kernel reassembles IPv4 fragments in output (NOTES.md), then cuts them
# again as they came (Linux keeps the largest fragment's size) on the way
# to the CLAT device: tiny ones reach the translator as four 8-byte
# fragments and leave as four IPv6 fragments, Fragment Header and
# Identification kept (RFC 7915 4.1); a datagram with overlapping
# fragments is thrown away whole by the kernel (as Linux does since 4.19)
# and never reaches it. One Identification per datagram, so each is
# reassembled on its own.
k4("tiny fragments (8 bytes each)", None, wire=4, fids=set(range(0x6000, 0x6000 + 64)))
k4("overlapping fragments", None, unqueued=True)


def frags4(k, overlap):
    def gen(i):
        ident = 0x6000 + i + (0x100 if overlap else 0)
        # all fragments of datagram i; the last is returned, the rest sent
        body = raw(ip4(ident) / udp4(50) / k["tag"] / (b"f" * 19))[20:]
        out = []
        for off in range(0, len(body), 8):
            more = off + 8 < len(body)
            out.append(raw(IP(src=C4, dst=R4, id=ident, flags="MF" if more else 0,
                              frag=off // 8, proto=17) / body[off:off + 8]))
            if overlap and off == 8:
                # bytes 8-23 again, 8-15 already here: an overlap, not a
                # duplicate (which receivers ignore)
                out.append(raw(IP(src=C4, dst=R4, id=ident, flags="MF", frag=1, proto=17) /
                               (b"X" * 16)))
        for b in out[:-1]:
            tx4(b, R4)
        return out[-1], R4
    k["gen"] = gen


frags4(kinds4[-2], False)
frags4(kinds4[-1], True)

# ------------------------------------------------------------------ IPv6 kinds
kinds6 = []


def k6(name, build, **kw):
    idx = len(kinds6)
    fl = 0xa0000 + idx if "fl" not in kw else kw.pop("fl")
    tag = "HZ%03d" % (500 + idx)
    kinds6.append(dict(name=name, fl=fl, tag=tag, **kw,
                       gen=lambda i, b=build: (b(fl, tag), None)))


def ip6(fl, src=R6, **kw):
    return IPv6(src=src, dst=C6, fl=fl, **kw)


def udp6(t, **kw):
    return UDP(sport=53, dport=SINK, **kw) / t


def v4_of(a):
    return socket.inet_ntoa(socket.inet_pton(socket.AF_INET6, a)[12:])


def inner6(**kw):
    """A packet from the CLAT to the remote, as a router would quote it."""
    return IPv6(src=kw.pop("src", C6), dst=kw.pop("dst", R6), hlim=3, **kw) / \
        UDP(sport=SINK, dport=53) / (b"q" * 24)


def ttl6_reply(x):
    return x["src"] == C6 and x["err"][:2] == (3, 0) and x["ok"]


def icmp6(typ, code, body, fl, src=R6, **kw):
    """An ICMPv6 message with its checksum right (scapy's default)."""
    return ip6(fl, src=src, **kw) / ICMPv6Unknown(type=typ, code=code, msgbody=body)


k6("truncated UDP header", lambda f, t: raw(ip6(f, nh=17) / b"\0\x35\x9c"), reason="truncated")
k6("truncated TCP header", lambda f, t: raw(ip6(f, nh=6) / (b"\0" * 12)), reason="truncated")
k6("truncated ICMPv6 header", lambda f, t: raw(ip6(f, nh=58) / b"\x80\0\0\0"), reason="truncated")
# hostile.sh's nft chain sets the payload length, selected by flow label:
# past the end, zero (a jumbogram without its option), below the UDP header
k6("payload length bigger than the packet", lambda f, t: raw(ip6(f) / udp6(t)), fl=0xb0001,
   reason="bad_length")
k6("payload length 0", lambda f, t: raw(ip6(f) / udp6(t)), fl=0xb0002, reason="bad_length")
k6("payload length smaller than the UDP header", lambda f, t: raw(ip6(f) / udp6(t)), fl=0xb0003,
   reason="truncated")
k6("UDP checksum 0 (invalid in IPv6)", lambda f, t: raw(ip6(f) / udp6(t, chksum=0)),
   reason="udp_zero_checksum_ipv6")
k6("wrong UDP checksum (adjusted, stays wrong)", lambda f, t: raw(ip6(f) / udp6(t, chksum=0x1234)),
   wire=1, wire_bad=True)
k6("ICMPv6 error with a wrong checksum", lambda f, t: raw(
    ip6(f) / ICMPv6DestUnreach(code=4, cksum=0x4321) / raw(inner6())), reason="bad_checksum")
k6("ICMPv4 carried in IPv6", lambda f, t: raw(ip6(f, nh=1) / raw(ICMP(type=8))),
   reason="icmp_of_the_other_family")
# extension headers (RFC 7915 5.1)
k6("hop-by-hop options", lambda f, t: raw(ip6(f) / IPv6ExtHdrHopByHop() / udp6(t)), wire=1)
k6("routing header, segments left 0", lambda f, t: raw(
    ip6(f) / IPv6ExtHdrRouting(addresses=["2001:db8::1"], segleft=0) / udp6(t)), wire=1)
k6("routing header, segments left 1", lambda f, t: raw(
    ip6(f) / IPv6ExtHdrRouting(addresses=["2001:db8::1"], segleft=1) / udp6(t)),
   reason="ipv6_routing_segments_left",
   reply=lambda x: x["src"] == C6 and x["err"] == (4, 0, 43) and x["ok"])
k6("destination options", lambda f, t: raw(ip6(f) / IPv6ExtHdrDestOpt() / udp6(t)), wire=1)
k6("atomic fragment", lambda f, t: raw(ip6(f) / IPv6ExtHdrFragment(id=7) / udp6(t)), wire=1)
k6("long chain: hop-by-hop, 3 destination options, routing, destination options",
   lambda f, t: raw(ip6(f) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                    IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[], segleft=0) /
                    IPv6ExtHdrDestOpt() / udp6(t)), wire=1)
k6("chain cut inside a header", lambda f, t: raw(ip6(f, nh=60) / b"\x11\x05\0\0\0\0\0\0\0\0"),
   reason="bad_ipv6_extension_header")
k6("chain cut after a header", lambda f, t: raw(ip6(f) / IPv6ExtHdrDestOpt(nh=43)),
   reason="bad_ipv6_extension_header")
k6("hop-by-hop not first", lambda f, t: raw(ip6(f) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() /
                                           udp6(t)), reason="bad_ipv6_extension_header")
k6("two fragment headers", lambda f, t: raw(ip6(f) / IPv6ExtHdrFragment(nh=44, id=1) /
                                           IPv6ExtHdrFragment(id=2) / udp6(t)),
   reason="bad_ipv6_extension_header")
k6("AH (passed on, RFC 7915 5.5)", lambda f, t: raw(
    ip6(f, nh=51) / (b"\x11\x04\0\0" + b"\0" * 20) / udp6(t)), wire=0)
k6("ESP", lambda f, t: raw(ip6(f, nh=50) / (b"\0" * 40)), wire=0)
k6("unknown next header 253", lambda f, t: raw(ip6(f, nh=253) / (b"\0" * 40)), wire=0)
# hop limit (RFC 7915 5.1: Time Exceeded from the CLAT address)
k6("hop limit 0", lambda f, t: raw(ip6(f, hlim=0) / udp6(t)), reason="ttl_expired", reply=ttl6_reply)
k6("hop limit 1", lambda f, t: raw(ip6(f, hlim=1) / udp6(t)), reason="ttl_expired", reply=ttl6_reply)
# sources under the prefix that embed what is not translatable
for nm, a in (("the CLAT's own address", C4), ("loopback", "127.0.0.1"),
              ("multicast", "224.0.0.1"), ("0.0.0.0", "0.0.0.0"),
              ("broadcast", "255.255.255.255"), ("link-local", "169.254.1.1")):
    s6 = PFX + "%x:%x" % tuple(struct.unpack("!HH", socket.inet_aton(a)))
    k6("source embedding " + nm, lambda f, t, s6=s6: raw(ip6(f, src=s6) / udp6(t)),
       reason="address_not_translatable")
# Not even queued: the rules take IPv6 only from the PLAT prefix (and
# ICMPv6 errors from anywhere), so this one is the host's to answer.
k6("source outside the prefix", lambda f, t: raw(ip6(f, src="2001:db8:99::1") / udp6(t)),
   unqueued=True)
# ICMPv6 the translator does not carry (RFC 7915 5.2)
k6("MLD query", lambda f, t: raw(icmp6(130, 0, b"\0" * 20, f)), reason="icmp_type_not_translated")
k6("neighbour solicitation", lambda f, t: raw(icmp6(135, 0, b"\0" * 20, f)),
   reason="icmp_type_not_translated")
k6("unknown informational type 200", lambda f, t: raw(icmp6(200, 0, b"\0" * 4, f)),
   reason="icmp_type_not_translated")
k6("unreachable code 6", lambda f, t: raw(icmp6(1, 6, b"\0" * 4 + raw(inner6()), f)),
   reason="icmp_type_not_translated")
k6("parameter problem code 2", lambda f, t: raw(icmp6(4, 2, b"\0" * 4 + raw(inner6()), f)),
   reason="icmp_type_not_translated")
k6("unknown error type 100", lambda f, t: raw(icmp6(100, 0, b"\0" * 4 + raw(inner6()), f)),
   reason="icmp_type_not_translated")
# ICMPv6 errors quoting what they must not (RFC 7915 5.3, RFC 4443 2.4)
k6("ICMPv6 error quoting an ICMPv6 error", lambda f, t: raw(
    ip6(f) / ICMPv6DestUnreach(code=0) / raw(IPv6(src=C6, dst=R6) / ICMPv6TimeExceeded() /
                                             raw(inner6()))),
   reason="icmp_error_about_icmp_error")
k6("ICMPv6 error quoting another host's packet", lambda f, t: raw(
    ip6(f) / ICMPv6DestUnreach(code=4) / raw(inner6(src="2001:db8:1::99"))),
   reason="icmp_error_inner_packet_bad")
k6("ICMPv6 error quoting a packet to an embedded loopback", lambda f, t: raw(
    ip6(f) / ICMPv6DestUnreach(code=4) / raw(inner6(dst=PFX + "7f00:1"))),
   reason="icmp_error_inner_packet_bad")
k6("ICMPv6 error quoting nothing", lambda f, t: raw(ip6(f) / ICMPv6DestUnreach(code=4)),
   reason="icmp_error_inner_packet_bad")
k6("ICMPv6 error with a truncated quote", lambda f, t: raw(
    ip6(f) / ICMPv6TimeExceeded() / raw(inner6())[:20]), reason="icmp_error_inner_packet_bad")
k6("ICMPv6 error about an error, hop limit 1 (no answer)", lambda f, t: raw(
    ip6(f, hlim=1) / ICMPv6DestUnreach(code=4) / raw(inner6())), reason="ttl_expired")
# translated errors: a router outside the prefix (RFC 7600: from
# 192.0.0.8), Packet Too Big (RFC 7915 5.2: MTU - 20)
k6("ICMPv6 error from a router outside the prefix", lambda f, t: raw(
    ip6(f, src=ROUTER6) / ICMPv6TimeExceeded() / raw(inner6())), icmp4=(DUMMY4, 11, 0, None))
k6("Packet Too Big, MTU 1400", lambda f, t: raw(
    ip6(f, src=ROUTER6) / ICMPv6PacketTooBig(mtu=1400) / raw(inner6())), icmp4=(DUMMY4, 3, 4, 1380))
k6("Packet Too Big, MTU 0", lambda f, t: raw(
    ip6(f) / ICMPv6PacketTooBig(mtu=0) / raw(inner6())), icmp4=(R4, 3, 4, 68))
# sizes: DF above 1260 bytes of IPv4 (RFC 7915 5.1), up to the uplink MTU
for size in (1280, 1281, 1400, 1500):
    k6("%d bytes" % size, lambda f, t, size=size: raw(ip6(f) / udp6(t) / (b"s" * (size - 53))),
       wire=1, wcheck=lambda x, size=size: x["df"] == (size - 20 > 1260) and x["tot"] == size - 20)
k6("TCP SYN with MSS 1 and a lying data offset", lambda f, t: raw(
    ip6(f) / TCP(sport=80, dport=SINK, flags="S", dataofs=15, options=[("MSS", 1)])), wire=0)
# fragments, each translated on its own (no conntrack in explicit mode):
# H's IPv4 reassembles the tiny ones and throws the overlapping ones away
# (RFC 791, as Linux does since RFC 5722)
k6("tiny fragments (8 bytes each)", None, wire=1)
k6("overlapping fragments", None, wire=0)


def frags6(k, overlap):
    def gen(i):
        ident = 0x5000 + i + (0x1000 if overlap else 0)
        body = raw(ip6(k["fl"]) / udp6(k["tag"] + "-" + "f" * 18))[40:]
        out = []
        for off in range(0, len(body), 8):
            more = off + 8 < len(body)
            out.append(raw(ip6(k["fl"]) / IPv6ExtHdrFragment(nh=17, id=ident, offset=off // 8, m=int(more))
                           / body[off:off + 8]))
            if overlap and off == 8:
                out.append(raw(ip6(k["fl"]) / IPv6ExtHdrFragment(nh=17, id=ident, offset=1, m=1) /
                               (b"X" * 16)))
        for b in out[:-1]:
            tx6(b)
        return out[-1], None
    k["gen"] = gen


frags6(kinds6[-2], False)
frags6(kinds6[-1], True)

# ------------------------------------------------------------------ shared mode
# Only flows the CLAT started reach the daemon: H sends UDP to the remote,
# then P sends hostile packets on that flow's reverse 5-tuple, and errors
# about it (conntrack: related).
kinds_sh = []
H6 = C6
SPORT = 40100


def ksh(name, build, **kw):
    idx = len(kinds_sh)
    fl = 0xc0000 + idx
    tag = "HZ%03d" % (800 + idx)
    kinds_sh.append(dict(name=name, fl=fl, tag=tag, **kw,
                         gen=lambda i, b=build: (b(fl, tag), None)))


def rev(fl, **kw):
    return IPv6(src=R6, dst=H6, fl=fl, **kw)


def flow_inner():
    return IPv6(src=H6, dst=R6, hlim=3) / UDP(sport=SPORT, dport=7777) / (b"q" * 24)


def rudp(t, **kw):
    return UDP(sport=7777, dport=SPORT, **kw) / t


ksh("reply on the flow (ordinary)", lambda f, t: raw(rev(f) / rudp(t)), wire=1)
ksh("reply on the flow, hop limit 1", lambda f, t: raw(rev(f, hlim=1) / rudp(t)),
    reason="ttl_expired", reply=lambda x: x["src"] == H6 and x["err"][:2] == (3, 0) and x["ok"])
ksh("reply on the flow, long extension chain", lambda f, t: raw(
    rev(f) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[], segleft=0) /
    IPv6ExtHdrDestOpt() / rudp(t)), wire=1)
ksh("reply on the flow, hop-by-hop not first", lambda f, t: raw(
    rev(f) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / rudp(t)),
    reason="bad_ipv6_extension_header")
ksh("error about the flow from a router, hop limit 1 (no answer)", lambda f, t: raw(
    IPv6(src=ROUTER6, dst=H6, fl=f, hlim=1) / ICMPv6DestUnreach(code=0) / raw(flow_inner())),
    reason="ttl_expired")
ksh("Packet Too Big about the flow, MTU 100", lambda f, t: raw(
    IPv6(src=ROUTER6, dst=H6, fl=f) / ICMPv6PacketTooBig(mtu=100) / raw(flow_inner())),
    icmp4=(DUMMY4, 3, 4, 80))
ksh("error about the flow with an unknown code", lambda f, t: raw(
    IPv6(src=ROUTER6, dst=H6, fl=f) / ICMPv6DestUnreach(code=6) / raw(flow_inner())),
    reason="icmp_type_not_translated")


def icmp4_kind(k):
    """Kinds whose translation is an ICMPv4 error delivered to H."""
    src, typ, code, mtu = k["icmp4"]
    k["reason"] = None
    k["wire"] = 0

    def ok(x):
        return x["src"] == src and x["type"] == typ and x["code"] == code and x["ok"] and \
            (mtu is None or x["mtu"] == mtu)
    k["icmp4_ok"] = ok


def run_icmp4(d, k):
    """A translated ICMPv6 error: one correct ICMPv4 error at H per packet,
    no drop, nothing sent back."""
    marks = len(seen["h_icmp"])
    before = status()
    for i in range(REPEAT):
        b, _ = k["gen"](i)
        tx6(b)
        if i % 20 == 19:
            time.sleep(0.002)
    total[d][0] += 1
    total[d][1] += REPEAT
    deadline = time.time() + 3

    def got():
        return [x for x in seen["h_icmp"][marks:] if x["qid"] == 0 or x["type"] in (3, 11)]
    while time.time() < deadline and len([x for x in got() if k["icmp4_ok"](x)]) < REPEAT:
        time.sleep(0.03)
    time.sleep(0.05)
    after = status()
    g = got()
    good = [x for x in g if k["icmp4_ok"](x)]
    moved = {r: after[r] - before[r] for r in REASONS if after[r] != before[r] and r not in NOISY}
    label = "%s %s x%d" % (d, k["name"], REPEAT)
    check("%s: translated to ICMPv4 %s (%d of %d right, %d seen)" % (label, k["icmp4"], len(good), REPEAT, len(g)),
          len(good) == REPEAT and len(g) == REPEAT)
    check("%s: no drop counted (%s), no ICMP error sent" % (label, moved or "none"),
          not moved and after["icmp_errors_sent"] == before["icmp_errors_sent"])


def go(d, kinds):
    for k in kinds:
        if "icmp4" in k:
            icmp4_kind(k)
            run_icmp4(d, k)
        else:
            run(d, k)


try:
    if MODE == "explicit":
        go("4to6", kinds4)
        go("6to4", kinds6)
    else:
        # open the flow: one datagram from 192.0.0.1 through the daemon
        def opener():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((C4, SPORT))
            s.sendto(b"open", (R4, 7777))
            return s
        fs = in_ns(NS_H, opener)
        time.sleep(0.3)
        go("6to4", kinds_sh)
        fs.close()
finally:
    stop.set()
    time.sleep(0.25)
for d, (nk, npk) in total.items():
    if nk:
        print("sent %s %d %d" % (d, nk, npk))
sys.exit(1 if fails else 0)
