# SPDX-License-Identifier: GPL-2.0-or-later
"""The tables of make bench, from the raw measurements bench.sh records.

Usage: report.py RAW.tsv REPEAT SECS SOAK META.tsv > RESULTS.md
RAW.tsv lines: system, metric, value. META.tsv lines: key, value (what ran:
TAYGA versions, the commit, the paced rate). Every figure is the median of
its runs; clat-nfq's also as a ratio to each TAYGA's and to native IPv6.
"""
import os
import platform
import statistics
import sys
import time
from collections import defaultdict

raw, repeat, secs, soak, metaf = (sys.argv[1], sys.argv[2], sys.argv[3],
                                  int(sys.argv[4]), sys.argv[5])
vals = defaultdict(list)
with open(raw) as f:
    for line in f:
        sysname, metric, value = line.rstrip("\n").split("\t")
        try:
            vals[(sysname, metric)].append(float(value))
        except ValueError:
            pass            # "-": no figure from that run
meta = {}
with open(metaf) as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("\t")
        meta[k] = v
pps = int(meta.get("cpu_pps", "0") or 0)
has_bin = ("tayga-bin", "tcp_up_1") in vals or "tayga_bin" in meta


def med(sysname, metric):
    v = vals.get((sysname, metric))
    return statistics.median(v) if v else None


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


def cell(fmt, v):
    return fmt.format(v) if v is not None else "-"


T0 = f"TAYGA {meta.get('tayga_version') or '(Debian)'}"
T1 = f"TAYGA {meta.get('tayga_bin_version', '?')} ({meta.get('tayga_bin_workers', '?')} workers)"
TAYGAS = [("tayga", T0)] + ([("tayga-bin", T1)] if has_bin else [])

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
CPU_ROWS = [
    ("paced_up_64", "UDP 64 B upload"),
    ("paced_down_64", "UDP 64 B download"),
    ("paced_up_1400", "UDP 1400 B upload"),
    ("paced_down_1400", "UDP 1400 B download"),
]
ONE_ROWS = [
    ("onesrv_tcp_up_8", "TCP upload, 8 streams (Gbit/s)", "{:.2f}"),
    ("onesrv_tcp_down_8", "TCP download, 8 streams (Gbit/s)", "{:.2f}"),
    ("onesrv_up_64", "UDP 64 B upload, 8 flows (packets/s)", "{:,.0f}"),
    ("onesrv_down_64", "UDP 64 B download, 8 flows (packets/s)", "{:,.0f}"),
]


def table(rows, systems, ratios):
    """systems: [(key, label)]; ratios: [(a, b, label)] of a / b."""
    print("| measurement | " + " | ".join(l for _, l in systems) + " | "
          + " | ".join(l for _, _, l in ratios) + " |")
    print("|---" * (1 + len(systems) + len(ratios)) + "|")
    for key, label, fmt in rows:
        cells = [cell(fmt, med(s, key)) for s, _ in systems]
        rs = [ratio(med(a, key), med(b, key)) for a, b, _ in ratios]
        print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(rs) + " |")


cpu = "?"
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
except OSError:
    pass
idle = vals.get(("machine", "idle_cpu_pct"), [])

print("# make bench: clat-nfq next to TAYGA and native IPv6\n")
print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit "
      f"{meta.get('commit', '?')} (of {meta.get('commit_date', '?')}) on "
      f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()} "
      f"({platform.version()}). "
      f"Median of {repeat} rounds, each measurement {secs} s, the systems taking "
      "turns within a round; one lab, H and P on veth, the PLAT left out "
      "(servers on P under the prefix), as in ../shared/NOTES.md. clat-nfq "
      "runs its defaults (one worker per CPU, route MTU = IPv6 MTU - 20 = "
      f"1480); {' and '.join(l for _, l in TAYGAS)} as clatd sets TAYGA up "
      "(route MTU 1260)"
      + (f", the second from {meta['tayga_bin']}" if has_bin else "")
      + ". UDP from the project's own tests/bench/udpblast.c, 8 flows to 8 "
      "server addresses unless said otherwise. Busy share of the machine "
      "with no traffic, before and after the rounds: "
      + (", ".join(f"{v:.1f} %" for v in idle) if idle else "-")
      + " of one CPU.\n")

# clat-nfq in its default shared address mode, and (clat-nfq-x) with an
# address of its own, as clatd gives TAYGA: the ingress shortcut's mode.
has_x = ("clat-nfq-x", "udp_up_64") in vals
CLATS = [("clat-nfq", "clat-nfq")] + \
        ([("clat-nfq-x", "clat-nfq explicit")] if has_x else [])
SYS = [("native", "native IPv6")] + TAYGAS + CLATS
RAT = [(c, t, f"{cl} / {l.split(' (')[0]}") for c, cl in CLATS
       for t, l in TAYGAS] + \
      [(c, "native", f"{cl} / native") for c, cl in CLATS]
if has_x:
    print("clat-nfq runs twice: in its default shared address mode (the "
          "host's own IPv6 address, its flows told apart by conntrack), and "
          "as clat-nfq explicit with an address of its own "
          "(clat-v6-addr, TAYGA's, which P routes to H), where IPv6 UDP and "
          "ICMPv6 take the ingress shortcut past NFQUEUE.\n")
table(ROWS, SYS, RAT)

print(f"\n## CPU per packet at a fixed load\n")
print(f"UDP at {pps:,} packets/s offered, 8 flows, one direction at a time: "
      "the whole machine's busy CPU time (every CPU's time less its idle, "
      "iowait and steal time, /proc/stat: idle time is measured, while "
      "user and system time are only sampled by the tick, in step with a "
      "paced load) over the sink's window, divided by the packets "
      "delivered in it, in microseconds. The senders, the sinks "
      "and the kernel's work for both count for every system alike; what "
      "differs is the translation. Lower is better.\n")
# The same net of the machine's load with no traffic (the median of the
# idle samples, spread over the packets delivered): what the traffic adds.
idle_frac = statistics.median(idle) / 100 if idle else 0
for s_, _ in SYS:
    for k, _ in CPU_ROWS:
        cs, ps = vals.get((s_, "cpu_" + k), []), vals.get((s_, k), [])
        if len(cs) != len(ps):      # a run without a CPU figure
            continue
        for c_, p_ in zip(cs, ps):
            if p_ > 0:
                vals[(s_, "net_" + k)].append(c_ - idle_frac * 1e6 / p_)
table([("cpu_" + k, f"{l}: CPU per packet (µs)", "{:.2f}") for k, l in CPU_ROWS] +
      [("net_" + k, f"{l}: the same net of the idle load (µs)", "{:.2f}") for k, l in CPU_ROWS] +
      [(k, f"{l}: delivered (packets/s)", "{:,.0f}") for k, l in CPU_ROWS],
      SYS, RAT)

print("\n## Eight flows to one server address\n")
print("All flows to one IPv4 address (one CDN node, one API endpoint); "
      "clat-nfq with its default workers and with one.\n")
table(ONE_ROWS, SYS + [(c + "-1w", f"{cl}, 1 worker") for c, cl in CLATS],
      RAT + [(c, c + "-1w", f"{cl}: default / 1 worker") for c, cl in CLATS])

print("\n## Workers\n")
print("| UDP 64 B, 8 flows to 8 servers (packets/s) | 1 worker | default workers | ratio |")
print("|---|---|---|---|")
for c, cl in CLATS:
    for key in ("udp_up_64", "udp_down_64"):
        one, many = med(c + "-1w", key), med(c, key)
        print(f"| {cl}, {key.replace('udp_', '').replace('_64', '')} | {cell('{:,.0f}', one)} "
              f"| {cell('{:,.0f}', many)} | {ratio(many, one)} |")

drains = [int(s[len("clat-nfq-drain-"):-1]) for s, _ in vals
          if s.startswith("clat-nfq-drain-")]
if drains and max(drains) > 1:
    many = max(drains)
    print("\nThe daemon alone (drain runs: the daemon stopped while 65,536 "
          "packets per queue pile up, then timed as it carries them on with "
          "no load generator running; median of every run):\n")
    print(f"| UDP 64 B, 8 flows (packets/s) | 1 worker | {many} workers | ratio |")
    print("|---|---|---|---|")
    for c, cl in CLATS:
        for pre, what in (("udp", "to 8 servers"), ("onesrv", "to one server")):
            for d in ("up", "down"):
                key = f"{pre}_{d}_64"
                one = med(f"{c}-drain-1w", key)
                two = med(f"{c}-drain-{many}w", key)
                if one is None and two is None:
                    continue
                print(f"| {cl}, {d}, {what} | {cell('{:,.0f}', one)} "
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

# The targets of issue 18, against each TAYGA: a ratio and met / missed.
print("\n## Targets (issue 18)\n")


def target(label, a, b, op, bound):
    if a is None or not b:
        print(f"- {label}: no figure")
        return
    r = a / b
    ok = r >= bound if op == ">=" else r <= bound
    print(f"- {label}: {r:.2f}x ({'met' if ok else 'MISSED'}, target {op} {bound}x)")


for c, cl in CLATS:
    print(f"\n{cl}:\n")
    for t, l in TAYGAS:
        name = l.split(" (")[0]
        for key, what in (("udp_up_64", "UDP 64 B upload"), ("udp_down_64", "UDP 64 B download"),
                          ("tcp_up_1", "TCP upload, 1 stream"), ("tcp_up_4", "TCP upload, 4 streams")):
            target(f"{what} / {name}", med(c, key), med(t, key), ">=", 1.5)
        for key in ("tcp_down_1", "tcp_down_4"):
            target(f"TCP download {key[-1]} / {name}", med(c, key), med(t, key), ">=", 3)
        target(f"ping mean / {name}", med(c, "rtt_mean"), med(t, "rtt_mean"), "<=", 1)
        for key, what in CPU_ROWS:
            target(f"CPU per packet, {what} / {name}", med(c, "cpu_" + key),
                   med(t, "cpu_" + key), "<=", 0.7)
        for key, _, fmt in ONE_ROWS:
            target(f"one server, {key[7:]} / {name}", med(c, key), med(t, key), ">=", 1.5)
    for key in ("tcp_down_1", "tcp_down_4"):
        target(f"TCP download {key[-1]} / native", med(c, key), med("native", key), ">=", 0.5)
    for key in ("onesrv_up_64", "onesrv_down_64"):
        target(f"one server, {key[7:]}, default / 1 worker (live)", med(c, key),
               med(c + "-1w", key), ">=", 1.3)
        if drains and med(f"{c}-drain-{max(drains)}w", key) is not None:
            target(f"one server, {key[7:]}, {max(drains)} / 1 workers (drain runs)",
                   med(f"{c}-drain-{max(drains)}w", key),
                   med(f"{c}-drain-1w", key), ">=", 1.3)
if soak and pts:
    spread = max(rss) - min(rss)
    print(f"- RSS over the {soak} s run: spread {spread:,.0f} KiB "
          f"({'met' if spread <= 1024 else 'MISSED'}, target <= 1,024 KiB)")
