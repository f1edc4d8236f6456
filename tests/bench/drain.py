#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time how fast a stopped clat-nfq empties its queues once it runs again.

    drain.py PID FIRST COUNT
    drain.py PID dev NAME

Run inside the daemon's network namespace. PID was stopped (SIGSTOP) while
packets piled up on queues FIRST .. FIRST + COUNT - 1; this sends SIGCONT
and polls /proc/net/netfilter/nfnetlink_queue until no packet waits for a
verdict. Prints "waiting N seconds T": N packets were carried in T seconds
by the daemon alone, with no load generator on the CPUs meanwhile.

With "dev NAME" the packets piled up in the queues of the tun NAME (the
CLAT device, whose workers read IPv4 from it): a tun counts a packet as
sent when its reader takes it, so this polls that count until it has not
moved for 0.2 s, and T ends at its last move.
"""
import os
import signal
import sys
import time


def waiting(first, count):
    total = 0
    with open("/proc/net/netfilter/nfnetlink_queue") as f:
        for line in f:
            # queue portid waiting copy_mode copy_range queue_dropped
            # user_dropped id_sequence 1
            field = line.split()
            if first <= int(field[0]) < first + count:
                total += int(field[2])
    return total


def tx_packets(dev):
    with open(f"/sys/class/net/{dev}/statistics/tx_packets") as f:
        return int(f.read())


def main_dev(pid, dev):
    n0 = last = tx_packets(dev)
    t0 = t_last = time.monotonic()
    os.kill(pid, signal.SIGCONT)
    while time.monotonic() - t_last < 0.2:
        if time.monotonic() - t0 > 120:
            sys.exit("drain.py: the device's queues did not empty in 120 s")
        time.sleep(0.001)
        n = tx_packets(dev)
        if n != last:
            last, t_last = n, time.monotonic()
    print(f"waiting {last - n0} seconds {t_last - t0:.4f}")


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "dev":
        return main_dev(int(sys.argv[1]), sys.argv[3])
    pid, first, count = (int(a) for a in sys.argv[1:4])
    n = waiting(first, count)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGCONT)
    while waiting(first, count):
        if time.monotonic() - t0 > 120:
            sys.exit("drain.py: the queues did not empty in 120 s")
        time.sleep(0.001)
    print(f"waiting {n} seconds {time.monotonic() - t0:.4f}")


main()
