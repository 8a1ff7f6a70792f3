#!/usr/bin/env python3
"""One markdown row per trial of a study: its overrides (minus the common ones) and chosen metrics.

Usage: summarise_trials.py DB STUDY METRIC [METRIC ...]
Reads the results database directly (read-only); a metric recorded per step is averaged over its
steps. Used to build the tables in results/models/README.md.
"""
import json
import sqlite3
import sys


def main(db, study, metrics):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT t.id, t.overrides_json FROM trials t JOIN studies s ON s.id = t.study_id "
        "WHERE s.name = ? AND t.status = 'COMPLETE' ORDER BY t.id", (study,)).fetchall()
    if not rows:
        sys.exit(f"summarise_trials: no complete trials in study '{study}' of {db}")
    overrides = {trial: json.loads(text) for trial, text in rows}
    common = set.intersection(*(set(o) for o in overrides.values())) if len(rows) > 1 else set()
    print("| trial | overrides | " + " | ".join(metrics) + " |")
    print("|---|---|" + "---|" * len(metrics))
    for trial, _ in rows:
        own = " ".join(o for o in overrides[trial] if o not in common) or "(common)"
        cells = []
        for name in metrics:
            value = con.execute("SELECT AVG(value) FROM metrics WHERE trial_id = ? AND name = ?", (trial, name)).fetchone()[0]
            cells.append("" if value is None else f"{value:.4g}")
        print(f"| {trial} | {own} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip())
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
