#!/usr/bin/env bash
# On the GPU host, after scripts/gpu_host_stage.sh ran on the development machine: ARM's cost as
# results/reports/bench_attention.md states it. Builds the CLI, the band-recall tests and bench
# into build-gpu/, runs the GPU tests of ARM's path (kernel, bridge, ARM), then ROUNDS rounds of
# `astraea bench attention` at SHAPE with LAYOUT (ARM end to end against cuDNN SDPA dense, same
# run), each followed by bench_band_recall (the kernel alone). Prints one line a round; the JSON of
# each round goes to OUT_DIR ($OUT when set, else bench-runs/arm/).
#   SHAPE=2,48,17776,64 LAYOUT=226,13,30,45 ROUNDS=3 scripts/gpu_host_arm.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shape=${SHAPE:-2,48,17776,64}
layout=${LAYOUT:-226,13,30,45}
rounds=${ROUNDS:-3}
out=${OUT_DIR:-${OUT:-$root/bench-runs/arm}}
python=${PYTHON:-python3}
mkdir -p "$out"
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
ASTRAEA_BUILD_TARGET=astraea bash "$root/scripts/gpu_host_build.sh" > "$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
cmake --build "$root/build-gpu" -j "$(nproc)" --target test_kernels test_attention bench_band_recall >> "$out/build.log" 2>&1 ||
  { tail -n 40 "$out/build.log"; exit 1; }
bin="$root/build-gpu/bin"
"$bin/test_kernels" "band recall*"
"$bin/test_attention" "[kernel_bridge],[arm]"
for round in $(seq 1 "$rounds"); do
  json="$out/arm_round$round.json"
  "$bin/astraea" bench attention --shape "$shape" --layout "$layout" --density 0.5 --json "$json" > "$out/bench_round$round.txt"
  kernel=$("$bin/bench_band_recall" --shape "$shape" --layout "$layout" --iters 50 | tail -n 1)
  "$python" - "$json" "$round" "$kernel" <<'PY'
import json, sys
report, round_, kernel = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
for a in report["arm"]:
    print(f"round {round_}: ARM {a['ms']:.4f} ms = {a['percent_of_sdpa_dense']:.3f}% of cuDNN SDPA dense ({a['shape']}, layout {a['layout']}); "
          f"kernel alone: {' '.join(kernel.split())}")
PY
done
