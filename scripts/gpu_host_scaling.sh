#!/usr/bin/env bash
# Run on the GPU host after scripts/gpu_host_build.sh: the scale-out issue's end-to-end benchmark,
# dense and ASTRAEA (its default budget, 0.5) at the long-video shape and at the CogVideoX-5B
# shape, on each rank count of GPUS (e.g. 1,2,4); with LOW_BUDGET also ASTRAEA at that budget on
# the largest rank count. Resumable: every point lands in bench-runs/e2e_<shape>*.json as it ends,
# and a later call (same build) keeps those and measures the rest, so the whole set may span
# several calls; carry bench-runs/ back to the host between calls that do not share a warm machine.
#   scripts/gpu_host_scaling.sh GPUS [STEPS_5B=50] [STEPS_LONG=3] [LOW_BUDGET] [SHAPES="cogvideox_1_5_5b_long cogvideox_5b"]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gpus=${1:?usage: gpu_host_scaling.sh GPUS [STEPS_5B] [STEPS_LONG] [LOW_BUDGET] [SHAPES]}
steps_5b=${2:-50}
steps_long=${3:-3}
low_budget=${4:-}
shapes=${5:-cogvideox_1_5_5b_long cogvideox_5b}
bin=${ASTRAEA_BIN:-$root/build-gpu/bin/astraea}
out=$root/bench-runs
mkdir -p "$out"
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
# A scratch directory for the outputs, with the checkout's own experiments/ (the host's git state
# may be stale, so the files are copied rather than exported from git).
work=$(mktemp -d)
cp -r "$root/experiments" "$work/"
cd "$work"
prompt='prompts.texts=[a red fox runs through fresh snow]'
most=${gpus##*,}
status=0
for shape in $shapes; do
  steps=$steps_5b
  [ "$shape" = cogvideox_1_5_5b_long ] && steps=$steps_long
  "$bin" bench e2e "experiments/bench/$shape.yaml" method=dense,astraea "sampler.steps=$steps" ++study.warmup=0 "$prompt" \
    --gpus "$gpus" --json "$out/e2e_$shape.json" --resume || status=$?
  if [ -n "$low_budget" ]; then
    "$bin" bench e2e "experiments/bench/$shape.yaml" method=astraea "method.budget=[$low_budget]" "sampler.steps=$steps" ++study.warmup=0 \
      "$prompt" --gpus "$most" --json "$out/e2e_${shape}_astraea_$low_budget.json" --resume || status=$?
  fi
done
exit "$status"
