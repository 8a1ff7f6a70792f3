#!/usr/bin/env bash
# Builds the override-parser fuzz target (libFuzzer with AddressSanitizer and UBSan), seeds a small
# corpus in tests/fuzz/corpus/ and runs it for ${RUNS:-1000000} executions in one worker.
# Crash reproducers land in tests/fuzz/crash-*; the worker's log (printed at the end) in $BUILD_DIR/fuzz-0.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
corpus="$here/corpus"
target="$build/fuzz_override_parser"

mkdir -p "$build" "$corpus"
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I "$root/src" \
  "$here/fuzz_override_parser.cpp" \
  "$root/src/config/override_syntax.cpp" \
  "$root/src/config/override_functions.cpp" \
  "$root/src/config/override_parser.cpp" \
  "$root/src/config/override_render.cpp" \
  "$root/src/config/override_sweep.cpp" \
  -lfmt -o "$target"

seeds=(
  'model.lr=1e-3'
  '+trainer.max_steps=1_000'
  '++a.b=[1, 2.5, [x, null]]'
  '~method.sparsity'
  '~a=true'
  'db@backup=mysql'
  "name='hello, world'"
  'opt={lr: 0.1, betas: [0.9, 0.999], "k 2": ${oc.env:HOME,/tmp}}'
  'path=C:\dir\ with\ spaces\,x'
  'seed=1,2,3'
  'm=choice(a, [b], {c: 1})'
  'x=range(0, 1, 0.25)'
  'model=glob([a*, b?], exclude=c*)'
  'g=glob(include=*, exclude=[x])'
  'y=-inf'
)
for i in "${!seeds[@]}"; do
  printf '%s' "${seeds[$i]}" >"$corpus/seed_$i"
done

cd "$build"
"$target" -runs="${RUNS:-1000000}" -jobs=1 -workers=1 -timeout=10 -artifact_prefix="$here/" "$corpus"
