#!/usr/bin/env python3
"""Probes the world's checker with rendered clips: does a faint ring of another colour around an
object change the shape it reads? The tiny vDiT's samples carry such a fringe (cyan around red).

The checker is re-implemented here in PyTorch from its safetensors (the layers of
src/model/checker_network.cpp) and first checked against the C++ readings of a trial: the shape
probabilities every clip's checker_confusion.json records must agree within 1e-4, or the probe
stops. Clips are then rendered as the world renders them (4 x 4 sub-pixel coverage, 10-pixel
objects on the gray background, moving up fast: 16 px over the 8 frames), at random positions,
and each pixel of the one-pixel ring just outside the object is blended towards the object's
complementary colour (1 - RGB) by the fringe strength.

Usage: checker_probe.py CHECKER.safetensors TRIAL_DIR [CLIPS_PER_CELL] [--compare OTHER.safetensors ...]
  TRIAL_DIR: a trial with eval.checker (checker_confusion.json with per-clip readings, latents).
  --compare: also read the trial's clips with each OTHER checker and print every checker's shape
  accuracy against the prompts, per stated shape, so that checkers are compared on the same clips.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

COLOURS = {"red": (0.90, 0.12, 0.12), "green": (0.12, 0.78, 0.20), "blue": (0.15, 0.30, 0.95),
           "yellow": (0.95, 0.88, 0.10), "purple": (0.62, 0.20, 0.88), "cyan": (0.10, 0.85, 0.88)}
SHAPES = ["square", "circle", "triangle", "diamond", "cross"]
SIZE, HALF, SUB, FRAMES, GRAY = 32, 5.0, 4, 8, 0.5


def read_tensors(path, only=None):
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    out = {}
    for name, entry in json.loads(data[8:8 + n]).items():
        if name == "__metadata__" or (only and name != only):
            continue
        begin, end = entry["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[8 + n + begin:8 + n + end], dtype=np.float32).reshape(entry["shape"]).copy())
    return out


def shape_probabilities(w, clips):
    """clips [B, T, 3, H, W] in [0, 1] -> softmax of the shape head, [B, 5]."""
    b, t = clips.shape[:2]
    x = clips.flatten(0, 1) * 2 - 1
    x = F.silu(F.conv2d(x, w["encoder.0.weight"], w["encoder.0.bias"], padding=1))
    x = F.silu(F.conv2d(x, w["encoder.2.weight"], w["encoder.2.bias"], stride=2, padding=1))
    x = F.silu(F.conv2d(x, w["encoder.4.weight"], w["encoder.4.bias"], stride=2, padding=1))
    features = F.linear(x.flatten(1), w["frame_proj.weight"], w["frame_proj.bias"]).view(b, t, -1)
    return torch.softmax(F.linear(features.mean(1), w["shape_head.weight"], w["shape_head.bias"]).double(), 1)


def coverage(shape, cx, cy):
    centres = (np.arange(SIZE * SUB) + 0.5) / SUB
    x, y = np.meshgrid(centres - cx, centres - cy)
    inside = np.abs(x) + np.abs(y) <= HALF if shape == "diamond" else (y <= HALF) & (2 * np.abs(x) <= y + HALF)
    return inside.reshape(SIZE, SUB, SIZE, SUB).mean(axis=(1, 3))


def render(shape, colour, cx, cy, fringe):
    rgb = np.array(colour)[:, None, None]
    frames = []
    for f in range(FRAMES):
        cov = coverage(shape, cx, cy - 16.0 * f / (FRAMES - 1))
        img = GRAY * (1 - cov[None]) + rgb * cov[None]
        ring = (F.max_pool2d(torch.tensor(cov)[None, None], 3, 1, 1)[0, 0].numpy() > 0) & (cov == 0)
        frames.append(np.where(ring[None], (1 - fringe) * img + fringe * (1 - rgb), img))
    return torch.tensor(np.stack(frames)[None], dtype=torch.float32)


def trial_clips(trial, readings):
    return [((read_tensors(trial / f"latents_{r['generation']}.safetensors", "latents")["latents"] + 1) / 2).clamp(0, 1) for r in readings]


def stated_shape(prompt):
    return next(s for s in SHAPES if f" {s} " in f" {prompt} ")


def compare(paths, readings, clips):
    print(f"\nshape accuracy on the trial's {len(clips)} clips (against the prompts), per stated shape")
    print("| checker | all | " + " | ".join(SHAPES) + " |")
    print("|---|---|" + "---|" * len(SHAPES))
    stated = [stated_shape(r["prompt"]) for r in readings]
    for path in paths:
        w = read_tensors(path)
        read = [SHAPES[int(shape_probabilities(w, clip)[0].argmax())] for clip in clips]
        right = [a == b for a, b in zip(read, stated)]
        cells = []
        for shape in SHAPES:
            of_shape = [ok for ok, s in zip(right, stated) if s == shape]
            cells.append(f"{sum(of_shape)}/{len(of_shape)}")
        print(f"| {path} | {sum(right) / len(right):.2f} | " + " | ".join(cells) + " |")


def main(checker_path, trial, per_cell, others):
    w = read_tensors(checker_path)
    readings = json.loads((trial / "checker_confusion.json").read_text())["generations"]
    clips = trial_clips(trial, readings)
    worst = 0.0
    for reading, clip in zip(readings, clips):
        p = shape_probabilities(w, clip)[0].numpy()
        worst = max(worst, float(np.abs(p - np.array(reading["shape_probabilities"])).max()))
    print(f"re-implementation against the C++ readings: {len(readings)} clips, largest |P(shape) difference| {worst:.1e}")
    if not readings or worst > 1e-4:
        sys.exit("checker_probe: the re-implementation does not match the checker's readings")
    if others:
        compare([checker_path, *others], readings, clips)
    rng = np.random.default_rng(0)
    strengths = (0.0, 0.05, 0.1, 0.25)
    print(f"\nrendered clips, {per_cell} random placements per cell: share read as the stated shape, by fringe strength")
    print(f"| shape | colour | " + " | ".join(f"fringe {s:.2f}" for s in strengths) + " |")
    print("|---|---|" + "---|" * len(strengths))
    for shape in ("diamond", "triangle"):
        for colour in COLOURS:
            cells = []
            for strength in strengths:
                right = 0
                for _ in range(per_cell):
                    clip = render(shape, COLOURS[colour], rng.uniform(HALF, SIZE - HALF), rng.uniform(16 + HALF, SIZE - HALF), strength)
                    right += SHAPES[int(shape_probabilities(w, clip)[0].argmax())] == shape
                cells.append(f"{right / per_cell:.2f}")
            print(f"| {shape} | {colour} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    args = sys.argv[1:]
    others = args[args.index("--compare") + 1:] if "--compare" in args else []
    args = args[:args.index("--compare")] if "--compare" in args else args
    if len(args) not in (2, 3) or ("--compare" in sys.argv and not others):
        sys.exit(__doc__)
    main(args[0], Path(args[1]), int(args[2]) if len(args) == 3 else 40, others)
