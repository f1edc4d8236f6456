#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the fuzzers' seed corpus: one file per packet kind, both directions.

Run with Debian's python (scapy): /usr/bin/python3 tests/fuzz/seeds.py
The files are committed under tests/fuzz/corpus/<target>/."""
import os
import sys
from scapy.all import (IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest,
                       ICMPv6EchoReply, ICMPv6DestUnreach, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, ICMPv6ParamProblem,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPOption, raw)

C4, C6 = "192.0.0.1", "2001:db8:1::2"
R4, R6 = "203.0.113.1", "2001:db8:64::cb00:7101"
ROUTER6 = "2001:db8:99::1"

v4 = {
    "tcp": IP(src=C4, dst=R4, flags="DF") / TCP(flags="S") / (b"x" * 40),
    "udp": IP(src=C4, dst=R4) / UDP(sport=5, dport=53) / (b"q" * 20),
    "udp0": IP(src=C4, dst=R4) / UDP(sport=5, dport=53, chksum=0) / b"q",
    "echo": IP(src=C4, dst=R4) / ICMP(type=8, id=1, seq=1) / b"ping",
    "frag1": IP(src=C4, dst=R4, flags="MF", id=9) / UDP() / (b"a" * 64),
    "frag2": IP(src=C4, dst=R4, frag=9, id=9, proto=17) / (b"b" * 32),
    "big": IP(src=C4, dst=R4) / UDP() / (b"c" * 3000),
    "opts": IP(src=C4, dst=R4, options=[IPOption(b"\x83\x07\x04" + bytes(4))]) / UDP(),
    "ttl1": IP(src=C4, dst=R4, ttl=1) / UDP(),
    "unreach": IP(src=C4, dst=R4) / ICMP(type=3, code=3) /
        IP(src=R4, dst=C4) / UDP(sport=53, dport=5) / (b"r" * 8),
    "fragneeded": IP(src=C4, dst=R4) / ICMP(type=3, code=4, nexthopmtu=0) /
        IP(src=R4, dst=C4, len=1500) / TCP(),
    "paramprob": IP(src=C4, dst=R4) / ICMP(type=12, code=0, ptr=8) /
        IP(src=R4, dst=C4) / ICMP(type=0) / (b"e" * 8),
}
v6 = {
    "tcp": IPv6(src=R6, dst=C6) / TCP(flags="SA") / (b"x" * 40),
    "udp": IPv6(src=R6, dst=C6) / UDP(sport=53, dport=5) / (b"q" * 20),
    "echo": IPv6(src=R6, dst=C6) / ICMPv6EchoReply(id=1, seq=1, data=b"ping"),
    "exthdrs": IPv6(src=R6, dst=C6) / IPv6ExtHdrHopByHop() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(segleft=0) / UDP(),
    "segleft": IPv6(src=R6, dst=C6) / IPv6ExtHdrRouting(addresses=[R6], segleft=1) / UDP(),
    "frag1": IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(m=1, id=0x12345678) / UDP() / (b"a" * 64),
    "frag2": IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(offset=9, id=0x12345678, nh=17) / (b"b" * 32),
    "hlim1": IPv6(src=R6, dst=C6, hlim=1) / UDP(),
    "timex": IPv6(src=ROUTER6, dst=C6) / ICMPv6TimeExceeded() /
        IPv6(src=C6, dst=R6, hlim=1) / UDP(sport=33434, dport=33435),
    "ptb": IPv6(src=R6, dst=C6) / ICMPv6PacketTooBig(mtu=1400) /
        IPv6(src=C6, dst=R6) / IPv6ExtHdrFragment(m=1) / TCP() / (b"p" * 1100),
    "unreach": IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=4) /
        IPv6(src=C6, dst=R6) / ICMPv6EchoRequest(data=b"e" * 8),
    "paramprob": IPv6(src=R6, dst=C6) / ICMPv6ParamProblem(code=0, ptr=7) /
        IPv6(src=C6, dst=R6) / UDP(),
}

# RFC 4884: errors with an extension structure (version 2, checksum, one
# RFC 5837 interface object), compliant and length-0, and IPv6-only
# protocol numbers outer and quoted.
def ext(obj=b"\x00\x0c\x02\x09" + bytes(3) + b"\x07" + (1500).to_bytes(4, "big")):
    from scapy.utils import checksum
    h = b"\x20\x00\x00\x00" + obj
    return h[:2] + checksum(h).to_bytes(2, "big") + h[4:]


q4 = raw(IP(src=R4, dst=C4) / UDP(sport=53, dport=5) / (b"r" * 40))
q6 = raw(IPv6(src=C6, dst=R6, hlim=1) / UDP(sport=33434, dport=33435) / (b"t" * 20))
v4["ext"] = IP(src=C4, dst=R4) / ICMP(type=11, code=0, length=32) / (q4 + bytes(128 - len(q4)) + ext())
v4["ext0"] = IP(src=C4, dst=R4) / ICMP(type=3, code=3) / (q4 + bytes(128 - len(q4)) + ext())
v4["proto44"] = IP(src=C4, dst=R4, proto=44) / (b"f" * 16)
v4["inner43"] = IP(src=C4, dst=R4) / ICMP(type=3, code=1) / IP(src=R4, dst=C4, proto=43) / (b"g" * 8)
v6["ext"] = IPv6(src=ROUTER6, dst=C6) / ICMPv6TimeExceeded(length=16) / (q6 + bytes(128 - len(q6)) + ext())
v6["ext0"] = IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=4) / (q6 + bytes(128 - len(q6)) + ext())
v6["inner1"] = IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=4) / IPv6(src=C6, dst=R6, nh=1) / (b"h" * 8)

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
for target, pkts in (("fuzz_4to6", v4), ("fuzz_6to4", v6)):
    d = os.path.join(top, target)
    os.makedirs(d, exist_ok=True)
    for name, p in pkts.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(raw(p))
print("seeds written to", top, file=sys.stderr)
