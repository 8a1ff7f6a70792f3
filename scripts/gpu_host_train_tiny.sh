#!/usr/bin/env bash
# On the GPU host: trains the tiny vDiT in time-boxed slices that fit a lease's calls.
#   scripts/gpu_host_train_tiny.sh SECONDS TOTAL_SECONDS [train overrides...]
# Each call builds if needed (scripts/gpu_host_build.sh), trains for about SECONDS, and copies
# the EMA weights and logs to $OUT (when set). The first call also fixes the schedule: it trains
# the 100 warm-up steps (whose learning rate does not depend on the schedule's length), times
# them (training time only, from training.json: rendering the dataset is not a step's cost), and
# sets train.steps so that the whole run trains for about TOTAL_SECONDS. Later calls resume the
# checkpoint in $ASTRAEA_TRAIN_RUN (default train-runs/tiny_vdit_slices; git-ignored, so it
# stays while the machine does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:?usage: gpu_host_train_tiny.sh SECONDS TOTAL_SECONDS [overrides...]}
total=${2:?usage: gpu_host_train_tiny.sh SECONDS TOTAL_SECONDS [overrides...]}
shift 2
started=$(date +%s)
run=${ASTRAEA_TRAIN_RUN:-$root/train-runs/tiny_vdit_slices}
mkdir -p "$run"
[ -x "$root/build-gpu/bin/astraea" ] || ASTRAEA_BUILD_TARGET=astraea bash "$root/scripts/gpu_host_build.sh" >"$run/build.log" 2>&1 ||
  { tail -30 "$run/build.log"; exit 1; }
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
warmup=100
train() {  # train STEPS [--until N]
  local steps=$1; shift
  (cd "$root" && build-gpu/bin/astraea train experiments/train_tiny.yaml train.device=cuda train.out="$run" \
    train.warmup_steps=$warmup train.steps="$steps" "${overrides[@]}" "$@")
}
overrides=("$@")
if [ ! -f "$run/plan" ]; then
  [ ! -f "$run/training.json" ] || { echo "gpu_host_train_tiny: $run holds a run but no plan; use an empty ASTRAEA_TRAIN_RUN"; exit 1; }
  train 1000000 --until $warmup
  rate=$(python3 -c "import json; print(json.load(open('$run/training.json'))['seconds'] / $warmup)")
  steps=$(python3 -c "print(int($warmup + ($total - $rate * $warmup) / $rate))")
  echo "$steps $rate" >"$run/plan"
  echo "schedule: $steps steps at $rate s per step"
fi
read -r steps rate <"$run/plan"
done_steps=$(python3 -c "import json; print(json.load(open('$run/training.json')).get('steps_done', 0))" 2>/dev/null || echo 0)
left=$((seconds - ($(date +%s) - started)))
until_step=$(python3 -c "print(min($steps, $done_steps + int($left / $rate)))")
if [ "$until_step" -ge "$steps" ]; then train "$steps"; else train "$steps" --until "$until_step"; fi
if [ -n "${OUT:-}" ]; then
  cp "$run/tiny_vdit.safetensors" "$run/loss.csv" "$run/training.json" "$run/plan" "$OUT/"
fi
