#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send IPv6 router advertisements carrying PREF64 (RFC 8781), as a router
would: radvd 2.19 cannot (see ../shared/NOTES.md). Optionally a Prefix
Information option for SLAAC (RFC 4861 4.6.2).

usage: ra_send.py IFACE PREFIX/LEN LIFETIME [--pio P/64] [--every S] [--count N]
                  [--src LINK-LOCAL]

--src sends from another link-local address of IFACE: a second router on
the same link.

Runs until killed (or N advertisements). The kernel fills in the checksum;
hop limit 255 as RFC 4861 requires; the source is the link-local address.
"""
import argparse
import ipaddress
import socket
import struct
import time

PLC = {96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}


def pref64(prefix, lifetime):
    net = ipaddress.IPv6Network(prefix)
    units = min((lifetime + 7) // 8, 8191)
    return struct.pack("!BBH", 38, 2, units << 3 | PLC[net.prefixlen]) + \
        net.network_address.packed[:12]


def pio(prefix):
    net = ipaddress.IPv6Network(prefix)
    # on-link and autonomous, valid 1 day, preferred 1 hour
    return struct.pack("!BBBBIII", 3, 4, net.prefixlen, 0xc0, 86400, 3600,
                       0) + net.network_address.packed


def main():
    a = argparse.ArgumentParser()
    a.add_argument("iface")
    a.add_argument("prefix")
    a.add_argument("lifetime", type=int)
    a.add_argument("--pio")
    a.add_argument("--every", type=float, default=1.0)
    a.add_argument("--count", type=int, default=0)
    a.add_argument("--src")
    o = a.parse_args()
    # type 134, code 0, checksum (kernel), cur hop limit 64, flags 0,
    # router lifetime 0 (not a default router: the lab routes statically),
    # reachable time 0, retrans timer 0
    msg = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
    msg += pref64(o.prefix, o.lifetime)
    if o.pio:
        msg += pio(o.pio)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    idx = socket.if_nametoindex(o.iface)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    if o.src:
        s.bind((o.src, 0, 0, idx))
    n = 0
    while True:
        s.sendto(msg, ("ff02::1", 0, 0, idx))
        n += 1
        if o.count and n >= o.count:
            break
        time.sleep(o.every)


if __name__ == "__main__":
    main()
