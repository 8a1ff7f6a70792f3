#!/usr/bin/env bash
# On the GPU host: trains several variants of the tiny vDiT side by side on one GPU, each in its
# own run directory train-runs/<name> through scripts/gpu_host_train_tiny.sh (which times the
# warm-up and resumes on later calls). Side by side buys a comparison within one call, not
# throughput: on one H200 three variants took 0.335 s per step each, one alone 0.113 s. With
# ASTRAEA_EVAL=1 each variant's weights are then scored by scripts/gpu_host_eval_tiny.sh.
#   scripts/gpu_host_train_variants.sh SECONDS TOTAL_SECONDS "COMMON OVERRIDES" NAME="OVERRIDES" ...
# Logs go to train-runs/<name>.log. With $OUT set, each variant's weights land in
# $OUT/<name>.safetensors, and its loss, records, logs and evaluation database in
# $OUT/variant_records.tar.gz.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:?usage: gpu_host_train_variants.sh SECONDS TOTAL_SECONDS COMMON NAME=OVERRIDES...}
total=${2:?usage: gpu_host_train_variants.sh SECONDS TOTAL_SECONDS COMMON NAME=OVERRIDES...}
common=${3?usage: gpu_host_train_variants.sh SECONDS TOTAL_SECONDS COMMON NAME=OVERRIDES...}
shift 3
[ $# -gt 0 ] || { echo "gpu_host_train_variants: name at least one variant"; exit 1; }
started=$(date +%s)
mkdir -p "$root/train-runs"
if [ ! -x "$root/build-gpu/bin/astraea" ]; then
  ASTRAEA_BUILD_TARGET=astraea bash "$root/scripts/gpu_host_build.sh" >"$root/train-runs/build.log" 2>&1 ||
    { tail -30 "$root/train-runs/build.log"; exit 1; }
  echo "built in $(( $(date +%s) - started )) s"
fi
left=$((seconds - ($(date +%s) - started)))
names=()
for variant in "$@"; do
  name=${variant%%=*}
  overrides=${variant#*=}
  names+=("$name")
  # shellcheck disable=SC2086  # the overrides are whitespace-separated words
  ASTRAEA_TRAIN_RUN="$root/train-runs/$name" OUT="" bash "$root/scripts/gpu_host_train_tiny.sh" "$left" "$total" $common $overrides \
    >>"$root/train-runs/$name.log" 2>&1 &
done
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
for name in "${names[@]}"; do
  echo "== $name: $(tail -n 4 "$root/train-runs/$name.log" | tr '\n' ' ')"
done
[ "$failed" = 0 ] || { echo "gpu_host_train_variants: a variant failed (logs in train-runs/)"; exit 1; }
if [ "${ASTRAEA_EVAL:-0}" = 1 ]; then
  for name in "${names[@]}"; do
    bash "$root/scripts/gpu_host_eval_tiny.sh" "$root/train-runs/$name/tiny_vdit.safetensors" "$name" >"$root/train-runs/eval_$name.log" 2>&1 &
  done
  for job in $(jobs -p); do wait "$job" || true; done
  for name in "${names[@]}"; do cat "$root/train-runs/eval_$name.log"; done
fi
if [ -n "${OUT:-}" ]; then  # one weights file per variant and one archive of the records (the host returns few files)
  records=()
  for name in "${names[@]}"; do
    [ ! -f "$root/train-runs/$name/tiny_vdit.safetensors" ] || cp "$root/train-runs/$name/tiny_vdit.safetensors" "$OUT/$name.safetensors"
    for file in "$name/loss.csv" "$name/training.json" "$name/plan" "$name.log" "eval_$name.log" "eval_$name/eval.db"; do
      [ ! -f "$root/train-runs/$file" ] || records+=("$file")
    done
  done
  tar -C "$root/train-runs" -czf "$OUT/variant_records.tar.gz" "${records[@]}"
fi
