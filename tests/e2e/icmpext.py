#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""RFC 4884 ICMP extensions end to end (tests/e2e/rfc.sh): a router sends
an ICMP Time Exceeded that carries an RFC 5837 Interface Information
object, and the receiver on the other side of the CLAT checks that the
translated error keeps the extension byte for byte, with a length
attribute that matches the padded original datagram field.

  icmpext.py router6 IFACE ROUTER6   (in P) wait for the CLAT's UDP probe to
                                     port 33434 on IFACE, answer it with an
                                     ICMPv6 Time Exceeded with an extension
  icmpext.py recv4 SECONDS           (in H) an ICMPv4 Time Exceeded arrives
  icmpext.py router4 REMOTE4         (in H) send an ICMPv4 Time Exceeded from
                                     the CLAT address about a packet REMOTE4
                                     sent, with an extension
  icmpext.py recv6 SECONDS           (in P) an ICMPv6 Time Exceeded arrives
"""
import select
import socket
import sys
import time

from scapy.all import IP, IPv6, UDP, Raw, conf, raw, send, sniff
from scapy.utils import checksum

conf.verb = 0
CLAT4 = "192.0.0.1"


def ext():
    """RFC 4884 section 7 header (version 2) and one RFC 5837 object:
    class 2, c-type ifIndex + MTU (0x09), ifIndex 7, MTU 1500."""
    obj = (12).to_bytes(2, "big") + bytes([2, 0x09]) + (7).to_bytes(4, "big") + (1500).to_bytes(4, "big")
    h = bytes([0x20, 0, 0, 0]) + obj
    return h[:2] + checksum(h).to_bytes(2, "big") + h[4:]


def pad(b, word):
    n = max(128, -(-len(b) // word) * word)
    return b + bytes(n - len(b))


def icmp(typ, code, rest, body):
    return bytes([typ, code, 0, 0]) + rest + body


def router6(iface, src):
    probe = sniff(iface=iface, count=1, timeout=20, started_callback=ready,
                  lfilter=lambda p: IPv6 in p and UDP in p and p[UDP].dport == 33434)
    if not probe:
        print("no probe seen"); return 1
    quoted = raw(probe[0][IPv6])
    field = pad(quoted, 8)
    body = icmp(3, 0, bytes([len(field) // 8, 0, 0, 0]), field + ext())
    p = IPv6(src=src, dst=probe[0][IPv6].src, nh=58) / Raw(body)
    # scapy computes the ICMPv6 checksum only for its own classes
    from scapy.all import in6_chksum
    c = in6_chksum(58, p, body)
    body = body[:2] + c.to_bytes(2, "big") + body[4:]
    send(IPv6(src=src, dst=probe[0][IPv6].src, nh=58) / Raw(body))
    print("sent")
    return 0


def ready():
    print("ready", flush=True)


def check(msg, word, lenoff):
    """msg: the ICMP message (header on). Returns a list of complaints."""
    bad = []
    if msg[0] != (11 if word == 4 else 3):
        bad.append("type %d" % msg[0])
    attr = msg[lenoff] * word
    if attr < 128:
        bad.append("length attribute %d words" % msg[lenoff])
    if msg[8 + attr:] != ext():
        bad.append("extension not intact: %s" % msg[8 + attr:].hex())
    if checksum(msg[8 + attr:]) != 0:
        bad.append("extension checksum")
    return bad


def recv(family, secs):
    if family == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    ready()
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            break
        b = s.recv(65535)
        msg = b[(b[0] & 15) * 4:] if family == 4 else b
        if msg[0] != (11 if family == 4 else 3):
            continue
        bad = check(msg, 4 if family == 4 else 8, 5 if family == 4 else 4)
        if family == 4 and checksum(msg) != 0:
            bad.append("ICMPv4 checksum")
        print("received %d bytes, length attribute %d: %s" % (
            len(msg), msg[5 if family == 4 else 4], "; ".join(bad) or "extension intact"))
        return 1 if bad else 0
    print("nothing received")
    return 1


def router4(remote4):
    quoted = raw(IP(src=remote4, dst=CLAT4, ttl=1, id=7) / UDP(sport=33434, dport=40000) / (b"q" * 32))
    field = pad(quoted, 4)
    body = icmp(11, 0, bytes([0, len(field) // 4, 0, 0]), field + ext())
    body = body[:2] + checksum(body).to_bytes(2, "big") + body[4:]
    # Through the host's IP stack (its output hook queues it to the CLAT):
    # scapy's own L3 sender on Linux writes to a packet socket, past it.
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(raw(IP(src=CLAT4, dst=remote4, proto=1) / Raw(body)), (remote4, 0))
    print("sent")
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "router6":
        sys.exit(router6(sys.argv[2], sys.argv[3]))
    if cmd == "recv4":
        sys.exit(recv(4, float(sys.argv[2])))
    if cmd == "router4":
        sys.exit(router4(sys.argv[2]))
    if cmd == "recv6":
        sys.exit(recv(6, float(sys.argv[2])))
    sys.exit(2)
