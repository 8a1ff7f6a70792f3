#!/usr/bin/env bash
# Run on the GPU host after scripts/gpu_host_build.sh: traces one steady denoising step (the last
# of STEPS) of each method at a bench shape and prints where its GPU time goes, by named region and
# by kernel (scripts/trace_summary.py). The summaries and gzipped traces land in DEST.
#   scripts/gpu_host_profile.sh SHAPE DEST [METHODS="dense astraea"] [STEPS=3] [OVERRIDE...]
# SHAPE names experiments/bench/SHAPE.yaml; OVERRIDEs (e.g. method.budget=[0.3]) go to every run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shape=${1:?usage: gpu_host_profile.sh SHAPE DEST [METHODS] [STEPS] [OVERRIDE...]}
dest=${2:?usage: gpu_host_profile.sh SHAPE DEST [METHODS] [STEPS] [OVERRIDE...]}
methods=${3:-dense astraea}
steps=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
bin=${ASTRAEA_BIN:-$root/build-gpu/bin/astraea}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
work=$(mktemp -d)
cp -r "$root/experiments" "$work/"
cd "$work"
for method in $methods; do
  ASTRAEA_DB="$work/profile.db" "$bin" run "experiments/bench/$shape.yaml" "method=$method" "sampler.steps=$steps" \
    ++study.warmup=0 "++study.profile_step=$((steps - 1))" "study.name=profile_$method" "$@" | tee "$dest/${shape}_$method.run.txt"
  trace=$(find "$work/outputs" -name 'trace_step*.json' | head -1)
  [ -n "$trace" ] || { echo "gpu_host_profile: no trace written for $method" >&2; exit 1; }
  python3 "$root/scripts/trace_summary.py" "$trace" 40 | tee "$dest/${shape}_$method.summary.txt"
  gzip -c "$trace" > "$dest/${shape}_$method.trace.json.gz"
  rm -rf "$work/outputs"
done
