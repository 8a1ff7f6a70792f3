#!/usr/bin/env bash
# The embedded model's acceptance measurements (results/models/README.md reports them):
#   1. dense samples on 100 unseen world prompts, judged by the checker;
#   2. RainFusion (ARM's two decisions, each beside its random per-head baseline: three-way against
#      a uniform choice of the three patterns, two-way against a uniform choice of spatial and
#      temporal), and the mask-recall variant of ARM, at sparsity 0.5/0.75/0.9, and ASTRAEA at budgets
#      0.3/0.5/0.7 on 16 unseen prompts, each against the dense reference of the same prompts.
# Usage: scripts/tiny_acceptance.sh OUT_DIR [overrides...]   (ASTRAEA_BIN picks the binary)
# Everything lands in OUT_DIR/acceptance.db; the tables print to standard output.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: tiny_acceptance.sh OUT_DIR [overrides...]}
shift
bin=${ASTRAEA_BIN:-$root/build/bin/astraea}
mkdir -p "$out"
cd "$out"
config="$root/experiments/quickstart.yaml"
common=(study.db=acceptance.db "model.weights=${ASTRAEA_TINY_WEIGHTS:-$root/results/models/tiny_vdit.safetensors}"
        "eval.checker=$root/results/models/checker.safetensors" "$@")
"$bin" run "$config" prompts=world100 study.name=checker_dense100 study.warmup=0 "${common[@]}"
"$bin" sweep "$config" -m prompts=world100 prompts.world_count=16 study.name=acceptance method=dense "${common[@]}"
"$bin" sweep "$config" -m prompts=world100 prompts.world_count=16 study.name=acceptance method=rainfusion \
  method.sparsity=0.5,0.75,0.9 method.block_size=16 method.decision=three_way,random,two_way,random_two_way,mask_recall "${common[@]}"
"$bin" sweep "$config" -m prompts=world100 prompts.world_count=16 study.name=acceptance method=astraea \
  method.total_budget=0.3,0.5,0.7 "${common[@]}"
"$bin" db show --db acceptance.db --study checker_dense100
"$bin" export pareto --db acceptance.db --study acceptance --quality latent_rel_l2
"$bin" export pareto --db acceptance.db --study acceptance --format json --out acceptance_pareto.json --quality latent_rel_l2
