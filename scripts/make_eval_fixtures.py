#!/usr/bin/env python3
"""Writes tests/eval/fixtures/ssim_psnr.json, the reference values the eval/ metrics are tested against.

Produced with the project virtualenv after `.venv/bin/pip install scikit-image`:

    .venv/bin/python scripts/make_eval_fixtures.py

Every video is generated from a fixed seed, so re-running reproduces the file byte for byte
for the same numpy / scipy / scikit-image versions (recorded in the file). Samples are rounded
to 4 decimals and stored as those short decimals; a reader converts each to double and then to
float32, and the expected values here are computed from exactly those float32 samples, widened
to float64 (scikit-image would otherwise compute in float32).

Expected values per (reference, output) pair:
  ssim: skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, data_range=1.0, channel_axis=-1) per frame, mean over frames;
  psnr: per frame 20*log10(1/sqrt(MSE)) (100 when MSE < 1e-10), mean over frames;
  mse:  mean squared error over the whole video;
  temporal_flickering of the output: (255 - mean over consecutive frames of mean |diff| in
        [0, 255] units) / 255.
"""

import json
import math
import pathlib

import numpy as np
import scipy
import scipy.ndimage
import skimage
from skimage.metrics import structural_similarity

SEED = 20250611
DECIMALS = 4
OUT_PATH = pathlib.Path(__file__).resolve().parent.parent / "tests" / "eval" / "fixtures" / "ssim_psnr.json"

# (name, frames, height, width, channels); odd sizes on purpose, and 11 = the smallest side SSIM allows.
SHAPES = [
    ("rgb_3x17x23", 3, 17, 23, 3),
    ("gray_2x32x11", 2, 32, 11, 1),
    ("two_channel_2x11x14", 2, 11, 14, 2),
]


def quantize(video):
    """Rounds to DECIMALS and returns (stored decimals as float64, the float32 samples as float64)."""
    stored = np.round(np.clip(video, 0.0, 1.0), DECIMALS)
    samples = stored.astype(np.float32).astype(np.float64)
    return stored, samples


def make_reference(rng, frames, height, width, channels):
    """Smooth moving gradients and blobs plus fine texture, so SSIM sees structure at every scale."""
    y, x = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    video = np.empty((frames, height, width, channels))
    for t in range(frames):
        for c in range(channels):
            phase = rng.uniform(0, 2 * math.pi)
            wave = 0.5 + 0.3 * np.sin(0.45 * x + 0.3 * y + phase + 0.4 * t)
            cy, cx = rng.uniform(0, height), rng.uniform(0, width)
            blob = 0.25 * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * 3.0**2))
            texture = rng.uniform(-0.12, 0.12, size=(height, width))
            video[t, :, :, c] = wave + blob + texture
    return video


def make_outputs(rng, reference):
    noisy = reference + rng.normal(0.0, 0.05, size=reference.shape)
    blurred = scipy.ndimage.gaussian_filter(reference, sigma=(0, 1.2, 1.2, 0), mode="nearest")
    shifted = np.roll(reference, shift=(1, -1), axis=(1, 2)) * 0.9 + 0.05
    return [("noisy", noisy), ("blurred", blurred), ("shifted_dimmed", shifted)]


def ssim_video(output, reference):
    per_frame = [
        float(
            structural_similarity(
                output[t],
                reference[t],
                gaussian_weights=True,
                sigma=1.5,
                use_sample_covariance=False,
                data_range=1.0,
                channel_axis=-1,
            )
        )
        for t in range(reference.shape[0])
    ]
    return float(np.mean(per_frame)), per_frame


def psnr_video(output, reference):
    per_frame = []
    for t in range(reference.shape[0]):
        mse = float(np.mean((output[t] - reference[t]) ** 2))
        per_frame.append(100.0 if mse < 1e-10 else 20.0 * math.log10(1.0 / math.sqrt(mse)))
    return float(np.mean(per_frame)), per_frame


def temporal_flickering(video):
    scaled = video * 255.0
    diffs = [float(np.mean(np.abs(scaled[t] - scaled[t + 1]))) for t in range(video.shape[0] - 1)]
    return (255.0 - float(np.mean(diffs))) / 255.0


def flat(stored):
    return [float(v) for v in stored.reshape(-1)]


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    for name, frames, height, width, channels in SHAPES:
        ref_stored, ref = quantize(make_reference(rng, frames, height, width, channels))
        outputs = []
        for out_name, raw in make_outputs(rng, ref):
            out_stored, out = quantize(raw)
            ssim, ssim_frames = ssim_video(out, ref)
            psnr, psnr_frames = psnr_video(out, ref)
            outputs.append(
                {
                    "name": out_name,
                    "samples": flat(out_stored),
                    "ssim": ssim,
                    "ssim_frames": ssim_frames,
                    "psnr": psnr,
                    "psnr_frames": psnr_frames,
                    "mse": float(np.mean((out - ref) ** 2)),
                    "temporal_flickering": temporal_flickering(out),
                }
            )
        cases.append(
            {
                "name": name,
                "shape": [frames, height, width, channels],
                "reference": flat(ref_stored),
                "reference_temporal_flickering": temporal_flickering(ref),
                "outputs": outputs,
            }
        )
    document = {
        "generator": "scripts/make_eval_fixtures.py",
        "layout": "samples are flat [T][H][W][C] lists; convert each to float32",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-image": skimage.__version__},
        "seed": SEED,
        "cases": cases,
    }
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"wrote {OUT_PATH} ({OUT_PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
