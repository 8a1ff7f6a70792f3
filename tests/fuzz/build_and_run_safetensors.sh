#!/usr/bin/env bash
# Builds the safetensors-header fuzz target (libFuzzer with AddressSanitizer and UBSan), seeds a
# small corpus of valid files in tests/fuzz/corpus_safetensors/ and runs it for ${RUNS:-1000000}
# executions in one worker. Crash reproducers land in tests/fuzz/crash-*.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
corpus="$here/corpus_safetensors"
target="$build/fuzz_safetensors_header"

mkdir -p "$build" "$corpus"
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I "$root/src" \
  "$here/fuzz_safetensors_header.cpp" \
  "$root/src/model/safetensors_header.cpp" \
  -lfmt -o "$target"

# seed NAME JSON DATA: writes u64le(len(JSON)) ‖ JSON ‖ DATA (all ASCII) as corpus/NAME.
seed() {
  local length=${#2} prefix="" i
  for i in 0 1 2 3 4 5 6 7; do
    prefix+="\\$(printf '%03o' $(((length >> (8 * i)) & 255)))"
  done
  { printf '%b' "$prefix"; printf '%s' "$2" "$3"; } >"$corpus/$1"
}

seed empty '{}' ''
seed padded '{}      ' ''
seed metadata '{"__metadata__":{"format":"pt","k":"v"}}' ''
seed one '{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}' 'abcdefghijklmnopqrstuvwx'
seed scalar '{"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}' '01234567'
seed empty_tensor '{"e":{"dtype":"BF16","shape":[0,4],"data_offsets":[0,0]}}' ''
seed several '{"__metadata__":{"format":"pt"},"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"c":{"dtype":"BOOL","shape":[1,1],"data_offsets":[12,13]},"d":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[13,16]}}' '0123456789abcdef'
seed escapes '{"a\n\u00e9\"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"x\\y":"\u0001"}}' 'z'
seed subbyte '{"f":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}' 'q'

run="$build/safetensors_run"  # its own folder: the worker log fuzz-0.log must not clash with other targets
mkdir -p "$run"
cd "$run"
"$target" -runs="${RUNS:-1000000}" -jobs=1 -workers=1 -timeout=10 -artifact_prefix="$here/" "$corpus"
