"""Latent fidelity of sweep outputs against a dense reference run.

For every job directory given, and every latents_p*_s*.safetensors in it, computes the relative
L2 error ||x - ref|| / ||ref|| and the cosine similarity against the file of the same name in the
reference directory, and prints one Markdown row per job (mean over the generations). The job's
overrides come from its overrides.yaml.

    .venv/bin/python scripts/compare_latents.py REFERENCE_DIR JOB_DIR [JOB_DIR ...]
"""

import pathlib
import sys

import torch
from safetensors.torch import load_file


def job_label(job):
    lines = (job / "overrides.yaml").read_text().splitlines()
    return " ".join(line.lstrip("- ").strip('"') for line in lines if line.startswith("-"))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: compare_latents.py REFERENCE_DIR JOB_DIR [JOB_DIR ...]")
    reference = pathlib.Path(sys.argv[1])
    print("| job | generations | latent relative L2 | cosine |")
    print("|---|---|---|---|")
    for job in map(pathlib.Path, sys.argv[2:]):
        errors, cosines = [], []
        for file in sorted(job.glob("latents_p*_s*.safetensors")):
            ref = load_file(reference / file.name)["latents"].double().flatten()
            out = load_file(file)["latents"].double().flatten()
            errors.append(((out - ref).norm() / ref.norm()).item())
            cosines.append(torch.nn.functional.cosine_similarity(out, ref, dim=0).item())
        if not errors:
            sys.exit(f"compare_latents: no latents files in {job}")
        print(f"| {job_label(job)} | {len(errors)} | {sum(errors) / len(errors):.4f} | {sum(cosines) / len(cosines):.5f} |")


if __name__ == "__main__":
    main()
