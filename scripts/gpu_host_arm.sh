#!/usr/bin/env bash
# On the GPU host, after scripts/gpu_host_stage.sh ran on the development machine: ARM's cost as
# results/reports/bench_attention.md states it. Builds the CLI, the band-recall tests and bench
# into build-gpu/, runs the GPU tests of ARM's path (kernel, bridge, ARM), then ROUNDS rounds of
# `astraea bench attention` at SHAPE with LAYOUT (ARM end to end against cuDNN SDPA dense, same
# run), each followed by bench_band_recall (the kernel alone). Prints a line per round and variant;
# the JSON of each round goes to OUT_DIR ($OUT when set, else bench-runs/arm/).
#
# BASELINE="DIR ..." also builds, for each DIR, a CLI with DIR's files (at their repository paths)
# in place of the tree's, and interleaves them all in every round (the kernel-alone bench too,
# where a baseline's files still build it): same-run baselines for a change to ARM's path. Each
# variant is named for its directory. For example, on the development machine:
#   mkdir -p .gpu/v13 && git archive 2d4e4ee kernels/band_recall.h kernels/band_recall.cu \
#     src/attention/CMakeLists.txt src/attention/arm.h src/attention/arm.cpp \
#     src/attention/kernel_bridge.h src/attention/kernel_bridge.cpp | tar -x -C .gpu/v13
#   SHAPE=2,48,17776,64 LAYOUT=226,13,30,45 ROUNDS=3 BASELINE=.gpu/v13 scripts/gpu_host_arm.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shape=${SHAPE:-2,48,17776,64}
layout=${LAYOUT:-226,13,30,45}
rounds=${ROUNDS:-3}
read -r -a baselines <<< "${BASELINE:-}"
out=${OUT_DIR:-${OUT:-$root/bench-runs/arm}}
python=${PYTHON:-python3}
names=" tree "
for dir in "${baselines[@]}"; do
  [ -d "$dir" ] || { echo "gpu_host_arm: BASELINE entry $dir is not a directory" >&2; exit 1; }
  case "$names" in *" $(basename "$dir") "*) echo "gpu_host_arm: BASELINE entry $dir repeats the variant name $(basename "$dir") (tree is the tree's)" >&2; exit 1 ;; esac
  names+="$(basename "$dir") "
done
# The files a baseline directory replaces, as paths in the repository.
baseline_files() { (cd "$1" && find . -type f | sed 's|^\./||'); }
mkdir -p "$out"
export LD_LIBRARY_PATH="$root/.gpu/prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
build() { cmake --build "$root/build-gpu" -j "$(nproc)" --target "$@" >> "$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }; }
# A build directory kept from an earlier call may hold objects of a baseline's files that are newer
# than the tree's copies: make the tree's copies newer, so that the tree is what gets built.
for dir in "${baselines[@]}"; do
  baseline_files "$dir" | while read -r f; do [ ! -e "$root/$f" ] || touch "$root/$f"; done
done
ASTRAEA_BUILD_TARGET=astraea bash "$root/scripts/gpu_host_build.sh" > "$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
build test_kernels test_attention bench_band_recall
bin="$root/build-gpu/bin"
"$bin/test_kernels" "band recall*"
"$bin/test_attention" "[kernel_bridge],[arm]"

work=$(mktemp -d)
cp "$bin/astraea" "$work/tree"
cp "$bin/bench_band_recall" "$work/tree_bench"
variants=()
for dir in "${baselines[@]}"; do
  name=$(basename "$dir")
  # Swap the baseline's files in, build, and put the tree's back (also on a failed build).
  baseline_files "$dir" > "$work/files"
  rm -rf "$work/kept" && mkdir -p "$work/kept"
  restore() {
    while read -r f; do
      if [ -e "$work/kept/$f" ]; then cp "$work/kept/$f" "$root/$f" && touch "$root/$f"; else rm -f "$root/$f"; fi
    done < "$work/files"
  }
  trap restore EXIT
  while read -r f; do
    if [ -e "$root/$f" ]; then mkdir -p "$work/kept/$(dirname "$f")" && cp "$root/$f" "$work/kept/$f"; fi
    mkdir -p "$root/$(dirname "$f")" && cp "$dir/$f" "$root/$f"
  done < "$work/files"
  build astraea
  cp "$bin/astraea" "$work/$name"
  # The kernel-alone bench too, where the baseline's files still build it (an older kernel header
  # may not).
  if cmake --build "$root/build-gpu" -j "$(nproc)" --target bench_band_recall >> "$out/build.log" 2>&1; then
    cp "$bin/bench_band_recall" "$work/${name}_bench"
  fi
  restore
  trap - EXIT
  variants+=("$name")
done
variants+=(tree)

for round in $(seq 1 "$rounds"); do
  for variant in "${variants[@]}"; do
    json="$out/arm_${variant}_round$round.json"
    "$work/$variant" bench attention --shape "$shape" --layout "$layout" --density 0.5 --json "$json" > "$out/bench_${variant}_round$round.txt"
    "$python" - "$json" "$round" "$variant" <<'PY'
import json, sys
report, round_, variant = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
for a in report["arm"]:
    print(f"round {round_} {variant}: ARM {a['ms']:.4f} ms = {a['percent_of_sdpa_dense']:.3f}% of cuDNN SDPA dense "
          f"({a['shape']}, layout {a['layout']})")
PY
  done
  for variant in "${variants[@]}"; do
    [ -x "$work/${variant}_bench" ] || continue
    echo "round $round $variant kernel alone: $("$work/${variant}_bench" --shape "$shape" --layout "$layout" --iters 50 | tail -n 1 | tr -s ' ')"
  done
done
