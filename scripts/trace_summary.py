#!/usr/bin/env python3
"""Where a Kineto trace spends its time: GPU kernels and CPU ops summed by name, top N of each.

Usage: trace_summary.py TRACE.json [N]   (TRACE.json from `astraea train --profile`)
CPU ops nest, so their totals overlap; kernel totals do not (one stream).
"""
import collections
import json
import sys


def main(path, top):
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    totals = {"kernel": collections.Counter(), "cpu_op": collections.Counter()}
    counts = {"kernel": collections.Counter(), "cpu_op": collections.Counter()}
    for e in events:
        cat = e.get("cat")
        if cat in totals and "dur" in e:
            totals[cat][e["name"]] += e["dur"]
            counts[cat][e["name"]] += 1
    for cat, label in (("kernel", "GPU kernels"), ("cpu_op", "CPU ops")):
        total = sum(totals[cat].values())
        if not total:
            continue
        print(f"{label}: {total / 1000:.1f} ms in {sum(counts[cat].values())} events")
        for name, us in totals[cat].most_common(top):
            print(f"  {us / 1000:9.2f} ms {100 * us / total:5.1f}% x{counts[cat][name]:<6} {name[:110]}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
