#!/usr/bin/env bash
# Run on the GPU host after scripts/gpu_host_build.sh: the scale-out issue's end-to-end benchmark,
# dense and ASTRAEA at the CogVideoX-5B shape and at the long-video shape, on each rank count of
# GPUS (e.g. 1,2,4). Resumable: every point lands in bench-runs/e2e_<shape>.json as it ends, and
# a later call (same build) keeps those and measures the rest, so the whole set may span several
# calls; carry bench-runs/ back to the host between calls that do not share a warm machine.
#   scripts/gpu_host_scaling.sh GPUS [STEPS_5B=50] [STEPS_LONG=3]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gpus=${1:?usage: gpu_host_scaling.sh GPUS [STEPS_5B] [STEPS_LONG]}
steps_5b=${2:-50}
steps_long=${3:-3}
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
status=0
for shape in "cogvideox_5b $steps_5b" "cogvideox_1_5_5b_long $steps_long"; do
  set -- $shape
  "$bin" bench e2e "experiments/bench/$1.yaml" method=dense,astraea "sampler.steps=$2" ++study.warmup=0 "$prompt" \
    --gpus "$gpus" --json "$out/e2e_$1.json" --resume || status=$?
done
exit "$status"
