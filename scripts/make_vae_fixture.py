#!/usr/bin/env python3
"""Writes tests/fixtures/tiny_vae.pt and tests/fixtures/tiny_vae_io.safetensors for the VAE decoder test.

    .venv/bin/python scripts/make_vae_fixture.py

tiny_vae.pt is a traced TorchScript stand-in for a CogVideoX VAE decoder: it maps latents
[B, 4, F, H, W] to video [B, 3, F, 2H, 2W] in [-1, 1] through a 1x1x1 Conv3d (fixed random weights,
seed 0), nearest 2x spatial upsampling and tanh. It has the call signature of a traced
`vae.decode(z).sample`, so it exercises the same loading and layout code as a real export.

tiny_vae_io.safetensors holds `latents` [1, 2, 4, 8, 8] (frame-major, as the pipeline returns them,
seed 1234) and `frames` [1, 2, 16, 16, 3] in [0, 1]: the latents permuted to [B, C, F, H, W], divided
by the `scaling_factor` metadata entry, decoded by the saved module (reloaded from disk), mapped
through (x / 2 + 0.5).clamp(0, 1) and permuted to [B, F, H, W, C]. Runs on the CPU in float32.
"""

import json
import os
import pathlib
import struct
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
VENV_DIR = REPO / ".venv"
OUT_DIR = REPO / "tests" / "fixtures"
MODULE_FILE = OUT_DIR / "tiny_vae.pt"
IO_FILE = OUT_DIR / "tiny_vae_io.safetensors"

LATENT_CHANNELS = 4
OUT_CHANNELS = 3
WEIGHT_SEED = 0
LATENTS_SEED = 1234
LATENTS_SHAPE = (1, 2, LATENT_CHANNELS, 8, 8)  # [B, F, C, H, W]
TRACE_SHAPE = (1, LATENT_CHANNELS, 2, 8, 8)  # [B, C, F, H, W]
SCALING_FACTOR = 0.7


def ensure_venv():
    """Re-executes under the project virtualenv's python unless already running there."""
    if pathlib.Path(sys.prefix).resolve() != VENV_DIR.resolve():
        python = VENV_DIR / "bin" / "python"
        os.execv(str(python), [str(python), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


ensure_venv()

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402


class TinyDecoder(torch.nn.Module):
    """Latents [B, 4, F, H, W] -> video [B, 3, F, 2H, 2W] in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Conv3d(LATENT_CHANNELS, OUT_CHANNELS, kernel_size=1)

    def forward(self, z):
        x = self.proj(z)
        x = torch.nn.functional.interpolate(x, scale_factor=(1.0, 2.0, 2.0), mode="nearest")
        return torch.tanh(x)


def save_without_debug_info(module, path):
    """torch.jit.save, minus the `*.debug_pkl` records: they hold the tracing machine's absolute source paths
    and are optional for loading. The records are copied through torch's own archive writer, so the file keeps
    the TorchScript layout (and its archive folder name, taken from the file name)."""
    with tempfile.TemporaryDirectory() as tmp:
        full = pathlib.Path(tmp) / path.name
        torch.jit.save(module, str(full))
        reader = torch._C.PyTorchFileReader(str(full))
        writer = torch._C.PyTorchFileWriter(str(path))
        for name in reader.get_all_records():
            if not name.endswith(".debug_pkl"):
                data = reader.get_record(name)
                writer.write_record(name, data, len(data))
        writer.write_end_of_file()
        del reader


def save_sorted(path, tensors, metadata):
    """save_file with the `__metadata__` entries rewritten in key order (the writer emits them in hash order),
    so re-running gives a byte-identical file."""
    save_file(tensors, str(path), metadata=metadata)
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + length :])


def expected_frames(module, latents):
    """What the C++ VaeDecoder must return for these frame-major latents."""
    with torch.no_grad():
        video = module(latents.permute(0, 2, 1, 3, 4) / SCALING_FACTOR)
        return (video / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 4, 1).contiguous()


def main():
    torch.set_num_threads(1)
    torch.manual_seed(WEIGHT_SEED)
    decoder = TinyDecoder().eval()
    with torch.no_grad():
        traced = torch.jit.trace(decoder, torch.randn(TRACE_SHAPE))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    save_without_debug_info(traced, MODULE_FILE)

    reloaded = torch.jit.load(str(MODULE_FILE)).eval()
    latents = torch.randn(LATENTS_SHAPE, generator=torch.Generator().manual_seed(LATENTS_SEED))
    frames = expected_frames(reloaded, latents)
    if not torch.equal(frames, expected_frames(decoder, latents)):
        sys.exit("make_vae_fixture: the reloaded module disagrees with the eager one")

    metadata = {
        "scaling_factor": repr(SCALING_FACTOR),
        "latents_layout": "[B, F, C, H, W]",
        "frames_layout": "[B, F, H, W, C]",
        "weight_seed": str(WEIGHT_SEED),
        "latents_seed": str(LATENTS_SEED),
        "torch_version": torch.__version__,
    }
    save_sorted(IO_FILE, {"latents": latents.contiguous(), "frames": frames}, metadata)

    for path in (MODULE_FILE, IO_FILE):
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")
    print(f"  latents {list(latents.shape)} float32, frames {list(frames.shape)} float32 "
          f"in [{frames.min().item():.4f}, {frames.max().item():.4f}], scaling_factor {SCALING_FACTOR}")


if __name__ == "__main__":
    main()
