#!/usr/bin/env python3
"""Loss curves of `astraea train` runs: one line per loss.csv, log-scale loss against steps.

Usage: plot_training.py OUT.(png|svg) LABEL=loss.csv [LABEL=loss.csv ...]
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [int(r["step"]) for r in rows], [float(r["loss"]) for r in rows]


def main(out_path, runs):
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=150)
    for run in runs:
        label, _, path = run.partition("=")
        if not path:
            sys.exit(f"plot_training: expected LABEL=loss.csv, got '{run}'")
        steps, losses = read(path)
        ax.plot(steps, losses, lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (mean over each logging interval)")
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(out_path)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    main(sys.argv[1], sys.argv[2:])
