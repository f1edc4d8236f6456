#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time how fast a stopped clat-nfq empties its queues once it runs again.

    drain.py PID FIRST COUNT

Run inside the daemon's network namespace. PID was stopped (SIGSTOP) while
packets piled up on queues FIRST .. FIRST + COUNT - 1; this sends SIGCONT
and polls /proc/net/netfilter/nfnetlink_queue until no packet waits for a
verdict. Prints "waiting N seconds T": N packets were carried in T seconds
by the daemon alone, with no load generator on the CPUs meanwhile.
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


def main():
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
