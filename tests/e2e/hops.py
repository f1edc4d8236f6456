#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# One UDP datagram and its hop count, for the ingress fast path's checks.
#   hops.py recv ADDR4 PORT        waits 5 s for one datagram on ADDR4:PORT
#                                  and prints "ttl N" (IP_RECVTTL)
#   hops.py send SRC6 DST6 PORT H  sends one from SRC6 with hop limit H and
#                                  prints the ICMPv6 error that came back
#                                  within 2 s ("error TYPE CODE"), or "sent"
import select
import socket
import struct
import sys

IPV6_RECVERR = 25
IP_RECVTTL = 12


def recv(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.bind((addr, port))
    s.settimeout(5)
    try:
        data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
    except socket.timeout:
        print("nothing")
        return
    for level, kind, v in anc:
        if level == socket.IPPROTO_IP and kind == socket.IP_TTL:
            print("ttl %d %s" % (struct.unpack("i", v[:4])[0], data.decode()))


def send(src, dst, port, hops):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
    s.bind((src, 0))
    s.sendto(b"hops", (dst, port))
    r, _, _ = select.select([s], [], [], 2)
    if not r:
        print("sent")
        return
    try:
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
    except OSError:
        print("sent")
        return
    for level, kind, v in anc:
        if level == socket.IPPROTO_IPV6 and kind == IPV6_RECVERR:
            # struct sock_extended_err: errno, origin, type, code
            _, origin, typ, code = struct.unpack("IBBB", v[:7])
            print("error %d %d" % (typ, code))
            return
    print("sent")


if sys.argv[1] == "recv":
    recv(sys.argv[2], int(sys.argv[3]))
else:
    send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
