#!/usr/bin/env python3
"""Metrics of a study's trials against one override, one line per setting of the overrides that vary.

Usage: plot_ablation.py DB STUDY X_KEY METRIC [METRIC ...] --out F.(png|svg) [--logx]

Reads the results database read-only. X_KEY is an override key (`method.decide_every`); its values
must be numbers. Trials are grouped by those of their other overrides that are not common to every
trial (one line each, labelled with the ones it sets); a metric recorded per step is averaged over
its steps. One panel per metric.
"""
import argparse
import json
import sqlite3
import sys
from collections import defaultdict


def parse_overrides(items):
    """'key=value' strings (Hydra's +, ++ and ~ prefixes dropped) as a dict; the last one wins."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.lstrip("+~")] = value
    return out


def series(db, study, x_key, metrics):
    """{group label: {metric: [(x, value), ...] sorted by x}} over the study's complete trials."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT t.id, t.overrides_json FROM trials t JOIN studies s ON s.id = t.study_id "
        "WHERE s.name = ? AND t.status = 'COMPLETE' ORDER BY t.id", (study,)).fetchall()
    trials = [(trial, parse_overrides(json.loads(text))) for trial, text in rows]
    trials = [(trial, o) for trial, o in trials if x_key in o]
    if not trials:
        raise ValueError(f"no complete trial of study '{study}' in {db} sets {x_key}")
    keys = set().union(*(o.keys() for _, o in trials)) - {x_key}
    varying = sorted(k for k in keys if len({o.get(k) for _, o in trials}) > 1)
    out = defaultdict(lambda: defaultdict(list))
    for trial, o in trials:
        try:
            x = float(o[x_key])
        except ValueError:
            raise ValueError(f"trial {trial}: {x_key}={o[x_key]} is not a number") from None
        label = " ".join(f"{k}={o[k]}" for k in varying if k in o) or study
        for name in metrics:
            value = con.execute("SELECT AVG(value) FROM metrics WHERE trial_id = ? AND name = ?", (trial, name)).fetchone()[0]
            if value is not None:
                out[label][name].append((x, value))
    if not out:
        raise ValueError(f"no trial of study '{study}' in {db} that sets {x_key} records any of {', '.join(metrics)}")
    for by_metric in out.values():
        for points in by_metric.values():
            points.sort()
    return {label: dict(by_metric) for label, by_metric in out.items()}


def plot(data, x_key, metrics, out_path, logx):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.6), dpi=150, squeeze=False)
    for ax, name in zip(axes[0], metrics):
        for label, by_metric in sorted(data.items()):
            points = by_metric.get(name, [])
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], "-o", ms=4, lw=1.2, label=label)
        if logx:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(x_key)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    fig.savefig(out_path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("study")
    parser.add_argument("x_key")
    parser.add_argument("metrics", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--logx", action="store_true", help="a base-2 logarithmic x axis")
    args = parser.parse_args(argv)
    try:
        data = series(args.db, args.study, args.x_key, args.metrics)
    except (ValueError, sqlite3.Error) as e:
        sys.exit(f"plot_ablation: {e}")
    try:
        plot(data, args.x_key, args.metrics, args.out, args.logx)
    except (OSError, ValueError) as e:
        sys.exit(f"plot_ablation: cannot write {args.out}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
