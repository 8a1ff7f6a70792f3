#!/usr/bin/env python3
"""Scatter of a Pareto table: latency against the quality metric, the front highlighted.

Usage: plot_pareto.py TABLE.json OUT.(png|svg)   (TABLE.json as written by
`astraea export pareto --format json`; `astraea export pareto --plot` calls this script.)
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(table_path, out_path):
    with open(table_path) as f:
        table = json.load(f)
    rows = [r for r in table["rows"] if r["quality"] is not None or r["dense"]]
    metric = table["quality_metric"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=150)
    others = [r for r in rows if not r["on_front"] and not r["dense"]]
    front = sorted([r for r in rows if r["on_front"] and not r["dense"] and r["quality"] is not None], key=lambda r: r["latency_ms"])
    ax.scatter([r["latency_ms"] for r in others], [r["quality"] for r in others], s=14, c="0.65", label="dominated")
    ax.plot([r["latency_ms"] for r in front], [r["quality"] for r in front], "-o", c="tab:red", ms=5, lw=1.2, label="Pareto front")
    for r in rows:
        if r["dense"]:
            ax.axvline(r["latency_ms"], c="tab:blue", ls="--", lw=1, label=f"dense ({r['latency_ms']:.0f} ms)")
    ax.set_xlabel("latency per generation (ms)")
    direction = "higher is better" if table["quality_higher_is_better"] else "lower is better"
    ax.set_ylabel(f"{metric} ({direction})")
    ax.set_title(f"study {table['study']}: hypervolume {table['hypervolume']:.4g}")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
