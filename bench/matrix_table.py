#!/usr/bin/env python3
"""Side-by-side table of medians from run-matrix.sh's results.jsonl (one JSON object per run)."""
import json
import statistics
import sys
from collections import defaultdict

TITLES = {
    "m1": "1 fanout N=100 S=10 M=1000 flat out",
    "m2": "2 fanout N=500 S=5 M=200 flat out",
    "m3": "3 one-to-one N=2 S=1 M=20000 flat out",
    "m3w": "3w one-to-one N=2 S=1 M=20000 window 64",
    "m4": "4 fanout N=100 S=10 M=500 at 100 msg/s/sender",
    "m5": "5 idle C=2000",
    "m6": "6 idle C=1000",
    "t1": "T1 TLS fanout N=100 S=10 M=1000 flat out",
    "t1a": "T1a the same, AES-128-GCM offered (all servers)",
    "t2": "T2 TLS fanout N=500 S=5 M=200 flat out",
    "t3w": "T3w TLS one-to-one N=2 S=1 M=20000 window 64",
    "t5": "T5 TLS idle C=1000",
    "th": "TH TLS handshakes, 2000 (8 at once)",
}
IDLE = ("m5", "m6", "t5")
ALL_SERVERS = ["chatd", "chatd-nostore", "ngircd", "inspircd"]


def get(run, path):
    v = run
    for key in path.split("."):
        if not isinstance(v, dict) or key not in v:
            return None
        v = v[key]
    return v


def main():
    runs = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                runs[(r["id"], r["label"])].append(r)
    # Columns: the servers that ran (chatd-nostore only when asked for).
    SERVERS = [s for s in ALL_SERVERS if any(label == s for (_, label) in runs)]

    def cell(id_, srv, path, fmt):
        # Medians over valid runs only: a failed run's figures describe the failure, not the server.
        vals = [get(r, path) for r in runs.get((id_, srv), []) if r.get("ok")]
        vals = [v for v in vals if v is not None]
        if not vals:
            return "-"
        med = statistics.median(vals)
        text = fmt(med)
        if len(vals) > 1 and path in ("deliveries_per_s", "handshakes_per_s"):
            text += f" ({fmt(min(vals))}..{fmt(max(vals))})"
        return text

    def losses(id_, srv):
        rs = runs.get((id_, srv), [])
        if not rs:
            return "-"
        bad = sum(1 for r in rs if not r.get("ok"))
        lost = sum(int(r.get("losses", 0)) for r in rs)
        return f"{lost} ({len(rs) - bad}/{len(rs)} ok)"

    def tls_kind(id_, srv):
        for r in runs.get((id_, srv), []):
            t = r.get("tls")
            if isinstance(t, dict) and "server_key" in t:
                return f"{t['server_key']} {t.get('server_key_bits', '?')}, {t.get('group', '?')}"
        return "-"

    k = lambda v: f"{v / 1000:.0f}k"
    us = lambda v: f"{v:,.0f}"
    ns = lambda v: f"{v:.0f}"
    kb = lambda v: f"{v / 1024:.1f} MiB"
    by = lambda v: f"{v:,.0f}"
    rows = [
        ("deliveries/s (median, min..max)", "deliveries_per_s", k),
        ("server CPU ns/delivery", "server.cpu_ns_per_delivery", ns),
        ("latency p50 us", "latency_us.p50", us),
        ("latency p99 us", "latency_us.p99", us),
        ("latency max us", "latency_us.max", us),
        ("server peak RSS", "server.rss_peak_kb", kb),
    ]
    loads = [r.get("loadavg") for rs in runs.values() for r in rs if r.get("loadavg") is not None]
    if loads:
        print(f"Load average (1 min) during the runs: median {statistics.median(loads):.1f}, max {max(loads):.1f}\n")
    print("| workload | metric | " + " | ".join(SERVERS) + " |")
    print("|---|---|" + "---|" * len(SERVERS))
    for id_, title in TITLES.items():
        if not any((id_, s) in runs for s in SERVERS):
            continue
        if id_ in IDLE:
            metrics = [("RSS bytes/connection", "server.rss_per_connection_bytes", by),
                       ("set-up s (not a target)", "setup_s", lambda v: f"{v:.1f}")]
        elif id_ == "th":
            metrics = [("server CPU us/handshake", "server.cpu_us_per_handshake", lambda v: f"{v:.0f}"),
                       ("handshakes per server CPU-second (one core)", "server.handshakes_per_cpu_s", by),
                       ("handshakes/s wall (median, min..max)", "handshakes_per_s", by),
                       ("server key, key exchange", None, None)]
        else:
            metrics = rows
        for name, path, fmt in metrics:
            if path is None:
                print(f"| {title} | {name} | " + " | ".join(tls_kind(id_, s) for s in SERVERS) + " |")
                continue
            print(f"| {title} | {name} | " + " | ".join(cell(id_, s, path, fmt) for s in SERVERS) + " |")
        if id_ not in IDLE and id_ != "th":
            print(f"| {title} | losses (runs ok) | " + " | ".join(losses(id_, s) for s in SERVERS) + " |")
        else:
            print(f"| {title} | runs ok | " + " | ".join(losses(id_, s).split(" ", 1)[-1] for s in SERVERS) + " |")


if __name__ == "__main__":
    main()
