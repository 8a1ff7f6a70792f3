#!/usr/bin/env python3
"""How the tiny vDiT draws each shape, measured on a trial's generated clips: per stated shape,
the object's height in pixels, its area, the share of its pixels in the lower half of its own
bounding box, and its width profile (mean row width in six bands from top to bottom, over the
widest row), averaged over frames and then over clips. The renderer's shapes, for comparison:
lower-half share 0.5 for square, circle, diamond and cross and 0.75 for the triangle (apex up);
a diamond's profile rises to its middle and falls symmetrically, a triangle's rises to its base.

The object is every pixel within 0.3 (RGB distance, values in [0, 1]) of the colour its prompt
names; the world's backgrounds are grey, its colours saturated.

Usage: object_profile.py TRIAL_DIR [--readings]
  TRIAL_DIR holds prompts.txt and latents_p*_s*.safetensors (the pixel-space model's clips in
  [-1, 1]); --readings splits each shape by what the checker read (its checker_confusion.json).
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

COLOURS = {"red": (0.90, 0.12, 0.12), "green": (0.12, 0.78, 0.20), "blue": (0.15, 0.30, 0.95),
           "yellow": (0.95, 0.88, 0.10), "purple": (0.62, 0.20, 0.88), "cyan": (0.10, 0.85, 0.88)}
SHAPES = ["square", "circle", "triangle", "diamond", "cross"]
BANDS = 6


def read_clip(path):
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    entry = json.loads(data[8:8 + header_len])["latents"]
    begin, end = entry["data_offsets"]
    clip = np.frombuffer(data[8 + header_len + begin:8 + header_len + end], dtype=np.float32).reshape(entry["shape"])[0]
    return np.clip((clip + 1) / 2, 0, 1).transpose(0, 2, 3, 1)  # [F, H, W, C] in [0, 1]


def frame_measures(frame, colour):
    mask = np.linalg.norm(frame - np.array(colour), axis=-1) < 0.3
    rows = np.nonzero(mask.any(axis=1))[0]
    if rows.size < BANDS:
        return None
    widths = mask.sum(axis=1)[rows[0]:rows[-1] + 1].astype(float)
    position = (np.arange(widths.size) + 0.5) / widths.size
    lower = widths[position > 0.5].sum() + 0.5 * widths[position == 0.5].sum()
    profile = [widths[(position >= b / BANDS) & (position < (b + 1) / BANDS)].mean() / widths.max() for b in range(BANDS)]
    return rows.size, mask.sum(), lower / widths.sum(), profile


def main(trial, split_by_reading):
    prompts = dict(line.rstrip("\n").split("\t", 1) for line in (trial / "prompts.txt").open())
    readings = {}
    if split_by_reading:
        confusion = json.loads((trial / "checker_confusion.json").read_text())
        readings = {g["generation"]: g["shape"] for g in confusion.get("generations", [])}
        if not readings:
            sys.exit(f"object_profile: {trial}/checker_confusion.json has no per-generation readings")
    groups = {}
    for path in sorted(trial.glob("latents_p*_s*.safetensors")):
        generation = path.stem[len("latents_"):]
        words = prompts[generation.split("_")[0]].split()
        colour, shape = words[1], words[2]
        measures = [m for m in (frame_measures(f, COLOURS[colour]) for f in read_clip(path)) if m is not None]
        if not measures:
            continue
        key = (shape, readings.get(generation, "")) if split_by_reading else (shape, "")
        groups.setdefault(key, []).append([np.mean([m[i] for m in measures], axis=0) for i in range(4)])
    header = f"{'stated':>8} {'read':>8} {'clips':>5} {'height':>6} {'area':>6} {'lower half':>10}  width profile, top to bottom"
    print(header)
    for shape in SHAPES:
        for (stated, read), clips in sorted(groups.items()):
            if stated != shape:
                continue
            height, area, lower = (np.mean([c[i] for c in clips]) for i in range(3))
            profile = np.mean([c[3] for c in clips], axis=0)
            print(f"{stated:>8} {read or '-':>8} {len(clips):>5} {height:>6.1f} {area:>6.1f} {lower:>10.3f}  " + " ".join(f"{p:.2f}" for p in profile))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--readings"]
    if len(args) != 1:
        sys.exit(__doc__)
    main(Path(args[0]), "--readings" in sys.argv[1:])
