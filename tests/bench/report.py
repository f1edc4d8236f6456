# SPDX-License-Identifier: GPL-2.0-or-later
"""The table of make bench, from the raw measurements bench.sh records.

Usage: report.py RAW.tsv REPEAT SECS SOAK > RESULTS.md
RAW.tsv lines: system, metric, value. Every figure is the median of its
runs; clat-nfq's also as a ratio to TAYGA's and to native IPv6.
"""
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict

raw, repeat, secs, soak = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
vals = defaultdict(list)
with open(raw) as f:
    for line in f:
        sysname, metric, value = line.rstrip("\n").split("\t")
        try:
            vals[(sysname, metric)].append(float(value))
        except ValueError:
            vals[(sysname, metric)].append(0.0)


def med(sysname, metric):
    v = vals.get((sysname, metric))
    return statistics.median(v) if v else None


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


ROWS = [
    ("tcp_up_1", "TCP upload, 1 stream (Gbit/s)", "{:.2f}"),
    ("tcp_up_4", "TCP upload, 4 streams (Gbit/s)", "{:.2f}"),
    ("tcp_down_1", "TCP download, 1 stream (Gbit/s)", "{:.2f}"),
    ("tcp_down_4", "TCP download, 4 streams (Gbit/s)", "{:.2f}"),
    ("udp_up_64", "UDP 64 B upload (packets/s)", "{:,.0f}"),
    ("udp_down_64", "UDP 64 B download (packets/s)", "{:,.0f}"),
    ("udp_up_1400", "UDP 1400 B upload (packets/s)", "{:,.0f}"),
    ("udp_down_1400", "UDP 1400 B download (packets/s)", "{:,.0f}"),
    ("rtt_mean", "ping RTT, mean (ms)", "{:.3f}"),
    ("rtt_p99", "ping RTT, 99th percentile (ms)", "{:.3f}"),
    ("cpu_s", "translator CPU time over one round's measurements (s)", "{:.1f}"),
    ("rss_kib", "translator resident memory (KiB)", "{:,.0f}"),
]


def cell(fmt, v):
    return fmt.format(v) if v is not None else "-"


cpu = "?"
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
except OSError:
    pass
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                     capture_output=True, text=True).stdout.strip() or "?"

print("# make bench: clat-nfq next to TAYGA and native IPv6\n")
print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {rev} "
      f"on {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}. "
      f"Median of {repeat} rounds, each measurement {secs} s, the systems taking turns within a round; one lab, H and P on veth, "
      "the PLAT left out (servers on P under the prefix), as in "
      "../shared/NOTES.md. clat-nfq runs its defaults (one worker per CPU, "
      "route MTU = IPv6 MTU - 20 = 1480); TAYGA 0.9.2 as clatd sets it up "
      "(route MTU 1260). UDP with 8 flows to 8 server addresses, from the "
      "project's own tests/bench/udpblast.c; clat-nfq spreads flows over its "
      "workers by the remote IPv4 address.\n")
print("| measurement | native IPv6 | TAYGA | clat-nfq | clat-nfq / TAYGA | clat-nfq / native |")
print("|---|---|---|---|---|---|")
for key, label, fmt in ROWS:
    n, t, c = med("native", key), med("tayga", key), med("clat-nfq", key)
    print(f"| {label} | {cell(fmt, n)} | {cell(fmt, t)} | {cell(fmt, c)} "
          f"| {ratio(c, t)} | {ratio(c, n)} |")

print("\n## Workers\n")
print("| UDP 64 B, 8 flows to 8 servers (packets/s) | 1 worker | default workers | ratio |")
print("|---|---|---|---|")
for key in ("udp_up_64", "udp_down_64"):
    one, many = med("clat-nfq-1w", key), med("clat-nfq", key)
    print(f"| {key.replace('udp_', '').replace('_64', '')} | {cell('{:,.0f}', one)} "
          f"| {cell('{:,.0f}', many)} | {ratio(many, one)} |")

if vals.get(("clat-nfq-drain-1w", "udp_up_64")):
    many = max(int(s[len("clat-nfq-drain-"):-1]) for s, _ in vals
               if s.startswith("clat-nfq-drain-"))
    print("\nThe daemon alone (drain runs: the daemon stopped while 65,536 "
          "packets per queue pile up, then timed as it carries them on with "
          "no load generator running; median of every run):\n")
    print(f"| UDP 64 B, 8 flows (packets/s) | 1 worker | {many} workers | ratio |")
    print("|---|---|---|---|")
    for key in ("udp_up_64", "udp_down_64"):
        one = med("clat-nfq-drain-1w", key)
        two = med(f"clat-nfq-drain-{many}w", key)
        print(f"| {key.replace('udp_', '').replace('_64', '')} | {cell('{:,.0f}', one)} "
              f"| {cell('{:,.0f}', two)} | {ratio(two, one)} |")

if soak:
    pts = sorted(((int(m[4:-1]), statistics.median(v))
                  for (s, m), v in vals.items() if s == "clat-nfq-soak"))
    if pts:
        rss = [v for _, v in pts]
        print(f"\n## Memory over a {soak} s full-rate UDP 64 B upload\n")
        print("Resident memory of clat-nfq (KiB), every 10 s: "
              + ", ".join(f"{v:,.0f}" for v in rss)
              + f". Spread: {max(rss) - min(rss):,.0f} KiB "
              + f"(from the first sample to the last: {rss[-1] - rss[0]:+,.0f} KiB).")
