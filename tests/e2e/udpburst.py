#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""UDP bursts toward the host, for datapath.sh: every datagram whole and in
order, whatever the CLAT joined on the way (UDP super-packets, txq.h).

  udpburst.py send BIND6 PORT N   wait for a hello on [BIND6]:PORT, answer
                                  with N numbered datagrams in bursts
  udpburst.py recv DST4 PORT N    say hello to DST4:PORT, then check the N
                                  datagrams: prints "ok N" or what was wrong
Datagram i is 4 bytes of i and a pattern of i; its size runs through
runs of equal sizes (which may be joined) and odd ones (which end a run).
"""
import socket
import struct
import sys
import time


def size(i):
    return 1200 if i % 97 == 96 else (40 if (i // 50) % 2 else 1000) if i % 13 else 333


def body(i):
    n = size(i)
    return struct.pack("!I", i) + bytes((i + k) & 0xFF for k in range(n - 4))


def send(bind6, port, n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((bind6, port))
    s.settimeout(20)
    _, peer = s.recvfrom(100)
    for i in range(n):
        s.sendto(body(i), peer)
        if i % 64 == 63:
            time.sleep(0.002)


def recv(dst4, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.connect((dst4, port))
    s.settimeout(0.5)
    for _ in range(20):
        s.send(b"hello")
        try:
            first = s.recv(2000)
            break
        except (socket.timeout, ConnectionRefusedError):
            continue	# the sender not up yet
    else:
        print("no datagram came")
        return 1
    s.settimeout(3)
    got = [first]
    try:
        while len(got) < n:
            got.append(s.recv(2000))
    except socket.timeout:
        pass
    for i, d in enumerate(got):
        if d != body(i):
            (j,) = struct.unpack("!I", d[:4]) if len(d) >= 4 else (-1,)
            print(f"datagram {i}: got {len(d)} bytes, number {j}")
            return 1
    if len(got) != n:
        print(f"{len(got)} of {n} datagrams")
        return 1
    print(f"ok {n}")
    return 0


if __name__ == "__main__":
    mode, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sys.exit(send(addr, port, n) if mode == "send" else recv(addr, port, n))
