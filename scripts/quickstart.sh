#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the quickstart study
# (experiments/quickstart.yaml): the shipped tiny model under dense attention, RainFusion at three
# sparsities and ASTRAEA at three budgets, on two prompts, then prints the study's Pareto table
# (end-to-end CPU latency against the absolute quality-proxy delta from dense). Re-running skips finished trials.
# Extra arguments are overrides for every sweep, e.g. study.db=/tmp/q.db.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh" --target astraea
cd "$root"
bin="$root/build/bin/astraea"
config=experiments/quickstart.yaml
"$bin" sweep "$config" -m method=dense "$@"
"$bin" sweep "$config" -m method=rainfusion method.sparsity=0.5,0.75,0.9 method.block_size=16 "$@"
"$bin" sweep "$config" -m method=astraea method.total_budget=0.3,0.5,0.7 "$@"
db=$("$bin" run "$config" --cfg "$@" | awk '/^study:/{s=1} s && /^  db:/{print $2; exit}')
"$bin" export pareto --db "$db" --study quickstart --quality quality_proxy_abs_delta_pct
