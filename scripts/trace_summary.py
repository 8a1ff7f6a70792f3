#!/usr/bin/env python3
"""Where a Kineto trace spends its time: GPU time by named region, GPU kernels and CPU ops by name.

Usage: trace_summary.py TRACE.json [N]
TRACE.json comes from `astraea train --profile FILE` or from a trial run with study.profile_step=K
(trace_step<K>.json in the trial's output directory).

A kernel belongs to the innermost named region (a user scope such as attn.attention) that encloses
the host call that launched it. Host time by region is each region's wall time on the host (on a
GPU the host only queues work, so that is launch cost, not compute). CPU ops nest, so their totals overlap; kernel totals do not (one
stream). The GPU span runs from the first kernel's start to the last one's end; busy is the share
of it that kernels cover.
"""
import bisect
import collections
import json
import sys

GPU_CATEGORIES = ("kernel", "gpu_memcpy", "gpu_memset")
LAUNCH_CATEGORIES = ("cuda_runtime", "cuda_driver")
UNNAMED = "(outside every region)"


def load(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def by_name(events, category):
    totals, counts = collections.Counter(), collections.Counter()
    for e in events:
        if e.get("cat") == category and "dur" in e:
            totals[e["name"]] += e["dur"]
            counts[e["name"]] += 1
    return totals, counts


class Regions:
    """The named regions of each host thread, for innermost-enclosing lookups."""

    def __init__(self, events):
        self.threads = collections.defaultdict(list)
        for e in events:
            if e.get("cat") == "user_annotation" and "dur" in e:
                self.threads[(e.get("pid"), e.get("tid"))].append((e["ts"], e["ts"] + e["dur"], e["name"]))
        self.starts = {}
        for key, spans in self.threads.items():
            spans.sort()
            self.starts[key] = [s for s, _, _ in spans]

    def innermost(self, pid, tid, ts):
        spans = self.threads.get((pid, tid), [])
        # Regions nest, so the enclosing region that starts last is the innermost one.
        for i in range(bisect.bisect_right(self.starts.get((pid, tid), []), ts) - 1, -1, -1):
            start, end, name = spans[i]
            if start <= ts <= end:
                return name
        return UNNAMED


def gpu_by_region(events):
    """(GPU microseconds and kernel count per region, GPU span, GPU busy time)."""
    regions = Regions(events)
    launches = {}
    for e in events:
        if e.get("cat") in LAUNCH_CATEGORIES and "correlation" in e.get("args", {}):
            launches[e["args"]["correlation"]] = e
    totals, counts = collections.Counter(), collections.Counter()
    intervals = []
    for e in events:
        if e.get("cat") not in GPU_CATEGORIES or "dur" not in e:
            continue
        launch = launches.get(e.get("args", {}).get("correlation"))
        region = regions.innermost(launch.get("pid"), launch.get("tid"), launch["ts"]) if launch else UNNAMED
        totals[region] += e["dur"]
        counts[region] += 1
        intervals.append((e["ts"], e["ts"] + e["dur"]))
    if not intervals:
        return totals, counts, 0.0, 0.0
    intervals.sort()
    busy, covered_to = 0.0, intervals[0][0]
    for start, end in intervals:
        if end > covered_to:
            busy += end - max(start, covered_to)
            covered_to = end
    span = max(end for _, end in intervals) - intervals[0][0]
    return totals, counts, span, busy


def print_top(label, totals, counts, top):
    total = sum(totals.values())
    if not total:
        return
    print(f"{label}: {total / 1000:.1f} ms in {sum(counts.values())} events")
    for name, us in totals.most_common(top):
        print(f"  {us / 1000:9.2f} ms {100 * us / total:5.1f}% x{counts[name]:<6} {name[:110]}")


def main(path, top):
    events = load(path)
    totals, counts, span, busy = gpu_by_region(events)
    if totals:
        share = f" ({100 * busy / span:.1f}%)" if span else ""
        print(f"GPU span {span / 1000:.1f} ms, kernels busy {busy / 1000:.1f} ms{share}")
        print_top("GPU time by region", totals, counts, len(totals))
    for category, label in (("user_annotation", "Host time by region"), ("kernel", "GPU kernels"), ("cpu_op", "CPU ops")):
        print_top(label, *by_name(events, category), top)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
