#!/usr/bin/env bash
# On the GPU host: astraea's and diffusers' CogVideoX-5B transformer in the same run, written as
# a Markdown report. Needs build-gpu/ (scripts/gpu_host_build.sh) and diffusers importable.
#   scripts/bench_model_report.sh OUTDIR          (REPEATS=5 by default; NO_GENERATION=1 skips the 50-step loops)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: bench_model_report.sh OUTDIR}
python=${PYTHON:-python3}
repeats=${REPEATS:-5}
flags=()
[ "${NO_GENERATION:-0}" = 1 ] && flags+=(--no-generation)
"$root/build-gpu/bin/astraea" bench model "$root/experiments/bench/cogvideox_5b.yaml" --repeats "$repeats" --json "$out/astraea.json" \
  "${flags[@]}" | tee "$out/astraea.txt"
"$python" "$root/scripts/bench_diffusers_model.py" --repeats "$repeats" --json "$out/diffusers.json" "${flags[@]}" | tee "$out/diffusers.txt"
"$python" - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
a = json.loads((out / "astraea.json").read_text())
d = json.loads((out / "diffusers.json").read_text())
rows = ["| what | astraea median ms | diffusers median ms | astraea / diffusers | astraea peak GiB | diffusers peak GiB |",
        "|---|---|---|---|---|---|"]
for key, label in (("forward", "one CFG forward (batch 2)"), ("generation", "generation (50 DPM steps, CFG)")):
    if key in a and key in d:
        ratio = a[key]["median_ms"] / d[key]["median_ms"]
        rows.append(f"| {label} | {a[key]['median_ms']:.1f} | {d[key]['median_ms']:.1f} | {ratio:.3f} | "
                    f"{a[key]['peak_gib']:.2f} | {d[key]['peak_gib']:.2f} |")
text = "\n".join(rows)
(out / "table.md").write_text(text + "\n")
print(text)
PY
