#!/usr/bin/env python3
"""A grid of sample videos: one row per frames_*.safetensors a trial wrote (layout [B, F, H, W, C]
in [0, 1]), its frames left to right, titled with the prompt from the trial's prompts.txt.

Usage: plot_samples.py OUT.png TRIAL_DIR PROMPT_INDEX [PROMPT_INDEX ...]
"""
import json
import struct
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_frames(path):
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    entry = json.loads(data[8 : 8 + header_len])["frames"]
    if entry["dtype"] != "F32":
        sys.exit(f"plot_samples: {path}: frames are {entry['dtype']}, expected F32")
    begin, end = entry["data_offsets"]
    base = 8 + header_len
    return np.frombuffer(data[base + begin : base + end], dtype=np.float32).reshape(entry["shape"])[0]


def main(out_path, trial_dir, indices):
    prompts = dict(line.rstrip("\n").split("\t", 1) for line in (trial_dir / "prompts.txt").open())
    rows = []
    for index in indices:
        files = sorted(trial_dir.glob(f"frames_p{index}_s*.safetensors"))
        if not files:
            sys.exit(f"plot_samples: no frames_p{index}_s*.safetensors in {trial_dir}")
        rows.append((prompts.get(f"p{index}", f"p{index}"), read_frames(files[0])))
    frames = rows[0][1].shape[0]
    fig, axes = plt.subplots(len(rows), frames, figsize=(frames * 1.1, len(rows) * 1.35), dpi=120, squeeze=False)
    for r, (prompt, video) in enumerate(rows):
        for f in range(frames):
            ax = axes[r][f]
            ax.imshow(np.clip(video[f], 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].text(0, 1.06, prompt, transform=axes[r][0].transAxes, fontsize=8, va="bottom")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01, wspace=0.05, hspace=0.3)
    fig.savefig(out_path)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
