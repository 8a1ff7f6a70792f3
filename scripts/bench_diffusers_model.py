"""Same-run baseline for `astraea bench model`: diffusers' CogVideoXTransformer3DModel at the
CogVideoX-5B configuration with random weights, bf16, eager PyTorch with SDPA.

Times one CFG forward (batch 2; median of --repeats after --warmup, CUDA events) and, unless
--no-generation, a full generation loop as CogVideoXPipeline runs it (CFG, dynamic CFG, the
CogVideoX DPM scheduler). Prints one JSON object and writes it to --json.
"""

import argparse
import json
import statistics

import torch
from diffusers import CogVideoXDPMScheduler, CogVideoXTransformer3DModel
from diffusers.models.embeddings import get_3d_rotary_pos_embed

CONFIG_5B = dict(num_attention_heads=48, attention_head_dim=64, in_channels=16, out_channels=16, time_embed_dim=512,
                 text_embed_dim=4096, num_layers=42, sample_width=90, sample_height=60, sample_frames=49, patch_size=2,
                 temporal_compression_ratio=4, max_text_seq_length=226, use_rotary_positional_embeddings=True)
SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", prediction_type="v_prediction",
                 timestep_spacing="trailing", rescale_betas_zero_snr=True, set_alpha_to_one=True, clip_sample=False,
                 steps_offset=0, snr_shift_scale=1.0)


def timed(fn):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=13, help="latent frames (49 pixel frames)")
    parser.add_argument("--height", type=int, default=60, help="latent height (480 px)")
    parser.add_argument("--width", type=int, default=90, help="latent width (720 px)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--no-generation", action="store_true")
    parser.add_argument("--json", default="")
    args = parser.parse_args()

    torch.manual_seed(0)
    with torch.device("cuda"):
        model = CogVideoXTransformer3DModel(**CONFIG_5B).to(torch.bfloat16).eval()
    p = CONFIG_5B["patch_size"]
    grid_h, grid_w = args.height // p, args.width // p
    base_h, base_w = CONFIG_5B["sample_height"] // p, CONFIG_5B["sample_width"] // p
    assert (grid_h, grid_w) == (base_h, base_w), "this baseline only covers the native 480x720 grid"
    cos, sin = get_3d_rotary_pos_embed(CONFIG_5B["attention_head_dim"], ((0, 0), (grid_h, grid_w)), (grid_h, grid_w),
                                       args.frames, device="cuda")
    rope = (cos, sin)
    latents = torch.randn(2, args.frames, 16, args.height, args.width, device="cuda", dtype=torch.bfloat16)
    text = torch.randn(2, 226, 4096, device="cuda", dtype=torch.bfloat16)
    timestep = torch.full((2,), 999, device="cuda", dtype=torch.long)

    def forward(x=latents, t=timestep):
        return model(hidden_states=x, encoder_hidden_states=text, timestep=t, image_rotary_emb=rope, return_dict=False)[0]

    with torch.no_grad():
        for _ in range(args.warmup):
            forward()
        torch.cuda.reset_peak_memory_stats()
        runs = [timed(forward) for _ in range(args.repeats)]
        report = {"baseline": "diffusers", "forward": {"median_ms": statistics.median(runs), "min_ms": min(runs), "max_ms": max(runs),
                                                      "runs": runs, "peak_gib": torch.cuda.max_memory_allocated() / 2**30}}
        if not args.no_generation:
            report["generation"] = generation(model, text, rope, args)
    report.update(gpu=torch.cuda.get_device_name(), torch=torch.__version__, tokens=226 + args.frames * grid_h * grid_w)
    print(json.dumps(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


def generation(model, text, rope, args):
    """CogVideoXPipeline's denoising loop (CFG 6, dynamic CFG, DPM), timed end to end."""
    import math
    scheduler = CogVideoXDPMScheduler(**SCHEDULER)
    scheduler.set_timesteps(args.steps, device="cuda")
    torch.cuda.reset_peak_memory_stats()
    generator = torch.Generator("cpu").manual_seed(0)
    latents = torch.randn(1, args.frames, 16, args.height, args.width, generator=generator).to("cuda", torch.bfloat16)

    def loop():
        nonlocal latents
        old_x0 = None
        timesteps = scheduler.timesteps
        for i, t in enumerate(timesteps):
            pred = model(hidden_states=torch.cat([latents] * 2), encoder_hidden_states=text, timestep=t.expand(2),
                         image_rotary_emb=rope, return_dict=False)[0].float()
            w = 1 + 6.0 * ((1 - math.cos(math.pi * ((args.steps - t.item()) / args.steps) ** 5.0)) / 2)
            uncond, cond = pred.chunk(2)
            pred = uncond + w * (cond - uncond)
            latents, old_x0 = scheduler.step(pred, old_x0, t, timesteps[i - 1] if i > 0 else None, latents,
                                             generator=generator, return_dict=False)
            latents = latents.to(torch.bfloat16)

    ms = timed(loop)
    return {"median_ms": ms, "min_ms": ms, "max_ms": ms, "runs": [ms], "peak_gib": torch.cuda.max_memory_allocated() / 2**30}


if __name__ == "__main__":
    main()
