#!/usr/bin/env bash
# On the GPU host: dense samples of tiny vDiT weights on 100 unseen world prompts (seed 42, 20 DDIM
# steps, CFG 4, float32 on the GPU), judged by the shipped checker; prints the checker's accuracies
# and copies the confusion table to $OUT (when set); ASTRAEA_CHECKER names another checker. The
# acceptance figures in results/models/README.md come from the same command on the CPU; this is
# the quick check between training slices.
#   scripts/gpu_host_eval_tiny.sh WEIGHTS NAME [overrides...]   (e.g. sampler.steps=50)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
weights=${1:?usage: gpu_host_eval_tiny.sh WEIGHTS NAME}
name=${2:?usage: gpu_host_eval_tiny.sh WEIGHTS NAME}
shift 2
case "$weights" in /*) ;; *) weights="$root/$weights" ;; esac
[ -f "$weights" ] || { echo "gpu_host_eval_tiny: no weights at $weights"; exit 1; }
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
work="$root/train-runs/eval_$name"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
"$root/build-gpu/bin/astraea" run "$root/experiments/quickstart.yaml" prompts=world100 study.name="$name" study.warmup=0 study.repeats=1 \
  model.device=cuda "model.weights=$weights" \
  "eval.checker=${ASTRAEA_CHECKER:-$root/results/models/checker.safetensors}" study.db=eval.db "$@" >run.log 2>&1 || { tail -20 run.log; exit 1; }
python3 - "$name" <<'PY'
import sqlite3, sys
db = sqlite3.connect("eval.db")
rows = db.execute("SELECT m.name, m.value FROM metrics m JOIN trials t ON t.id = m.trial_id JOIN studies s ON s.id = t.study_id "
                  "WHERE s.name = ? AND m.name LIKE 'checker_%accuracy' ORDER BY m.name", (sys.argv[1],)).fetchall()
print(sys.argv[1], " ".join(f"{n}={v:.3f}" for n, v in rows))
PY
confusion=$(find . -name checker_confusion.json | head -1)
[ -z "${OUT:-}" ] || [ -z "$confusion" ] || cp "$confusion" "$OUT/${name}_checker_confusion.json"
[ -z "$confusion" ] || python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get('shape', {}), separators=(',', ':')))" "$confusion"
