#!/usr/bin/env python3
"""Sequence-parallel scaling from `astraea bench e2e --json` files: for each file (one shape), the
median step after the first against the rank count, one line per setting, on log-log axes, with
dense's ideal scaling dashed. Points from files of the same shape (e.g. a low-budget run) join in.

Usage: plot_scaling.py OUT.(png|svg) TITLE=e2e.json[,more.json] [TITLE=... ...]
"""
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def label_of(setting):
    """The method and its budget from a bench e2e setting string."""
    method = re.search(r"method=(\S+)", setting)
    budget = re.search(r"method\.budget=\[([^\]]+)\]", setting)
    name = method.group(1) if method else setting
    if name == "astraea":
        name = f"ASTRAEA {budget.group(1) if budget else '0.5 (default)'}"
    return name


def read(paths):
    series = {}
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for row in report["rows"]:
            if "steady_step_ms" not in row:
                continue  # a failed point
            series.setdefault(label_of(row["setting"]), []).append((row["ranks"], row["steady_step_ms"] / 1000.0))
    return {k: sorted(v) for k, v in series.items()}


def main(out_path, panels):
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.0), dpi=150, squeeze=False)
    for ax, panel in zip(axes[0], panels):
        title, _, files = panel.partition("=")
        if not files:
            sys.exit(f"plot_scaling: expected TITLE=e2e.json[,more.json], got '{panel}'")
        series = read(files.split(","))
        for label, points in series.items():
            ranks, seconds = zip(*points)
            ax.plot(ranks, seconds, marker="o", lw=1.2, label=label)
        if "dense" in series and series["dense"][0][0] == 1:
            base = series["dense"][0][1]
            ranks = [r for r, _ in series["dense"]]
            ax.plot(ranks, [base / r for r in ranks], ls="--", color="gray", lw=0.8, label="dense, ideal")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted({r for pts in series.values() for r, _ in pts}))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("GPUs")
        ax.set_ylabel("median step after the first (s)")
        ax.set_title(title)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
