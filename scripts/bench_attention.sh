#!/usr/bin/env bash
# Run on the GPU host after building bench_block_sparse_attention into $BUILD_DIR (default
# build-gpu; scripts/gpu_host_build.sh builds it). Times the block-sparse kernel and, in the same
# run on the same card, cuDNN SDPA dense and FlexAttention on the identical block masks, then
# writes results/reports/bench_attention_block_sparse.md (or $REPORT) and the raw JSON beside it.
# COMMIT overrides the commit named in the report (when the tree travelled without its git state).
#   SHAPES="2,48,17776,64 1,24,119056,128" DENSITIES=1,0.5,0.25,0.1 scripts/bench_attention.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-gpu}
report=${REPORT:-$root/results/reports/bench_attention_block_sparse.md}
densities=${DENSITIES:-1,0.5,0.25,0.1}
python=${PYTHON:-python3}
shape_args=()
for shape in ${SHAPES:-2,48,17776,64 1,24,119056,128}; do shape_args+=(--shape "$shape"); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$report")"
json_base=${report%.md}

"$build/bin/bench_block_sparse_attention" "${shape_args[@]}" --density "$densities" --json "$json_base.astraea.json" --mask-dir "$work"
"$python" "$root/scripts/bench_attention_baselines.py" measure "${shape_args[@]}" --density "$densities" --mask-dir "$work" \
  --json "$json_base.baselines.json"
"$python" "$root/scripts/bench_attention_baselines.py" report --kernel-json "$json_base.astraea.json" \
  --baseline-json "$json_base.baselines.json" --out "$report" --commit "${COMMIT:-}" \
  --command "SHAPES=\"${SHAPES:-2,48,17776,64 1,24,119056,128}\" DENSITIES=$densities scripts/bench_attention.sh"
