#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet vectors for the translation core, built with scapy.

Every case builds its input AND its expected output field by field from the
RFC rule it names (scapy computes the checksums), never by running the C
code. The output is a C header for tests/unit/test_vectors.c:

    make vectors        (= /usr/bin/python3 tests/vectors/gen.py tests/unit/vectors.h)
"""
import sys
from scapy.all import (IP, IPv6, TCP, UDP, ICMP, Raw, IPOption,
                       ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach,
                       ICMPv6PacketTooBig, ICMPv6TimeExceeded,
                       ICMPv6ParamProblem, ICMPv6Unknown, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, raw, in4_chksum, in6_chksum)
from scapy.utils import checksum

C4, C6 = "192.0.0.1", "2001:db8:1::2"          # CLAT addresses (preset A)
R4, R6 = "203.0.113.1", "2001:db8:64::cb00:7101"  # remote, under 2001:db8:64::/96
SELF4, DUMMY4 = "192.0.0.2", "192.0.0.8"       # translator's own / RFC 7600
ROUTER6 = "2001:db8:ffff::1"                   # an IPv6 router outside the prefix
PAY = bytes(range(48, 48 + 40))

cases = []
IGNORE_IPID = 1


def case(name, rfc, d, inp, verdict="FORWARD", reason="NONE", out=(), cfg="A",
         flags=0):
    cases.append(dict(name=name, rfc=rfc, d=d, inp=raw(inp) if not isinstance(inp, bytes) else inp,
                      verdict=verdict, reason=reason,
                      out=[raw(o) if not isinstance(o, bytes) else o for o in out],
                      cfg=cfg, flags=flags))


def err4(orig, typ, code, **kw):
    """RFC 7915 4.4 / design: ICMPv4 error from the translator (192.0.0.2),
    quoting the packet, whole error <= 576 bytes."""
    q = raw(orig)[:576 - 28]
    return IP(src=SELF4, dst=IP(raw(orig)).src, ttl=64, id=0, flags=0) / \
        ICMP(type=typ, code=code, **kw) / Raw(q)


def err6(orig, typ, **kw):
    """RFC 7915 5.4 / RFC 4443: ICMPv6 error from the CLAT IPv6 address,
    quoting the packet, whole error <= 1280 bytes."""
    q = raw(orig)[:1280 - 48]
    return IPv6(src=C6, dst=IPv6(raw(orig)).src, hlim=64) / typ / Raw(q)


# ---------------------------------------------------------------- 4.1
S41 = "RFC 7915 4.1"
p = IP(src=C4, dst=R4, tos=0xb8, ttl=64, id=77, flags="DF") / TCP(sport=40000, dport=80, flags="S", seq=1) / PAY
e = IPv6(src=C6, dst=R6, tc=0xb8, fl=0, hlim=63) / TCP(sport=40000, dport=80, flags="S", seq=1) / PAY
case("4to6_tcp", S41 + ": TC = TOS, flow label 0, hop limit = TTL - 1, addresses per RFC 6877/6052; 4.5 TCP checksum updated", 4, p, out=[e])
p = IP(src=C4, dst=R4, ttl=2) / UDP(sport=5353, dport=53) / PAY
case("4to6_udp_df0_small", S41 + ": DF=0 packet that fits gets no Fragment Header (no atomic fragments)", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=1) / UDP(sport=5353, dport=53) / PAY])
for ttl in (1, 0):
    p = IP(src=C4, dst=R4, ttl=ttl) / UDP(sport=1, dport=2) / PAY
    case("4to6_ttl_%d" % ttl, S41 + ": TTL expires in the translator -> ICMPv4 Time Exceeded", 4, p,
         "REPLY", "TTL_EXPIRED", [err4(p, 11, 0)])
rr = IPOption(b"\x07\x07\x04" + bytes(4))  # record route, ignored
p = IP(src=C4, dst=R4, options=[rr]) / UDP(sport=1, dport=2) / PAY
case("4to6_options_ignored", S41 + ": IPv4 options MUST be ignored", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / PAY])
for t, nm in ((0x83, "lsrr"), (0x89, "ssrr")):
    p = IP(src=C4, dst=R4, options=[IPOption(bytes([t, 7, 4]) + bytes([198, 51, 100, 7]))]) / UDP(sport=1, dport=2)
    case("4to6_%s_unexpired" % nm, S41 + ": unexpired source route -> discard, ICMPv4 3/5 Source Route Failed", 4, p,
         "REPLY", "SOURCE_ROUTE", [err4(p, 3, 5)])
# scapy sums a source-routed packet's pseudo-header with the route's last hop
# even when the route is used up; then the destination field is the final
# destination (RFC 791), so set the checksum a plain header gives.
ck = IP(raw(IP(src=C4, dst=R4) / UDP(sport=1, dport=2)))[UDP].chksum
p = IP(src=C4, dst=R4, options=[IPOption(bytes([0x83, 7, 8]) + bytes([198, 51, 100, 7]))]) / UDP(sport=1, dport=2, chksum=ck)
case("4to6_lsrr_expired", S41 + ": a used-up source route (pointer > length) is an ignored option", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2)])
# DF and size (cfg A: mtu6 1500, lowest 1280)
p = IP(src=C4, dst=R4, flags="DF") / UDP(sport=1, dport=2) / (b"d" * (1480 - 28))
case("4to6_df_fits_mtu6", S41 + ": DF packet of 1480 bytes -> 1500-byte IPv6, no Fragment Header", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / (b"d" * (1480 - 28))])
p = IP(src=C4, dst=R4, flags="DF") / UDP(sport=1, dport=2) / (b"d" * (1481 - 28))
case("4to6_df_too_big", S41 + ": DF set and the IPv6 packet exceeds the IPv6 MTU -> Fragmentation Needed, MTU = 1500 - 20", 4, p,
     "REPLY", "TOO_BIG", [err4(p, 3, 4, nexthopmtu=1480)])
p = IP(src=C4, dst=R4, flags=0) / UDP(sport=1, dport=2) / (b"f" * (1260 - 28))
case("4to6_df0_fits_1280", S41 + ": DF=0 and 1280 bytes after translation -> not fragmented", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / (b"f" * (1260 - 28))])


def frag6_expect(l4, ident, nh, chunk=1232, base=0, last_m=0, hlim=63, src=C6, dst=R6):
    out, pos = [], 0
    while pos < len(l4):
        n = min(chunk, len(l4) - pos)
        m = 1 if pos + n < len(l4) else last_m
        out.append(IPv6(src=src, dst=dst, hlim=hlim) /
                   IPv6ExtHdrFragment(nh=nh, offset=(base + pos) // 8, m=m, id=ident) / Raw(l4[pos:pos + n]))
        pos += n
    return out


for size in (1261, 4000):
    body = bytes(i & 0xff for i in range(size - 28))
    p = IP(src=C4, dst=R4, id=0x1234, flags=0) / UDP(sport=7, dport=9) / body
    l4 = raw(IPv6(src=C6, dst=R6) / UDP(sport=7, dport=9) / body)[40:]
    case("4to6_df0_fragmented_%d" % size, S41 + ": DF=0 and larger than lowest-ipv6-mtu (1280) -> fragments of at most 1280 bytes, ID = IPv4 ID", 4, p,
         out=frag6_expect(l4, 0x1234, 17))
# IPv4 fragments
body = bytes((i * 7) & 0xff for i in range(200))
whole4 = raw(IP(src=C4, dst=R4) / UDP(sport=7, dport=9) / body)[20:]
whole6 = raw(IPv6(src=C6, dst=R6) / UDP(sport=7, dport=9) / body)[40:]
p = IP(src=C4, dst=R4, id=0x4242, flags="MF", frag=0, proto=17) / Raw(whole4[:96])
case("4to6_fragment_first", S41 + ": a fragment gets a Fragment Header (M = MF, offset, ID); 4.5 UDP checksum of the whole datagram updated in the first fragment", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x4242) / Raw(whole6[:96])])
p = IP(src=C4, dst=R4, id=0x4242, flags="MF", frag=12, proto=17) / Raw(whole4[96:160])
case("4to6_fragment_middle", S41 + ": non-first fragment, payload untouched", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / IPv6ExtHdrFragment(nh=17, offset=12, m=1, id=0x4242) / Raw(whole4[96:160])])
p = IP(src=C4, dst=R4, id=0x4242, flags=0, frag=20, proto=17) / Raw(whole4[160:])
case("4to6_fragment_last", S41 + ": last fragment, M = 0", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / IPv6ExtHdrFragment(nh=17, offset=20, m=0, id=0x4242) / Raw(whole4[160:])])
w4 = raw(IP(src=C4, dst=R4) / TCP(sport=1, dport=2, flags="A") / body)[20:]
w6 = raw(IPv6(src=C6, dst=R6) / TCP(sport=1, dport=2, flags="A") / body)[40:]
p = IP(src=C4, dst=R4, id=9, flags="MF", proto=6) / Raw(w4[:64])
case("4to6_fragment_first_tcp", S41 + " + 4.5: TCP first fragment checksum updated", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=9) / Raw(w6[:64])])
p = IP(src=C4, dst=R4, id=9, flags="MF", proto=6) / Raw(w4[:10])
case("4to6_fragment_tcp_short", "malformed: first TCP fragment too short to hold the checksum", 4, p, "DROP", "TRUNCATED")

# ---------------------------------------------------------------- 4.2
S42 = "RFC 7915 4.2"
p = IP(src=C4, dst=R4) / ICMP(type=8, id=0x77, seq=3) / PAY
case("4to6_echo_request", S42 + ": Echo Request 8 -> 128, checksum with pseudo-header", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / ICMPv6EchoRequest(id=0x77, seq=3, data=PAY)])
p = IP(src=C4, dst=R4) / ICMP(type=0, id=0x77, seq=3) / PAY
case("4to6_echo_reply", S42 + ": Echo Reply 0 -> 129", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / ICMPv6EchoReply(id=0x77, seq=3, data=PAY)])

inner4 = IP(src=R4, dst=C4, ttl=50, id=3) / UDP(sport=53, dport=40000) / PAY
inner6 = IPv6(src=R6, dst=C6, hlim=50) / UDP(sport=53, dport=40000) / PAY


def icmp4err(typ, code, inner=inner4, **kw):
    return IP(src=C4, dst=R4) / ICMP(type=typ, code=code, **kw) / Raw(raw(inner))


def icmp6exp(msg, inner=inner6, trunc=1280 - 48):
    return IPv6(src=C6, dst=R6, hlim=63) / msg / Raw(raw(inner)[:trunc])


unreach = {0: (1, 0), 1: (1, 0), 2: "pp", 3: (1, 4), 5: (1, 0), 6: (1, 0), 7: (1, 0), 8: (1, 0),
           9: (1, 1), 10: (1, 1), 11: (1, 0), 12: (1, 0), 13: (1, 1), 14: None, 15: (1, 1), 16: None}
for code, m in unreach.items():
    p = icmp4err(3, code)
    name = "4to6_unreach_code_%d" % code
    if m is None:
        case(name, S42 + ": Destination Unreachable code %d -> silently drop" % code, 4, p, "DROP", "ICMP_TYPE")
    elif m == "pp":
        case(name, S42 + ": Protocol Unreachable -> Parameter Problem 4/1, pointer 6 (Next Header)", 4, p,
             out=[icmp6exp(ICMPv6ParamProblem(code=1, ptr=6))])
    else:
        case(name, S42 + ": Destination Unreachable code %d -> ICMPv6 type %d code %d" % ((code,) + m), 4, p,
             out=[icmp6exp(ICMPv6DestUnreach(code=m[1]))])
p = icmp4err(3, 4, nexthopmtu=1400)
case("4to6_frag_needed", S42 + ": Fragmentation Needed -> PTB, MTU = min(1400 + 20, IPv6 MTU 1500)", 4, p,
     out=[icmp6exp(ICMPv6PacketTooBig(mtu=1420))])
p = icmp4err(3, 4, nexthopmtu=1490)
case("4to6_frag_needed_capped", S42 + ": PTB MTU capped by the IPv6 next-hop MTU (1500)", 4, p,
     out=[icmp6exp(ICMPv6PacketTooBig(mtu=1500))])
big_inner4 = IP(src=R4, dst=C4, len=2100) / UDP(sport=53, dport=40000, len=2080, chksum=0x1234)
big_inner6 = IPv6(src=R6, dst=C6, plen=2080, hlim=64) / UDP(sport=53, dport=40000, len=2080)
# inner UDP checksum 0x1234 adjusted for the address change only
adj = IPv6(src=R6, dst=C6) / UDP(sport=53, dport=40000, len=2080)
p = icmp4err(3, 4, inner=big_inner4, nexthopmtu=0)


def adjust(csum, old, new):
    s = (~csum & 0xffff) + (~old & 0xffff) + new
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def sum16(b):
    return (~checksum(b)) & 0xffff


a_old = sum16(raw(IP(src=R4, dst=C4))[12:20])
a_new = sum16(raw(IPv6(src=R6, dst=C6))[8:40])
inner_fixed = IPv6(src=R6, dst=C6, plen=2080, hlim=64) / UDP(sport=53, dport=40000, len=2080, chksum=adjust(0x1234, a_old, a_new))
case("4to6_frag_needed_plateau", S42 + ": MTU 0 -> RFC 1191 plateau below total length 2100 = 2002, + 20, capped at 1500 (preset J: IPv6 MTU 9000 -> 2022)", 4, p,
     out=[icmp6exp(ICMPv6PacketTooBig(mtu=2022), inner=inner_fixed)], cfg="J")
small = IP(src=R4, dst=C4, len=1400) / UDP(sport=53, dport=40000, len=1380, chksum=0x1234)
small6 = IPv6(src=R6, dst=C6, plen=1380, hlim=64) / UDP(sport=53, dport=40000, len=1380, chksum=adjust(0x1234, a_old, a_new))
case("4to6_frag_needed_plateau_floor", S42 + ": MTU 0 with total length 1400: no plateau >= 1280 below it -> 1280, + 20", 4,
     icmp4err(3, 4, inner=small, nexthopmtu=0), out=[icmp6exp(ICMPv6PacketTooBig(mtu=1300), inner=small6)], cfg="J")
for code in (0, 1):
    case("4to6_time_exceeded_%d" % code, S42 + ": Time Exceeded -> type 3, code unchanged", 4, icmp4err(11, code),
         out=[icmp6exp(ICMPv6TimeExceeded(code=code))])
ptr4to6 = {0: 0, 1: 1, 2: 4, 3: 4, 8: 7, 9: 6, 12: 8, 13: 8, 14: 8, 15: 8, 16: 24, 17: 24, 18: 24, 19: 24}
for ptr in range(0, 21):
    p = icmp4err(12, 0, ptr=ptr)
    if ptr in ptr4to6:
        case("4to6_param_problem_ptr_%d" % ptr, S42 + " Figure 3: pointer %d -> %d" % (ptr, ptr4to6[ptr]), 4, p,
             out=[icmp6exp(ICMPv6ParamProblem(code=0, ptr=ptr4to6[ptr]))])
    else:
        case("4to6_param_problem_ptr_%d" % ptr, S42 + " Figure 3: pointer %d has no IPv6 counterpart -> drop" % ptr, 4, p,
             "DROP", "ICMP_TYPE")
case("4to6_param_problem_code_2", S42 + ": Bad Length (code 2) -> 4/0 with the pointer mapped", 4, icmp4err(12, 2, ptr=2),
     out=[icmp6exp(ICMPv6ParamProblem(code=0, ptr=4))])
case("4to6_param_problem_code_1", S42 + ": Missing a Required Option -> drop", 4, icmp4err(12, 1, ptr=0), "DROP", "ICMP_TYPE")
for typ in (4, 5, 6):
    case("4to6_error_type_%d" % typ, S42 + ": source quench / redirect / alternate host address -> drop", 4,
         icmp4err(typ, 0), "DROP", "ICMP_TYPE")
for typ in (9, 10, 13, 14, 15, 16, 17, 18, 42):
    case("4to6_query_type_%d" % typ, S42 + ": obsolete or unknown ICMPv4 query type %d -> drop" % typ, 4,
         IP(src=C4, dst=R4) / ICMP(type=typ, code=0) / PAY, "DROP", "ICMP_TYPE")

# ---------------------------------------------------------------- 4.3
S43 = "RFC 7915 4.3"
tin = IP(src=R4, dst=C4, ttl=50) / TCP(sport=80, dport=40000, flags="SA") / PAY
case("4to6_inner_tcp", S43 + ": inner TCP header, addresses and checksum translated", 4, icmp4err(3, 3, inner=tin),
     out=[icmp6exp(ICMPv6DestUnreach(code=4), inner=IPv6(src=R6, dst=C6, hlim=50) / TCP(sport=80, dport=40000, flags="SA") / PAY)])
ein = IP(src=R4, dst=C4, ttl=50) / ICMP(type=8, id=5, seq=6) / PAY
case("4to6_inner_echo", S43 + ": inner ICMP echo translated to ICMPv6 echo", 4, icmp4err(3, 1, inner=ein),
     out=[icmp6exp(ICMPv6DestUnreach(code=0), inner=IPv6(src=R6, dst=C6, hlim=50) / ICMPv6EchoRequest(id=5, seq=6, data=PAY))])
fin = IP(src=R4, dst=C4, ttl=50, id=0x99, flags="MF") / UDP(sport=53, dport=40000, len=500) / PAY
fin_l4 = raw(fin)[20:]
fin6_l4 = bytearray(fin_l4)
c = int.from_bytes(fin_l4[6:8], "big")
fin6_l4[6:8] = adjust(c, a_old, a_new).to_bytes(2, "big")
case("4to6_inner_fragment", S43 + ": an inner IPv4 fragment gets an inner Fragment Header", 4, icmp4err(3, 1, inner=fin),
     out=[icmp6exp(ICMPv6DestUnreach(code=0), inner=IPv6(src=R6, dst=C6, hlim=50, plen=len(fin_l4) + 8) /
                   IPv6ExtHdrFragment(nh=17, m=1, id=0x99) / Raw(bytes(fin6_l4)))])
case("4to6_inner_error_in_error", S43 + ": an ICMP error about an ICMP error is never translated", 4,
     icmp4err(3, 1, inner=IP(src=R4, dst=C4) / ICMP(type=3, code=3) / raw(inner4)), "DROP", "ICMP_ERR_IN_ERR")
for cut in (0, 10, 19):
    case("4to6_inner_cut_%d" % cut, S43 + ": inner packet cut inside its IPv4 header -> drop", 4,
         IP(src=C4, dst=R4) / ICMP(type=3, code=3) / Raw(raw(inner4)[:cut]), "DROP", "ICMP_INNER")
case("4to6_inner_header_only", S43 + ": inner packet with no transport bytes is translated", 4,
     IP(src=C4, dst=R4) / ICMP(type=3, code=3) / Raw(raw(inner4)[:20]),
     out=[IPv6(src=C6, dst=R6, hlim=63) / ICMPv6DestUnreach(code=4) / Raw(raw(inner6)[:40])])
case("4to6_inner_truncated_udp", S43 + ": inner UDP cut before its checksum: copied as is", 4,
     IP(src=C4, dst=R4) / ICMP(type=3, code=3) / Raw(raw(inner4)[:24]),
     out=[IPv6(src=C6, dst=R6, hlim=63) / ICMPv6DestUnreach(code=4) / Raw(raw(inner4)[20:24] and raw(inner6)[:40] + raw(inner4)[20:24])])
case("4to6_inner_other_host", S43 + ": inner packet not addressed to the CLAT -> drop", 4,
     icmp4err(3, 3, inner=IP(src=R4, dst="192.0.0.9") / UDP() / PAY), "DROP", "ICMP_INNER")
bigin = IP(src=R4, dst=C4, ttl=50) / UDP(sport=53, dport=40000) / (b"L" * 1400)
bigin6 = IPv6(src=R6, dst=C6, hlim=50) / UDP(sport=53, dport=40000) / (b"L" * 1400)
case("4to6_error_truncated_1280", S43 + ": translated error truncated to the IPv6 minimum MTU (1280 bytes)", 4,
     icmp4err(3, 3, inner=bigin), out=[icmp6exp(ICMPv6DestUnreach(code=4), inner=bigin6, trunc=1280 - 48)])
p = icmp4err(3, 3)
bad = bytearray(raw(p)); bad[22] ^= 0x55
case("4to6_error_bad_checksum", S42 + ": an error is rebuilt, so its checksum is verified first", 4, bytes(bad), "DROP", "BAD_CSUM")

# ---------------------------------------------------------------- 4.5
S45 = "RFC 7915 4.5"
p = IP(src=C4, dst=R4) / UDP(sport=1, dport=2, chksum=0) / PAY
case("4to6_udp_zero_checksum", S45 + ": UDP zero checksum, whole datagram -> computed", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / PAY])
p = IP(src=C4, dst=R4, flags="MF", id=5) / UDP(sport=1, dport=2, chksum=0, len=200) / PAY
case("4to6_udp_zero_checksum_fragment", S45 + ": UDP zero checksum in a fragment -> drop", 4, p, "DROP", "UDP_ZERO_CSUM_FRAG")
# Payload chosen so that the IPv6 UDP checksum sums to zero: RFC 768 then
# sends 0xffff, since 0 means "no checksum".
c = in6_chksum(17, IPv6(src=C6, dst=R6), raw(UDP(sport=1, dport=2, len=8 + len(PAY) + 2, chksum=0) / (PAY + b"\0\0")))
zbody = PAY + c.to_bytes(2, "big")
assert in6_chksum(17, IPv6(src=C6, dst=R6), raw(UDP(sport=1, dport=2, len=8 + len(zbody), chksum=0) / zbody)) in (0, 0xffff)
case("4to6_udp_checksum_becomes_ffff", S45 + " / RFC 768: a computed UDP checksum of 0 is sent as 0xffff", 4,
     IP(src=C4, dst=R4) / UDP(sport=1, dport=2, chksum=0) / zbody,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2, chksum=0xffff) / zbody])
case("4to6_udp_adjusted_becomes_ffff", S45 + " / RFC 768: an updated UDP checksum of 0 is sent as 0xffff", 4,
     IP(src=C4, dst=R4) / UDP(sport=1, dport=2) / zbody,
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2, chksum=0xffff) / zbody])
for proto in (47, 253):
    p = IP(src=C4, dst=R4, proto=proto) / Raw(PAY)
    case("4to6_protocol_%d" % proto, S45 + ": other protocols are forwarded unchanged", 4, p,
         out=[IPv6(src=C6, dst=R6, hlim=63, nh=proto) / Raw(PAY)])
dccp = bytearray(b"\x13\x88\x00\x50\x03\x00\x00\x00" + PAY[:16])  # sport, dport, offset 3, cscov 0, csum
s4 = in4_chksum(33, IP(src=C4, dst=R4), bytes(dccp))
d4 = bytearray(dccp); d4[6:8] = s4.to_bytes(2, "big")
s6 = in6_chksum(33, IPv6(src=C6, dst=R6), bytes(dccp))
d6 = bytearray(dccp); d6[6:8] = s6.to_bytes(2, "big")
case("4to6_dccp", S45 + ": DCCP pseudo-header checksum updated like TCP (RFC 4340 9.1)", 4,
     IP(src=C4, dst=R4, proto=33) / Raw(bytes(d4)), out=[IPv6(src=C6, dst=R6, hlim=63, nh=33) / Raw(bytes(d6))])
case("4to6_icmp_fragment", S45 + ": a fragmented ICMP message cannot get its ICMPv6 checksum -> drop", 4,
     IP(src=C4, dst=R4, flags="MF") / ICMP(type=8) / PAY, "DROP", "ICMP_FRAGMENT")
case("4to6_icmpv6_in_ipv4", "design: ICMPv6 carried in IPv4 is never passed to the IPv6 side", 4,
     IP(src=C4, dst=R4, proto=58) / Raw(PAY), "DROP", "ICMP_FAMILY")

# ---------------------------------------------------------------- addresses
S6877 = "RFC 6877 6.3 / RFC 7915 4.4"
p = IP(src="192.0.0.9", dst=R4) / UDP(sport=1, dport=2)
case("4to6_src_not_clat", S6877 + ": only the CLAT address is translated; others get 3/13", 4, p, "REPLY", "SRC_NOT_CLAT",
     [err4(p, 3, 13)])
for dst in ("224.0.0.1", "255.255.255.255", "127.0.0.1"):
    case("4to6_dst_%s" % dst, "design: multicast, broadcast and loopback are never translated, and get no error", 4,
         IP(src=C4, dst=dst) / UDP(sport=1, dport=2), "DROP", "ADDR_FORBIDDEN")
for dst in ("169.254.1.1", C4):
    p = IP(src=C4, dst=dst) / UDP(sport=1, dport=2)
    case("4to6_dst_%s" % dst, S6877 + ": untranslatable destination -> 3/13", 4, p, "REPLY", "ADDR_FORBIDDEN", [err4(p, 3, 13)])
p = IP(src=C4, dst="8.8.8.8") / UDP(sport=1, dport=2)
case("4to6_wkp_global", "RFC 6052 2.4: 64:ff9b::/96 carries a global address", 4, p, cfg="W",
     out=[IPv6(src=C6, dst="64:ff9b::808:808", hlim=63) / UDP(sport=1, dport=2)])
p = IP(src=C4, dst="10.1.2.3") / UDP(sport=1, dport=2)
case("4to6_wkp_private", "RFC 6052 3.1: the WKP MUST NOT carry non-global IPv4 (preset W: rule on)", 4, p, "REPLY",
     "ADDR_FORBIDDEN", [err4(p, 3, 13)], cfg="W")
p = IP(src=C4, dst="192.0.2.33") / UDP(sport=1, dport=2)
case("4to6_prefix_40", "RFC 6052 2.4 table: 192.0.2.33 under 2001:db8:100::/40", 4, p, cfg="N",
     out=[IPv6(src=C6, dst="2001:db8:1c0:2:21::", hlim=63) / UDP(sport=1, dport=2)])
p = IP(src=C4, dst=R4, flags="DF") / UDP(sport=1, dport=2) / (b"m" * 1272)
case("4to6_df_too_big_mtu1280", S41 + ": preset M (IPv6 MTU 1280): 1300-byte DF packet -> Fragmentation Needed 1260", 4, p,
     "REPLY", "TOO_BIG", [err4(p, 3, 4, nexthopmtu=1260)], cfg="M")
case("4to6_frag_needed_mtu4", S42 + ": PTB MTU = min(1400 + 20, IPv6 MTU 1280, IPv4 MTU 1400 + 20) (preset M)", 4,
     icmp4err(3, 4, nexthopmtu=1400), out=[icmp6exp(ICMPv6PacketTooBig(mtu=1280))], cfg="M")

# ---------------------------------------------------------------- malformed IPv4
good = raw(IP(src=C4, dst=R4) / UDP(sport=1, dport=2) / PAY)


def fixsum(b):
    b = bytearray(b); ihl = (b[0] & 15) * 4; b[10:12] = b"\0\0"
    b[10:12] = checksum(bytes(b[:ihl])).to_bytes(2, "big")
    return bytes(b)


def ip_raw_opts(opt, payload):
    h = bytearray(raw(IP(src=C4, dst=R4, proto=17))[:20])
    h[0] = 0x40 | (5 + len(opt) // 4)
    h[2:4] = (20 + len(opt) + len(payload)).to_bytes(2, "big")
    return fixsum(bytes(h) + opt + payload)


case("4to6_empty", "malformed: no bytes", 4, b"", "DROP", "TRUNCATED")
case("4to6_one_byte", "malformed: 1 byte", 4, good[:1], "DROP", "TRUNCATED")
case("4to6_19_bytes", "malformed: shorter than an IPv4 header", 4, good[:19], "DROP", "TRUNCATED")
case("4to6_bad_version", "malformed: version 6 handed to 4to6", 4, fixsum(b"\x65" + good[1:]), "DROP", "BAD_VERSION")
case("4to6_ihl_4", "malformed: IHL < 5", 4, fixsum(b"\x44" + good[1:]), "DROP", "BAD_IHL")
case("4to6_ihl_past_end", "malformed: IHL*4 beyond the buffer", 4, fixsum(b"\x4f" + good[1:])[:40], "DROP", "BAD_IHL")
b = bytearray(good); b[2:4] = (len(good) + 1).to_bytes(2, "big")
case("4to6_totlen_lies_long", "malformed: total length beyond the buffer", 4, fixsum(b), "DROP", "BAD_LENGTH")
b = bytearray(good); b[2:4] = (19).to_bytes(2, "big")
case("4to6_totlen_below_ihl", "malformed: total length below the header length", 4, fixsum(b), "DROP", "BAD_LENGTH")
b = bytearray(good); b[10] ^= 1
case("4to6_bad_header_checksum", "RFC 1122 3.2.1.2: header checksum must verify", 4, bytes(b), "DROP", "BAD_IP_CSUM")
for nm, opt in (("overrun", b"\x07\x08\x04\x00"), ("len0", b"\x07\x00\x00\x00"), ("len1", b"\x07\x01\x00\x00"),
                ("lsrr_short", b"\x83\x02\x00\x00")):
    case("4to6_option_%s" % nm, "malformed: IPv4 option length 0/1 or past the header", 4,
         ip_raw_opts(opt, raw(UDP(sport=1, dport=2))), "DROP", "BAD_OPTIONS")
case("4to6_trailing_bytes", "RFC 791: bytes beyond the total length (link padding) are not part of the packet", 4,
     good + b"\0" * 6, out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / PAY])
case("4to6_icmp_short", "malformed: ICMP shorter than its 8-byte header", 4, IP(src=C4, dst=R4, proto=1) / Raw(b"\x08\0\0\0"),
     "DROP", "TRUNCATED")
b = bytearray(raw(IP(src=C4, dst=R4, flags="MF", frag=8190, proto=17) / Raw(b"x" * 100)))
case("4to6_fragment_past_64k", "malformed: fragment offset + length beyond 65535", 4, bytes(b), "DROP", "BAD_FRAGMENT")

# ================================================================ 5.1
S51 = "RFC 7915 5.1"
p = IPv6(src=R6, dst=C6, tc=0xb8, hlim=64) / TCP(sport=80, dport=40000, flags="SA") / PAY
case("6to4_tcp", S51 + ": TOS = TC, TTL = hop limit - 1, DF=0 at <= 1260 bytes, ID generated; 5.5 TCP checksum updated", 6, p,
     out=[IP(src=R4, dst=C4, tos=0xb8, ttl=63, flags=0, id=0) / TCP(sport=80, dport=40000, flags="SA") / PAY], flags=IGNORE_IPID)
body = b"u" * (1260 - 28)
case("6to4_1260_bytes", S51 + ": 1260 bytes after translation -> DF clear", 6, IPv6(src=R6, dst=C6) / UDP(sport=1, dport=2) / body,
     out=[IP(src=R4, dst=C4, ttl=63, flags=0) / UDP(sport=1, dport=2) / body], flags=IGNORE_IPID)
body = b"u" * (1261 - 28)
case("6to4_1261_bytes", S51 + ": above 1260 bytes -> DF set (ID 0, RFC 6864)", 6, IPv6(src=R6, dst=C6) / UDP(sport=1, dport=2) / body,
     out=[IP(src=R4, dst=C4, ttl=63, flags="DF", id=0) / UDP(sport=1, dport=2) / body])
for h in (1, 0):
    p = IPv6(src=R6, dst=C6, hlim=h) / UDP(sport=1, dport=2) / PAY
    case("6to4_hlim_%d" % h, S51 + ": hop limit expires -> ICMPv6 Time Exceeded", 6, p, "REPLY", "TTL_EXPIRED",
         [err6(p, ICMPv6TimeExceeded(code=0))])
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(segleft=0) / UDP(sport=1, dport=2) / PAY
case("6to4_exthdrs_skipped", S51 + ": hop-by-hop, destination options and routing (segments left 0) are skipped", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63) / UDP(sport=1, dport=2) / PAY], flags=IGNORE_IPID)
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=1) / UDP(sport=1, dport=2)
case("6to4_segments_left", S51 + ": routing header with segments left -> Parameter Problem 4/0, pointer at Segments Left (43)", 6, p,
     "REPLY", "SEGMENTS_LEFT", [err6(p, ICMPv6ParamProblem(code=0, ptr=43))])
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=1) / UDP(sport=1, dport=2)
case("6to4_segments_left_after_hbh", S51 + ": pointer counts from the IPv6 header (8 + 43 = 51)", 6, p,
     "REPLY", "SEGMENTS_LEFT", [err6(p, ICMPv6ParamProblem(code=0, ptr=51))])
body = bytes((i * 3) & 0xff for i in range(300))
w6 = raw(IPv6(src=R6, dst=C6) / UDP(sport=7, dport=9) / body)[40:]
w4 = raw(IP(src=R4, dst=C4) / UDP(sport=7, dport=9) / body)[20:]
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x12345678) / Raw(w6[:104])
case("6to4_fragment_first", "RFC 7915 5.1.1: ID = low 16 bits, MF = M, DF = 0, offset copied; 5.5 checksum updated", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63, id=0x5678, flags="MF", frag=0, proto=17) / Raw(w4[:104])])
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=17, offset=13, m=1, id=0x12345678) / Raw(w6[104:200])
case("6to4_fragment_middle", "RFC 7915 5.1.1: non-first fragment, payload untouched", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63, id=0x5678, flags="MF", frag=13, proto=17) / Raw(w6[104:200])])
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=17, offset=25, m=0, id=0x12345678) / Raw(w6[200:])
case("6to4_fragment_last", "RFC 7915 5.1.1: last fragment", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63, id=0x5678, flags=0, frag=25, proto=17) / Raw(w6[200:])])
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=17, offset=0, m=0, id=0xabcd0001) / UDP(sport=1, dport=2) / PAY
case("6to4_atomic_fragment", "RFC 7915 5.1.1 / RFC 8021: an atomic fragment becomes an unfragmented IPv4 packet with its ID", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63, id=0x0001, flags=0) / UDP(sport=1, dport=2) / PAY])

# ---------------------------------------------------------------- 5.2
S52 = "RFC 7915 5.2"
p = IPv6(src=R6, dst=C6) / ICMPv6EchoRequest(id=9, seq=1, data=PAY)
case("6to4_echo_request", S52 + ": Echo Request 128 -> 8, pseudo-header removed from the checksum", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63) / ICMP(type=8, id=9, seq=1) / PAY], flags=IGNORE_IPID)
p = IPv6(src=R6, dst=C6) / ICMPv6EchoReply(id=9, seq=1, data=PAY)
case("6to4_echo_reply", S52 + ": Echo Reply 129 -> 0", 6, p,
     out=[IP(src=R4, dst=C4, ttl=63) / ICMP(type=0, id=9, seq=1) / PAY], flags=IGNORE_IPID)
oin6 = IPv6(src=C6, dst=R6, hlim=60) / UDP(sport=40000, dport=53) / PAY
oin4 = IP(src=C4, dst=R4, ttl=60, id=0, flags=0) / UDP(sport=40000, dport=53) / PAY


def icmp6err(msg, inner=oin6, src=R6):
    return IPv6(src=src, dst=C6) / msg / Raw(raw(inner))


def icmp4exp(msg, inner=oin4, src=R4, trunc=576 - 28):
    return IP(src=src, dst=C4, ttl=63, flags=0) / msg / Raw(raw(inner)[:trunc])


un6 = {0: (3, 1), 1: (3, 10), 2: (3, 1), 3: (3, 1), 4: (3, 3), 5: None, 6: None}
for code, m in un6.items():
    p = icmp6err(ICMPv6DestUnreach(code=code))
    if m:
        case("6to4_unreach_code_%d" % code, S52 + ": Destination Unreachable code %d -> ICMPv4 3/%d" % (code, m[1]), 6, p,
             out=[icmp4exp(ICMP(type=3, code=m[1]))], flags=IGNORE_IPID)
    else:
        case("6to4_unreach_code_%d" % code, S52 + ": Destination Unreachable code %d -> drop" % code, 6, p, "DROP", "ICMP_TYPE")
case("6to4_packet_too_big", S52 + ": PTB -> 3/4, MTU = min(1400 - 20, 1500 - 20)", 6, icmp6err(ICMPv6PacketTooBig(mtu=1400)),
     out=[icmp4exp(ICMP(type=3, code=4, nexthopmtu=1380))], flags=IGNORE_IPID)
case("6to4_packet_too_big_capped", S52 + ": PTB MTU capped by IPv6 next-hop MTU - 20", 6, icmp6err(ICMPv6PacketTooBig(mtu=9000)),
     out=[icmp4exp(ICMP(type=3, code=4, nexthopmtu=1480))], flags=IGNORE_IPID)
fr6 = IPv6(src=C6, dst=R6, hlim=60) / IPv6ExtHdrFragment(nh=17, m=1, id=0x10002) / UDP(sport=40000, dport=53, len=1500) / PAY
fr6_l4 = raw(fr6)[48:]
c = int.from_bytes(fr6_l4[6:8], "big")
fr4_l4 = bytearray(fr6_l4); fr4_l4[6:8] = adjust(c, sum16(raw(fr6)[8:40]), sum16(raw(IP(src=C4, dst=R4))[12:20])).to_bytes(2, "big")
fr4 = IP(src=C4, dst=R4, ttl=60, id=2, flags="MF", proto=17, len=20 + len(fr6_l4)) / Raw(bytes(fr4_l4))
case("6to4_packet_too_big_fragment", S52 + ": packet in error had a Fragment Header -> MTU - 28", 6,
     icmp6err(ICMPv6PacketTooBig(mtu=1400), inner=fr6), out=[icmp4exp(ICMP(type=3, code=4, nexthopmtu=1372), inner=fr4)],
     flags=IGNORE_IPID)
for code in (0, 1):
    case("6to4_time_exceeded_%d_router" % code, S52 + ": Time Exceeded -> 11, code unchanged; RFC 7600: source outside the prefix -> 192.0.0.8", 6,
         icmp6err(ICMPv6TimeExceeded(code=code), src=ROUTER6), out=[icmp4exp(ICMP(type=11, code=code), src=DUMMY4)], flags=IGNORE_IPID)
ptr6to4 = {0: 0, 1: 1, 4: 2, 5: 2, 6: 9, 7: 8, 8: 12, 23: 12, 24: 16, 39: 16}
for ptr in (0, 1, 2, 3, 4, 5, 6, 7, 8, 23, 24, 39, 40, 1000):
    p = icmp6err(ICMPv6ParamProblem(code=0, ptr=ptr))
    if ptr in ptr6to4:
        case("6to4_param_problem_ptr_%d" % ptr, S52 + " Figure 6: pointer %d -> %d" % (ptr, ptr6to4[ptr]), 6, p,
             out=[icmp4exp(ICMP(type=12, code=0, ptr=ptr6to4[ptr]))], flags=IGNORE_IPID)
    else:
        case("6to4_param_problem_ptr_%d" % ptr, S52 + " Figure 6: pointer %d has no IPv4 counterpart -> drop" % ptr, 6, p,
             "DROP", "ICMP_TYPE")
case("6to4_param_problem_code_1", S52 + ": unrecognized Next Header -> 3/2 Protocol Unreachable", 6,
     icmp6err(ICMPv6ParamProblem(code=1, ptr=6)), out=[icmp4exp(ICMP(type=3, code=2))], flags=IGNORE_IPID)
case("6to4_param_problem_code_2", S52 + ": unrecognized option -> drop", 6, icmp6err(ICMPv6ParamProblem(code=2, ptr=40)),
     "DROP", "ICMP_TYPE")
for typ in (130, 131, 132, 133, 134, 135, 136, 137, 143, 200):
    p = IPv6(src=R6, dst=C6) / ICMPv6Unknown(type=typ, code=0, msgbody=PAY[:16])
    case("6to4_type_%d" % typ, S52 + ": MLD, ND and unknown informational messages -> drop", 6, p, "DROP", "ICMP_TYPE")
case("6to4_error_type_100", S52 + ": unknown error type -> drop", 6, icmp6err(ICMPv6Unknown(type=100, code=0)), "DROP", "ICMP_TYPE")
case("6to4_not_error_from_router", "RFC 6877: only ICMPv6 errors may come from outside the prefix", 6,
     IPv6(src=ROUTER6, dst=C6) / UDP(sport=1, dport=2), "DROP", "SRC_NOT_PLAT")
case("6to4_dst_not_clat", "RFC 6877: only packets to the CLAT IPv6 address are translated", 6,
     IPv6(src=R6, dst="2001:db8:1::3") / UDP(sport=1, dport=2), "DROP", "DST_NOT_CLAT")
for src, nm in (("2001:db8:64::c000:1", "clat4"), ("2001:db8:64::7f00:1", "loopback"), ("2001:db8:64::e000:1", "multicast")):
    case("6to4_src_embeds_%s" % nm, "design: a source embedding the CLAT's own, loopback or multicast address is dropped", 6,
         IPv6(src=src, dst=C6) / UDP(sport=1, dport=2), "DROP", "ADDR_FORBIDDEN")

# ---------------------------------------------------------------- 5.3
S53 = "RFC 7915 5.3"
tin6 = IPv6(src=C6, dst=R6, hlim=60, tc=0x20) / TCP(sport=40000, dport=80, flags="S") / PAY
tin4 = IP(src=C4, dst=R4, ttl=60, tos=0x20, id=0) / TCP(sport=40000, dport=80, flags="S") / PAY
case("6to4_inner_tcp", S53 + ": inner TCP translated, inner ID 0", 6, icmp6err(ICMPv6DestUnreach(code=4), inner=tin6),
     out=[icmp4exp(ICMP(type=3, code=3), inner=tin4)], flags=IGNORE_IPID)
ein6 = IPv6(src=C6, dst=R6, hlim=60) / ICMPv6EchoRequest(id=4, seq=4, data=PAY)
ein4 = IP(src=C4, dst=R4, ttl=60, id=0) / ICMP(type=8, id=4, seq=4) / PAY
case("6to4_inner_echo", S53 + ": inner ICMPv6 echo translated", 6, icmp6err(ICMPv6TimeExceeded(code=0), inner=ein6, src=ROUTER6),
     out=[icmp4exp(ICMP(type=11, code=0), inner=ein4, src=DUMMY4)], flags=IGNORE_IPID)
big6 = IPv6(src=C6, dst=R6, hlim=60) / UDP(sport=40000, dport=53) / (b"B" * 1100)
big4 = IP(src=C4, dst=R4, ttl=60, id=0, flags=0) / UDP(sport=40000, dport=53) / (b"B" * 1100)
case("6to4_error_truncated_576", S53 + " / RFC 1812 4.3.2.3: translated ICMPv4 error within 576 bytes", 6,
     icmp6err(ICMPv6DestUnreach(code=0), inner=big6), out=[icmp4exp(ICMP(type=3, code=1), inner=big4)], flags=IGNORE_IPID)
case("6to4_inner_error_in_error", S53 + ": ICMP error about an ICMP error -> drop", 6,
     icmp6err(ICMPv6DestUnreach(code=0), inner=IPv6(src=C6, dst=R6) / ICMPv6DestUnreach() / raw(oin6)), "DROP", "ICMP_ERR_IN_ERR")
case("6to4_inner_other_host", S53 + ": inner packet not sent by the CLAT -> drop", 6,
     icmp6err(ICMPv6DestUnreach(code=0), inner=IPv6(src="2001:db8:1::77", dst=R6) / UDP()), "DROP", "ICMP_INNER")
for cut in (0, 20, 39):
    case("6to4_inner_cut_%d" % cut, S53 + ": inner packet cut inside its IPv6 header -> drop", 6,
         IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=0) / Raw(raw(oin6)[:cut]), "DROP", "ICMP_INNER")
ext_in = IPv6(src=C6, dst=R6) / IPv6ExtHdrDestOpt(options=[]) / UDP() / PAY
case("6to4_inner_exthdr_cut", S53 + ": inner packet cut inside its extension headers -> drop", 6,
     IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=0) / Raw(raw(ext_in)[:44]), "DROP", "ICMP_INNER")
case("6to4_inner_header_only", S53 + ": inner packet with no transport bytes is translated", 6,
     IPv6(src=R6, dst=C6) / ICMPv6DestUnreach(code=4) / Raw(raw(oin6)[:40]),
     out=[IP(src=R4, dst=C4, ttl=63, flags=0) / ICMP(type=3, code=3) / Raw(raw(oin4)[:20])], flags=IGNORE_IPID)
p = icmp6err(ICMPv6DestUnreach(code=4))
bad = bytearray(raw(p)); bad[42] ^= 0x55
case("6to4_error_bad_checksum", S52 + ": errors are rebuilt, so their checksum is verified first", 6, bytes(bad), "DROP", "BAD_CSUM")

# ---------------------------------------------------------------- 5.5 and malformed IPv6
case("6to4_udp_zero_checksum", "RFC 8200 8.1: zero UDP checksum is invalid in IPv6 -> drop", 6,
     IPv6(src=R6, dst=C6) / UDP(sport=1, dport=2, chksum=0) / PAY, "DROP", "UDP_ZERO_CSUM6")
case("6to4_icmpv4_in_ipv6", "design: ICMPv4 carried in IPv6 never reaches the host", 6,
     IPv6(src=R6, dst=C6, nh=1) / Raw(PAY), "DROP", "ICMP_FAMILY")
case("6to4_icmp_fragment", "RFC 7915 5.5: fragmented ICMPv6 -> drop", 6,
     IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=58, m=1) / ICMPv6EchoRequest(data=PAY), "DROP", "ICMP_FRAGMENT")
case("6to4_protocol_253", "RFC 7915 5.5: other protocols pass unchanged", 6, IPv6(src=R6, dst=C6, nh=253) / Raw(PAY),
     out=[IP(src=R4, dst=C4, ttl=63, proto=253) / Raw(PAY)], flags=IGNORE_IPID)
g6 = raw(IPv6(src=R6, dst=C6) / UDP(sport=1, dport=2) / PAY)
case("6to4_empty", "malformed: no bytes", 6, b"", "DROP", "TRUNCATED")
case("6to4_39_bytes", "malformed: shorter than an IPv6 header", 6, g6[:39], "DROP", "TRUNCATED")
case("6to4_bad_version", "malformed: version 4 handed to 6to4", 6, b"\x40" + g6[1:], "DROP", "BAD_VERSION")
b = bytearray(g6); b[4:6] = (len(g6) - 39).to_bytes(2, "big")
case("6to4_plen_lies", "malformed: payload length beyond the buffer", 6, bytes(b), "DROP", "BAD_LENGTH")
b = bytearray(g6); b[4:6] = b"\0\0"
case("6to4_jumbo", "RFC 2675: payload length 0 (jumbogram) -> drop", 6, bytes(b), "DROP", "BAD_LENGTH")
case("6to4_trailing_bytes", "bytes beyond the payload length are ignored", 6, g6 + b"\0\0\0",
     out=[IP(src=R4, dst=C4, ttl=63) / UDP(sport=1, dport=2) / PAY], flags=IGNORE_IPID)
x = raw(IPv6(src=R6, dst=C6) / IPv6ExtHdrDestOpt() / UDP())
b = bytearray(x[:48]); b[4:6] = (8).to_bytes(2, "big"); b[41] = 4
case("6to4_exthdr_past_end", "malformed: extension header longer than the packet", 6, bytes(b), "DROP", "BAD_EXTHDR")
case("6to4_two_fragment_headers", "malformed: two Fragment Headers", 6,
     IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment() / IPv6ExtHdrFragment() / UDP(), "DROP", "BAD_EXTHDR")
case("6to4_hbh_not_first", "RFC 8200 4.3: hop-by-hop only right after the IPv6 header", 6,
     IPv6(src=R6, dst=C6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / UDP(), "DROP", "BAD_EXTHDR")
case("6to4_tcp_short", "malformed: TCP shorter than its checksum field", 6, IPv6(src=R6, dst=C6, nh=6) / Raw(b"\0" * 10),
     "DROP", "TRUNCATED")
case("6to4_icmp_short", "malformed: ICMPv6 shorter than 8 bytes", 6, IPv6(src=R6, dst=C6, nh=58) / Raw(b"\x80\0\0\0"),
     "DROP", "TRUNCATED")
# preset M: IPv4 MTU 1400 toward the host
body = b"v" * (1500 - 28)
p = IPv6(src=R6, dst=C6) / UDP(sport=1, dport=2) / body
case("6to4_too_big_mtu4", S51 + ": DF result larger than the IPv4 MTU (preset M, 1400) -> PTB with 1400 + 20", 6, p, "REPLY", "TOO_BIG",
     [err6(p, ICMPv6PacketTooBig(mtu=1420))], cfg="M")
w6 = raw(IPv6(src=R6, dst=C6) / UDP(sport=7, dport=9) / body)[40:]
w4 = raw(IP(src=R4, dst=C4) / UDP(sport=7, dport=9) / body)[20:]
p = IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=17, m=0, id=0x77) / Raw(w6)
case("6to4_refragment_mtu4", "RFC 791: a fragment larger than the IPv4 MTU (preset M, 1400) is fragmented further", 6, p, cfg="M",
     out=[IP(src=R4, dst=C4, ttl=63, id=0x77, flags="MF", frag=0, proto=17) / Raw(w4[:1376]),
          IP(src=R4, dst=C4, ttl=63, id=0x77, flags=0, frag=172, proto=17) / Raw(w6[1376:])])



# ================================================================ issue 17
# RFC 7915 section 6: no Packet Too Big below the IPv6 minimum MTU. The
# 4.2 value min(MTU + 20, 1500) is raised to 1280 where it falls short.
S6 = "RFC 7915 4.2 + section 6"
for mtu4, mtu6 in ((68, 1280), (1000, 1280), (1259, 1280), (1260, 1280), (1279, 1299)):
    case("4to6_frag_needed_floor_%d" % mtu4, S6 + ": Fragmentation Needed MTU %d -> %d + 20, at least 1280 -> PTB %d" % (mtu4, mtu4, mtu6), 4,
         icmp4err(3, 4, nexthopmtu=mtu4), out=[icmp6exp(ICMPv6PacketTooBig(mtu=mtu6))])

# IPv6-only protocol numbers (the IPv6 extension headers): RFC 7915 4.1
# copies Protocol into Next Header, which would make the IPv6 side parse
# the payload as a header. Outer: Parameter Problem (RFC 792) pointing at
# the Protocol field (octet 9); quoted: dropped (no error about an error).
SP = "RFC 7915 4.1 / RFC 8200 4"
for proto in (0, 43, 44, 60):
    p = IP(src=C4, dst=R4, proto=proto) / Raw(PAY)
    case("4to6_protocol_v6only_%d" % proto, SP + ": IPv4 protocol %d is an IPv6 extension header -> Parameter Problem, pointer 9" % proto, 4, p,
         "REPLY", "V6ONLY_PROTO", [err4(p, 12, 0, ptr=9)])
    case("4to6_inner_protocol_v6only_%d" % proto, SP + ": quoted IPv4 packet with protocol %d -> drop" % proto, 4,
         icmp4err(3, 1, inner=IP(src=R4, dst=C4, proto=proto) / Raw(PAY)), "DROP", "V6ONLY_PROTO")
case("4to6_inner_protocol_58", "design (as outer): quoted IPv4 packet carrying ICMPv6 -> drop", 4,
     icmp4err(3, 1, inner=IP(src=R4, dst=C4, proto=58) / Raw(PAY)), "DROP", "ICMP_FAMILY")
case("6to4_inner_next_header_1", "design (as outer): quoted IPv6 packet carrying ICMPv4 -> drop", 6,
     icmp6err(ICMPv6DestUnreach(code=0), inner=IPv6(src=C6, dst=R6, nh=1) / Raw(PAY)), "DROP", "ICMP_FAMILY")
case("6to4_fragment_next_header_60", SP + ": a non-first fragment whose next header is an extension header -> drop", 6,
     IPv6(src=R6, dst=C6) / IPv6ExtHdrFragment(nh=60, offset=10, m=0, id=7) / Raw(PAY), "DROP", "V6ONLY_PROTO")

# RFC 4884: ICMP errors with extension structures. Built byte by byte from
# the RFC's figures; checksums by scapy (checksum, in6_chksum).
S4884 = "RFC 7915 4.2/5.2 + RFC 4884"


def ext_struct(objs):
    """Section 7: version 2, reserved, checksum over the structure; then the
    objects (section 8: length, class-num, c-type, payload)."""
    body = b"".join(len(pl).__add__(4).to_bytes(2, "big") + bytes([cn, ct]) + pl for cn, ct, pl in objs)
    h = bytes([0x20, 0, 0, 0]) + body
    return h[:2] + checksum(h).to_bytes(2, "big") + h[4:]


# RFC 5837 Interface Information (class 2, c-type: ifIndex and MTU bits)
IIO = (2, 0x09, (7).to_bytes(4, "big") + (1500).to_bytes(4, "big"))
# RFC 4950 MPLS label stack (class 1, c-type 1): label 16, S, TTL 1
MPLS = (1, 1, ((16 << 12) | (1 << 8) | 1).to_bytes(4, "big"))
EXTS = {0: ext_struct([]), 1: ext_struct([IIO]), 2: ext_struct([IIO, MPLS])}
BIGEXT = ext_struct([(2, 0x09, bytes(range(256)) + bytes(40)), MPLS])


def pad(b, word, minimum=128):
    n = max(minimum, -(-len(b) // word) * word)
    return b + bytes(n - len(b))


def icmp4_raw(typ, code, rest, body):
    b = bytes([typ, code, 0, 0]) + rest + body
    return b[:2] + checksum(b).to_bytes(2, "big") + b[4:]


def icmp6_raw(src, dst, typ, code, rest, body):
    b = bytes([typ, code, 0, 0]) + rest + body
    return b[:2] + in6_chksum(58, IPv6(src=src, dst=dst), b).to_bytes(2, "big") + b[4:]


def q4(n):
    """A UDP datagram from the remote to the CLAT of n bytes in IPv4, and
    the same datagram in IPv6 (n + 20 bytes)."""
    body = bytes((i * 5) & 0xff for i in range(n - 28))
    return (raw(IP(src=R4, dst=C4, ttl=50, id=3) / UDP(sport=53, dport=40000) / body),
            raw(IPv6(src=R6, dst=C6, hlim=50) / UDP(sport=53, dport=40000) / body))


def q6(n):
    """A UDP datagram from the CLAT to the remote of n bytes in IPv6, and
    the same in IPv4 (n - 20 bytes)."""
    body = bytes((i * 3) & 0xff for i in range(n - 48))
    return (raw(IPv6(src=C6, dst=R6, hlim=60) / UDP(sport=40000, dport=53) / body),
            raw(IP(src=C4, dst=R4, ttl=60, id=0, flags=0) / UDP(sport=40000, dport=53) / body))


# 4to6: ICMPv4 Time Exceeded / Port Unreachable sent by the host about a
# packet from the remote: length attribute in octet 5, 32-bit words; out
# in octet 4, 64-bit words, field >= 128 octets (section 4.1, 4.5).
for nobj in (0, 1, 2):
    for n4, how in ((68, "padded to 128"), (128, "148 -> padded to 152"), (132, "152, no padding")):
        v4, v6 = q4(n4)
        f4 = pad(v4, 4)
        f6 = pad(v6, 8)
        ext = EXTS[nobj]
        for typ, code, t6, c6 in ((11, 0, 3, 0), (3, 3, 1, 4)):
            p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(typ, code, bytes([0, len(f4) // 4, 0, 0]), f4 + ext))
            e = IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, t6, c6, bytes([len(f6) // 8, 0, 0, 0]), f6 + ext))
            case("4to6_ext_%d_%d_obj%d_q%d" % (typ, code, nobj, n4), S4884 + " 4.1/4.5: ICMPv4 %d/%d, %d extension objects, quoted %d bytes -> IPv6 %s, length attribute in 64-bit words, extension unchanged" % (typ, code, nobj, n4, how),
                 4, p, out=[e])
# section 5: non-compliant (length 0) with a valid extension after 128 octets
for nobj in (1, 2):
    v4, v6 = q4(100)
    p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes(4), pad(v4, 4) + EXTS[nobj]))
    e = IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 3, 0, bytes([128 // 8, 0, 0, 0]), pad(v6, 8) + EXTS[nobj]))
    case("4to6_ext_noncompliant_obj%d" % nobj, S4884 + " 5: length 0 with a valid extension at octet 128 -> a compliant ICMPv6 error", 4, p, out=[e])
# length 0 and no valid extension there: classic, every byte is quoted
v4, v6 = q4(100)
junk = pad(v4, 4) + bytes([0x20, 0, 0x12, 0x34]) + PAY[:8]
case("4to6_ext_noncompliant_bad_checksum", S4884 + " 5: length 0 and no valid extension header -> all of it is the quoted packet", 4,
     IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes(4), junk)),
     out=[IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 3, 0, bytes(4), v6 + junk[100:]))])
# the quoted packet was itself truncated by the router (total length 1000)
full4, full6 = q4(1000)
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, 32, 0, 0]), full4[:128] + EXTS[1]))
e = IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 3, 0, bytes([19, 0, 0, 0]), pad(full6[:148], 8) + EXTS[1]))
case("4to6_ext_quote_truncated", S4884 + ": a quote cut at 128 octets by the router -> 148 octets, padded to 152", 4, p, out=[e])
# cut to make room: 1020 quoted octets and a 344-octet extension in 1232
full4, full6 = q4(1020)
room = (1232 - len(BIGEXT)) // 8 * 8
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, 255, 0, 0]), full4 + BIGEXT))
e = IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 3, 0, bytes([room // 8, 0, 0, 0]), full6[:room] + BIGEXT))
case("4to6_ext_cut", S4884 + " + RFC 7915 4.3: quote cut to 64-bit words so the error with its extension stays within 1280 bytes", 4, p, out=[e])
# PTB and Parameter Problem have no length attribute in ICMPv6: the
# extension is left out, the quote stripped of its padding.
v4, v6 = q4(68)
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(3, 4, bytes([0, 32]) + (1400).to_bytes(2, "big"), pad(v4, 4) + EXTS[1]))
case("4to6_ext_frag_needed", S4884 + " 4.5: Packet Too Big carries no extension -> left out", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 2, 0, (1420).to_bytes(4, "big"), v6))])
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(12, 0, bytes([9, 32, 0, 0]), pad(v4, 4) + EXTS[1]))
case("4to6_ext_param_problem", S4884 + " 4.5: Parameter Problem carries no extension -> left out, pointer 9 -> 6", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 4, 0, (6).to_bytes(4, "big"), v6))])
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, 40, 0, 0]), pad(v4, 4) + EXTS[1]))
case("4to6_ext_length_overrun", S4884 + ": length attribute beyond the message -> drop", 4, p, "DROP", "ICMP_EXT")
p = IP(src=C4, dst=R4, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, 32, 0, 0]), pad(v4, 4)))
case("4to6_ext_attribute_no_extension", S4884 + ": length attribute and no extension -> quote stripped of padding, no attribute", 4, p,
     out=[IPv6(src=C6, dst=R6, hlim=63, nh=58) / Raw(icmp6_raw(C6, R6, 3, 0, bytes(4), v6))])

# 6to4: ICMPv6 Time Exceeded (from a router, RFC 7600 source) and
# Destination Unreachable: attribute in octet 4, 64-bit words; out in
# octet 5, 32-bit words.
for nobj in (0, 1, 2):
    for n6, how in ((88, "68 -> padded to 128"), (152, "132, no padding"), (150, "130 -> padded to 132")):
        v6, v4 = q6(n6)
        f6 = pad(v6, 8)
        f4 = pad(v4, 4)
        ext = EXTS[nobj]
        for typ, code, t4, c4, src, src4 in ((3, 0, 11, 0, ROUTER6, DUMMY4), (1, 4, 3, 3, R6, R4)):
            p = IPv6(src=src, dst=C6, nh=58) / Raw(icmp6_raw(src, C6, typ, code, bytes([len(f6) // 8, 0, 0, 0]), f6 + ext))
            e = IP(src=src4, dst=C4, ttl=63, flags=0, proto=1) / Raw(icmp4_raw(t4, c4, bytes([0, len(f4) // 4, 0, 0]), f4 + ext))
            case("6to4_ext_%d_%d_obj%d_q%d" % (typ, code, nobj, n6), S4884 + " 4.1/4.5: ICMPv6 %d/%d, %d extension objects, quoted %d bytes -> IPv4 %s, length attribute in 32-bit words, extension unchanged" % (typ, code, nobj, n6, how),
                 6, p, out=[e], flags=IGNORE_IPID)
for nobj in (1, 2):
    v6, v4 = q6(100)
    p = IPv6(src=ROUTER6, dst=C6, nh=58) / Raw(icmp6_raw(ROUTER6, C6, 3, 0, bytes(4), pad(v6, 8) + EXTS[nobj]))
    e = IP(src=DUMMY4, dst=C4, ttl=63, flags=0, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, 32, 0, 0]), pad(v4, 4) + EXTS[nobj]))
    case("6to4_ext_noncompliant_obj%d" % nobj, S4884 + " 5: length 0 with a valid extension at octet 128 -> a compliant ICMPv4 error", 6, p, out=[e], flags=IGNORE_IPID)
# cut: a 1000-octet quote and a 344-octet extension in 548
full6, full4 = q6(1000)
room = (548 - len(BIGEXT)) // 4 * 4
p = IPv6(src=ROUTER6, dst=C6, nh=58) / Raw(icmp6_raw(ROUTER6, C6, 3, 0, bytes([125, 0, 0, 0]), full6 + BIGEXT))
e = IP(src=DUMMY4, dst=C4, ttl=63, flags=0, proto=1) / Raw(icmp4_raw(11, 0, bytes([0, room // 4, 0, 0]), full4[:room] + BIGEXT))
case("6to4_ext_cut", S4884 + " + RFC 1812 4.3.2.3: quote cut to 32-bit words so the error with its extension stays within 576 bytes", 6, p, out=[e], flags=IGNORE_IPID)
# an extension too large to fit beside 128 octets in 576: left out
huge = ext_struct([(2, 0x09, bytes(480))])
v6, v4 = q6(88)
p = IPv6(src=ROUTER6, dst=C6, nh=58) / Raw(icmp6_raw(ROUTER6, C6, 3, 0, bytes([16, 0, 0, 0]), pad(v6, 8) + huge))
e = IP(src=DUMMY4, dst=C4, ttl=63, flags=0, proto=1) / Raw(icmp4_raw(11, 0, bytes(4), v4))
case("6to4_ext_too_large", S4884 + " 4: an extension that leaves no 128 octets in 576 is left out", 6, p, out=[e], flags=IGNORE_IPID)
p = IPv6(src=ROUTER6, dst=C6, nh=58) / Raw(icmp6_raw(ROUTER6, C6, 3, 0, bytes([20, 0, 0, 0]), pad(v6, 8) + EXTS[1]))
case("6to4_ext_length_overrun", S4884 + ": length attribute beyond the message -> drop", 6, p, "DROP", "ICMP_EXT")


# RFC 7757: explicit address mappings before RFC 6052 (preset E:
# 198.51.100.0/24 <-> 2001:db8:aaaa::/120, 198.51.100.128/25 <->
# 2001:db8:bbbb::/121, 192.0.2.7 <-> 2001:db8:cccc::7, and two that land on
# the CLAT's own addresses).
S7757 = "RFC 7757 section 3"
for a4, a6, why in (("198.51.100.5", "2001:db8:aaaa::5", "suffix 5 copied behind the /120"),
                    ("198.51.100.200", "2001:db8:bbbb::48", "the longest match (/25) wins: 200 - 128 = 0x48"),
                    ("192.0.2.7", "2001:db8:cccc::7", "a host mapping")):
    p = IP(src=C4, dst=a4, ttl=64) / TCP(sport=40000, dport=80, flags="S") / PAY
    case("4to6_eam_%s" % a4, S7757 + ": destination %s -> %s (%s)" % (a4, a6, why), 4, p, cfg="E",
         out=[IPv6(src=C6, dst=a6, hlim=63) / TCP(sport=40000, dport=80, flags="S") / PAY])
    p = IPv6(src=a6, dst=C6, hlim=64) / TCP(sport=80, dport=40000, flags="SA") / PAY
    case("6to4_eam_%s" % a4, S7757 + ": source %s -> %s (%s)" % (a6, a4, why), 6, p, cfg="E",
         out=[IP(src=a4, dst=C4, ttl=63, flags=0) / TCP(sport=80, dport=40000, flags="SA") / PAY], flags=IGNORE_IPID)
p = IP(src=C4, dst=R4) / UDP(sport=1, dport=2) / PAY
case("4to6_eam_miss", S7757 + ": no mapping matches -> RFC 6052 under the PLAT prefix", 4, p, cfg="E",
     out=[IPv6(src=C6, dst=R6, hlim=63) / UDP(sport=1, dport=2) / PAY])
p = IPv6(src="2001:db8:aaaa::1:5", dst=C6) / UDP(sport=1, dport=2) / PAY
case("6to4_eam_outside", S7757 + ": a source beside the /120 and outside the PLAT prefix -> not translated", 6, p, "DROP", "SRC_NOT_PLAT", cfg="E")
p = IP(src=C4, dst="192.0.2.99") / UDP(sport=1, dport=2)
case("4to6_eam_onto_clat6", "RFC 7757 section 4 (hairpin): a mapping onto the CLAT's own IPv6 address would loop -> 3/13", 4, p,
     "REPLY", "ADDR_FORBIDDEN", [err4(p, 3, 13)], cfg="E")
case("6to4_eam_onto_clat4", "design: a source mapped onto the CLAT's own IPv4 address -> drop", 6,
     IPv6(src="2001:db8:dddd::1", dst=C6) / UDP(sport=1, dport=2), "DROP", "ADDR_FORBIDDEN", cfg="E")
# the quoted packet is mapped by the same table
ein = IP(src="198.51.100.5", dst=C4, ttl=50) / UDP(sport=53, dport=40000) / PAY
case("4to6_eam_inner", S7757 + " + RFC 7915 4.3: the quoted packet's remote address is mapped too", 4,
     IP(src=C4, dst="198.51.100.5") / ICMP(type=3, code=3) / Raw(raw(ein)), cfg="E",
     out=[IPv6(src=C6, dst="2001:db8:aaaa::5", hlim=63) / ICMPv6DestUnreach(code=4) /
          Raw(raw(IPv6(src="2001:db8:aaaa::5", dst=C6, hlim=50) / UDP(sport=53, dport=40000) / PAY))])
ein6 = IPv6(src=C6, dst="2001:db8:bbbb::48", hlim=60) / UDP(sport=40000, dport=53) / PAY
case("6to4_eam_inner", S7757 + " + RFC 7915 5.3: an error from a mapped source about a mapped destination", 6,
     IPv6(src="2001:db8:bbbb::48", dst=C6) / ICMPv6DestUnreach(code=4) / Raw(raw(ein6)), cfg="E",
     out=[IP(src="198.51.100.200", dst=C4, ttl=63, flags=0) / ICMP(type=3, code=3) /
          Raw(raw(IP(src=C4, dst="198.51.100.200", ttl=60, id=0, flags=0) / UDP(sport=40000, dport=53) / PAY))], flags=IGNORE_IPID)

# ================================================================ output
def carr(name, b):
    body = ",".join("0x%02x" % x for x in b) or "0"
    return "static const uint8_t %s[] = {%s};\n" % (name, body)


def main():
    out = open(sys.argv[1], "w") if len(sys.argv) > 1 else sys.stdout
    out.write("/* SPDX-License-Identifier: GPL-2.0-or-later */\n")
    out.write("/* GENERATED by tests/vectors/gen.py (scapy) -- do not edit.\n"
              " * Regenerate with `make vectors`. %d vectors. */\n" % len(cases))
    out.write("#define V_IGNORE_IPID 1\n\n")
    names = set()
    for i, c in enumerate(cases):
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        out.write(carr("v%d_in" % i, c["inp"]))
        for k, o in enumerate(c["out"]):
            out.write(carr("v%d_out%d" % (i, k), o))
        out.write("static const uint8_t *const v%d_out[] = {%s};\n" % (
            i, ",".join("v%d_out%d" % (i, k) for k in range(len(c["out"]))) or "NULL"))
        out.write("static const size_t v%d_len[] = {%s};\n\n" % (
            i, ",".join(str(len(o)) for o in c["out"]) or "0"))
    out.write("static const struct vector vectors[] = {\n")
    for i, c in enumerate(cases):
        out.write('\t{ "%s", "%s", \'%s\', %d, v%d_in, %d, XLAT_%s, XLAT_R_%s, %d, v%d_out, v%d_len, %d },\n' % (
            c["name"], c["rfc"].replace('"', "'"), c["cfg"], c["d"], i, len(c["inp"]), c["verdict"], c["reason"],
            len(c["out"]), i, i, c["flags"]))
    out.write("};\n")


main()
