#!/usr/bin/env python3
"""Writes tests/fixtures/tiny_features.pt, a TorchScript stand-in for an image feature network
(DINO, CLIP) as the quality proxy's consistency dimensions load one:

    .venv/bin/python scripts/make_feature_fixture.py

Contract (the same for a real export): forward(frames) with frames [T, 3, H, W] float32 in [0, 1]
returns features [T, D]. This stand-in returns, per frame, the mean of each channel followed by
the mean of each channel over the top and the bottom half of the frame (D = 9): simple enough that
the C++ test recomputes it by hand.
"""
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tiny_features.pt"


class ChannelMeans(torch.nn.Module):
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        half = frames.shape[2] // 2
        whole = frames.mean(dim=(2, 3))
        top = frames[:, :, :half].mean(dim=(2, 3))
        bottom = frames[:, :, half:].mean(dim=(2, 3))
        return torch.cat([whole, top, bottom], dim=1)


if __name__ == "__main__":
    torch.jit.script(ChannelMeans()).save(str(OUT))
    print(f"wrote {OUT}")
