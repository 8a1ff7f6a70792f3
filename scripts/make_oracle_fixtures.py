#!/usr/bin/env python3
"""Writes tests/fixtures/cogvideox_*.safetensors, the diffusers reference outputs the C++ port is tested against.

    .venv/bin/python scripts/make_oracle_fixtures.py

Started with another interpreter it re-executes itself under the project virtualenv, and it installs the
pinned diffusers (and transformers, which CogVideoXPipeline imports) there when they are missing. No model
weights are downloaded: every model is a tiny one with seeded random weights. Everything runs on the CPU in
float32 with one thread, from fixed seeds, so re-running reproduces the same files for the same versions.

Each file holds the transformer state_dict under diffusers' own parameter names, the inputs and outputs under
`oracle.`, and string metadata (config JSON, versions, case parameters). Every file is reloaded into a fresh
model and re-run before the script finishes; the output must match bit for bit. tests/fixtures/README.md
describes the cases, keys and layouts.
"""

import contextlib
import importlib.metadata
import json
import math
import os
import pathlib
import struct
import subprocess
import sys
import types

REPO = pathlib.Path(__file__).resolve().parent.parent
VENV_DIR = REPO / ".venv"
OUT_DIR = REPO / "tests" / "fixtures"
PINNED = {"diffusers": "0.42.1", "transformers": "5.24.0"}


def ensure_venv():
    """Re-executes under the project virtualenv's python unless already running there."""
    if pathlib.Path(sys.prefix).resolve() != VENV_DIR.resolve():
        python = VENV_DIR / "bin" / "python"
        os.execv(str(python), [str(python), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


def ensure_packages():
    """Installs the pinned packages into the virtualenv when they are missing or at another version."""
    wanted = []
    for name, version in PINNED.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wanted.append(f"{name}=={version}")
    if wanted:
        print("installing", " ".join(wanted), flush=True)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *wanted])


ensure_venv()
ensure_packages()

import diffusers  # noqa: E402
import torch  # noqa: E402
from diffusers import (  # noqa: E402
    AutoencoderKLCogVideoX,
    CogVideoXDDIMScheduler,
    CogVideoXDPMScheduler,
    CogVideoXPipeline,
    CogVideoXTransformer3DModel,
)
from diffusers.models.embeddings import get_3d_rotary_pos_embed  # noqa: E402
from diffusers.pipelines.cogvideo.pipeline_cogvideox import get_resize_crop_region_for_grid  # noqa: E402
from diffusers.schedulers import scheduling_dpm_cogvideox  # noqa: E402
from diffusers.utils.torch_utils import randn_tensor  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

CONSTRUCTION_SEED = 0  # torch.manual_seed before the model is built (its own init is then overwritten)
WEIGHT_SEED = 0  # generator for the re-initialisation of every parameter
WEIGHT_SCALE = 0.5  # parameters ~ N(0, 0.5^2), so zero-initialised layers (proj_out, norm_out) are not zero
INPUT_SEED = 1234  # transformer-case inputs
EMBEDS_SEED = 4321  # sampler/pipeline prompt embeddings
SAMPLER_SEED = 42  # generator for the initial latents and the DPM noise, as the pipeline uses it
TIMESTEPS = [17, 713]

# diffusers' own transformer test config (tests/models/transformers/test_models_transformer_cogvideox.py)
TINY_CONFIG = dict(
    num_attention_heads=2,
    attention_head_dim=8,
    in_channels=4,
    out_channels=4,
    time_embed_dim=2,
    text_embed_dim=8,
    num_layers=2,
    sample_width=8,
    sample_height=8,
    sample_frames=8,
    patch_size=2,
    patch_size_t=None,
    temporal_compression_ratio=4,
    max_text_seq_length=8,
)
# RoPE needs head_dim % 16 == 0 (t/h/w split 4/6/6 here)
ROPE_CONFIG = {**TINY_CONFIG, "attention_head_dim": 16, "use_rotary_positional_embeddings": True}
PATCH_T_CONFIG = {**ROPE_CONFIG, "patch_size_t": 2, "patch_bias": False}

# CogVideoX hub scheduler config; snr_shift_scale 3.0 (2B) for DDIM, 1.0 (5B / 1.5) for DPM
SCHEDULER_COMMON = dict(
    num_train_timesteps=1000,
    beta_start=0.00085,
    beta_end=0.012,
    beta_schedule="scaled_linear",
    prediction_type="v_prediction",
    timestep_spacing="trailing",
    rescale_betas_zero_snr=True,
    set_alpha_to_one=True,
    clip_sample=False,
    steps_offset=0,
)
SAMPLERS = {
    "ddim": (CogVideoXDDIMScheduler, {"snr_shift_scale": 3.0}, False),
    "dpm": (CogVideoXDPMScheduler, {"snr_shift_scale": 1.0}, True),  # (class, extra config, use_dynamic_cfg)
}
NUM_STEPS = 4
GUIDANCE_SCALE = 6.0
HEIGHT, WIDTH, NUM_FRAMES = 64, 64, 5  # pixels; with the tiny VAE below: 8x8 latents, 2 latent frames
BATCH = 1

# Extra RoPE-only grids where the crop region and slicing are not the identity (fractional linspace
# positions, Python's round-half-to-even in get_resize_crop_region_for_grid, h != w, slice with max > grid):
# (name, patch_size_t, attention_head_dim, patch grid (h, w), latent frames, sample (height, width) in latents)
ROPE_GRIDS = [
    ("linspace_g3x5_f3_s8x8_d16", None, 16, (3, 5), 3, (8, 8)),
    ("linspace_g5x3_f2_s8x12_d16", None, 16, (5, 3), 2, (8, 12)),
    ("linspace_g6x4_f1_s8x8_d32", None, 32, (6, 4), 1, (8, 8)),
    ("linspace_g4x5_f4_s8x8_d64", None, 64, (4, 5), 4, (8, 8)),
    ("slice_g3x2_f3_s8x8_d32", 2, 32, (3, 2), 3, (8, 8)),
    ("slice_g4x5_f4_s12x10_d64", 2, 64, (4, 5), 4, (12, 10)),
]

# Smallest valid VAE with vae_scale_factor_spatial 8 (4 blocks) and temporal compression 4; never run
# (output_type="latent"), only its config is read by the pipeline.
TINY_VAE_CONFIG = dict(
    in_channels=3,
    out_channels=3,
    down_block_types=("CogVideoXDownBlock3D",) * 4,
    up_block_types=("CogVideoXUpBlock3D",) * 4,
    block_out_channels=(8, 8, 8, 8),
    latent_channels=4,
    layers_per_block=1,
    norm_num_groups=2,
    temporal_compression_ratio=4,
)


# ---------------------------------------------------------------------------------------------------- models


def public_config(config):
    """The config as a plain JSON-serialisable dict, without diffusers' private `_...` bookkeeping keys."""
    return json.loads(json.dumps({k: v for k, v in dict(config).items() if not k.startswith("_")}))


def build_transformer(config):
    torch.manual_seed(CONSTRUCTION_SEED)
    model = CogVideoXTransformer3DModel(**config)
    generator = torch.Generator("cpu").manual_seed(WEIGHT_SEED)
    with torch.no_grad():
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * WEIGHT_SCALE)
    return model.eval()


def transformer_from_fixture(tensors, metadata):
    """A fresh model built from the stored config and loaded (strictly) with the stored weights."""
    model = CogVideoXTransformer3DModel.from_config(json.loads(metadata["config"]))
    weights = {k: v for k, v in tensors.items() if not k.startswith("oracle.")}
    model.load_state_dict(weights, strict=True)
    return model.eval()


def build_vae(config):
    torch.manual_seed(CONSTRUCTION_SEED)
    return AutoencoderKLCogVideoX(**config).eval()


def build_scheduler(kind):
    cls, extra, _ = SAMPLERS[kind]
    return cls(**SCHEDULER_COMMON, **extra)


# ------------------------------------------------------------------------------------------------------ RoPE


def rope_linspace(model, latent_height, latent_width, latent_frames):
    """CogVideoX 1.0 RoPE, as CogVideoXPipeline._prepare_rotary_positional_embeddings computes it."""
    cfg = model.config
    grid = (latent_height // cfg.patch_size, latent_width // cfg.patch_size)
    base_width, base_height = cfg.sample_width // cfg.patch_size, cfg.sample_height // cfg.patch_size
    crops = get_resize_crop_region_for_grid(grid, base_width, base_height)
    cos, sin = get_3d_rotary_pos_embed(
        embed_dim=cfg.attention_head_dim, crops_coords=crops, grid_size=grid, temporal_size=latent_frames
    )
    params = dict(
        function="get_3d_rotary_pos_embed",
        embed_dim=cfg.attention_head_dim,
        crops_coords=crops,
        grid_size=grid,
        temporal_size=latent_frames,
        grid_type="linspace",
        theta=10000,
        use_real=True,
        crops_from=f"get_resize_crop_region_for_grid({grid}, tgt_width={base_width}, tgt_height={base_height})",
    )
    return cos, sin, params


def rope_slice(model, latent_height, latent_width, latent_frames):
    """CogVideoX 1.5 RoPE (grid_type "slice"), as the pipeline computes it for patch_size_t models."""
    cfg = model.config
    grid = (latent_height // cfg.patch_size, latent_width // cfg.patch_size)
    max_size = (cfg.sample_height // cfg.patch_size, cfg.sample_width // cfg.patch_size)
    temporal = math.ceil(latent_frames / cfg.patch_size_t)
    cos, sin = get_3d_rotary_pos_embed(
        embed_dim=cfg.attention_head_dim,
        crops_coords=None,
        grid_size=grid,
        temporal_size=temporal,
        grid_type="slice",
        max_size=max_size,
    )
    params = dict(
        function="get_3d_rotary_pos_embed",
        embed_dim=cfg.attention_head_dim,
        crops_coords=None,
        grid_size=grid,
        temporal_size=temporal,
        grid_type="slice",
        max_size=max_size,
        theta=10000,
        use_real=True,
    )
    return cos, sin, params


def check_rope_matches_pipeline(model, latent_height, latent_width, latent_frames, cos, sin):
    """The pipeline's own method on a stand-in object (it only reads these two attributes)."""
    stand_in = types.SimpleNamespace(vae_scale_factor_spatial=8, transformer=model)
    ref_cos, ref_sin = CogVideoXPipeline._prepare_rotary_positional_embeddings(
        stand_in, latent_height * 8, latent_width * 8, latent_frames, torch.device("cpu")
    )
    assert torch.equal(cos, ref_cos) and torch.equal(sin, ref_sin), "RoPE differs from the pipeline's"


# ------------------------------------------------------------------------------------------------- fixtures


def run_transformer(model, hidden_states, encoder_hidden_states, timestep, rotary):
    with torch.no_grad():
        return model(
            hidden_states=hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            timestep=timestep,
            image_rotary_emb=rotary,
            return_dict=False,
        )[0]


def save_fixture(name, model, oracle, case, extra_metadata):
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    tensors.update({f"oracle.{k}": v.detach().contiguous() for k, v in oracle.items()})
    for key, tensor in tensors.items():
        assert tensor.dtype in (torch.float32, torch.int64), (key, tensor.dtype)
        assert tensor.device.type == "cpu", key
    metadata = {
        "config": json.dumps(public_config(model.config)),
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
        "case": case,
    }
    metadata.update({k: json.dumps(v) for k, v in extra_metadata.items()})
    path = OUT_DIR / name
    write_safetensors(path, tensors, metadata)
    return path


def write_safetensors(path, tensors, metadata):
    """save_file, then the `__metadata__` entries sorted by key (the writer emits them in hash order), so that
    re-running gives byte-identical files. Tensor entries, offsets and data are left as written."""
    save_file(tensors, str(path), metadata=metadata)
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + length :])
    path.chmod(0o644)


def load_fixture(path):
    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def make_transformer_case(name, config, frames, rope_fn, case):
    model = build_transformer(config)
    generator = torch.Generator("cpu").manual_seed(INPUT_SEED)
    hidden_states = torch.randn(2, frames, 4, 8, 8, generator=generator)
    encoder_hidden_states = torch.randn(2, 8, 8, generator=generator)
    timestep_int = torch.tensor(TIMESTEPS, dtype=torch.int64)
    oracle = dict(
        hidden_states=hidden_states,
        encoder_hidden_states=encoder_hidden_states,
        timestep=timestep_int.float(),
        timestep_int=timestep_int,
    )
    extra = {"weight_init": weight_init_description(), "input_seed": INPUT_SEED}
    rotary = None
    if rope_fn is not None:
        cos, sin, params = rope_fn(model, 8, 8, frames)
        check_rope_matches_pipeline(model, 8, 8, frames, cos, sin)
        rotary = (cos, sin)
        oracle.update(rotary_cos=cos, rotary_sin=sin)
        extra["rope"] = params
    oracle["output"] = run_transformer(model, hidden_states, encoder_hidden_states, timestep_int, rotary)
    path = save_fixture(name, model, oracle, case, extra)
    verify_transformer_case(path)
    return path


def verify_transformer_case(path):
    tensors, metadata = load_fixture(path)
    model = transformer_from_fixture(tensors, metadata)
    rotary = None
    if "oracle.rotary_cos" in tensors:
        rotary = (tensors["oracle.rotary_cos"], tensors["oracle.rotary_sin"])
    args = (tensors["oracle.hidden_states"], tensors["oracle.encoder_hidden_states"])
    for timestep in (tensors["oracle.timestep_int"], tensors["oracle.timestep"]):
        output = run_transformer(model, *args, timestep, rotary)
        assert torch.equal(output, tensors["oracle.output"]), f"{path.name}: reloaded output differs"


def weight_init_description():
    return (
        f"torch.manual_seed({CONSTRUCTION_SEED}); construct; then for each named_parameters() in order: "
        f"param = torch.randn(shape, generator=torch.Generator('cpu').manual_seed({WEIGHT_SEED})) * {WEIGHT_SCALE}"
        " (one generator shared over all parameters)"
    )


def make_rope_grid_case():
    """RoPE tables alone (no transformer weights), for a unit test of the C++ RoPE construction."""
    oracle, grids = {}, {}
    for name, patch_size_t, head_dim, grid, frames, sample in ROPE_GRIDS:
        config = types.SimpleNamespace(
            patch_size=2,
            patch_size_t=patch_size_t,
            attention_head_dim=head_dim,
            sample_height=sample[0],
            sample_width=sample[1],
        )
        stand_in = types.SimpleNamespace(config=config)  # the rope functions only read model.config
        latent_height, latent_width = grid[0] * 2, grid[1] * 2
        rope_fn = rope_linspace if patch_size_t is None else rope_slice
        cos, sin, params = rope_fn(stand_in, latent_height, latent_width, frames)
        check_rope_matches_pipeline(stand_in, latent_height, latent_width, frames, cos, sin)
        oracle[f"rope_{name}_cos"], oracle[f"rope_{name}_sin"] = cos, sin
        grids[name] = dict(
            params,
            patch_size=2,
            patch_size_t=patch_size_t,
            latent_height=latent_height,
            latent_width=latent_width,
            latent_frames=frames,
            sample_height=sample[0],
            sample_width=sample[1],
        )
    path = OUT_DIR / "cogvideox_rope_grids.safetensors"
    tensors = {f"oracle.{k}": v.contiguous() for k, v in oracle.items()}
    metadata = {
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
        "case": "RoPE cos/sin tables only, as CogVideoXPipeline._prepare_rotary_positional_embeddings builds them",
        "grids": json.dumps(grids),
    }
    write_safetensors(path, tensors, metadata)
    reloaded, _ = load_fixture(path)
    assert reloaded.keys() == tensors.keys() and all(torch.equal(reloaded[k], tensors[k]) for k in tensors)
    return path


# -------------------------------------------------------------------------------------------------- sampler


@contextlib.contextmanager
def record_scheduler_noise():
    """Records, in draw order, every tensor the DPM scheduler draws with randn_tensor."""
    drawn = []
    original = scheduling_dpm_cogvideox.randn_tensor

    def recording(*args, **kwargs):
        noise = original(*args, **kwargs)
        drawn.append(noise.clone())
        return noise

    scheduling_dpm_cogvideox.randn_tensor = recording
    try:
        yield drawn
    finally:
        scheduling_dpm_cogvideox.randn_tensor = original


@contextlib.contextmanager
def replay_scheduler_noise(noises):
    """Makes the DPM scheduler draw the given tensors, in order, instead of random ones."""
    queue = list(noises)
    original = scheduling_dpm_cogvideox.randn_tensor

    def replaying(shape, *args, **kwargs):
        noise = queue.pop(0)
        assert tuple(noise.shape) == tuple(shape)
        return noise.clone()

    scheduling_dpm_cogvideox.randn_tensor = replaying
    try:
        yield
    finally:
        scheduling_dpm_cogvideox.randn_tensor = original
    assert not queue, "not every recorded noise tensor was drawn"


def denoise(model, scheduler, latents, prompt_embeds, negative_prompt_embeds, rotary, use_dynamic_cfg, generator):
    """CogVideoXPipeline.__call__'s denoising loop (step 8), written out; returns (final, per-step, guidance)."""
    scheduler.set_timesteps(NUM_STEPS, device="cpu")
    timesteps = scheduler.timesteps
    prompt_embeds = torch.cat([negative_prompt_embeds, prompt_embeds], dim=0)
    extra_step_kwargs = {"eta": 0.0, "generator": generator}
    steps, guidance_used = [], []
    old_pred_original_sample = None
    guidance = GUIDANCE_SCALE
    with torch.no_grad():
        for i, t in enumerate(timesteps):
            latent_model_input = torch.cat([latents] * 2)
            latent_model_input = scheduler.scale_model_input(latent_model_input, t)
            timestep = t.expand(latent_model_input.shape[0])
            noise_pred = model(
                hidden_states=latent_model_input,
                encoder_hidden_states=prompt_embeds,
                timestep=timestep,
                image_rotary_emb=rotary,
                return_dict=False,
            )[0]
            noise_pred = noise_pred.float()
            if use_dynamic_cfg:
                guidance = 1 + GUIDANCE_SCALE * (
                    (1 - math.cos(math.pi * ((NUM_STEPS - t.item()) / NUM_STEPS) ** 5.0)) / 2
                )
            noise_pred_uncond, noise_pred_text = noise_pred.chunk(2)
            noise_pred = noise_pred_uncond + guidance * (noise_pred_text - noise_pred_uncond)
            if isinstance(scheduler, CogVideoXDPMScheduler):
                latents, old_pred_original_sample = scheduler.step(
                    noise_pred,
                    old_pred_original_sample,
                    t,
                    timesteps[i - 1] if i > 0 else None,
                    latents,
                    **extra_step_kwargs,
                    return_dict=False,
                )
            else:
                latents = scheduler.step(noise_pred, t, latents, **extra_step_kwargs, return_dict=False)[0]
            latents = latents.to(prompt_embeds.dtype)
            steps.append(latents.clone())
            guidance_used.append(guidance)
    return latents, steps, guidance_used, timesteps.clone()


def latent_shape(model):
    return (
        BATCH,
        (NUM_FRAMES - 1) // TINY_VAE_CONFIG["temporal_compression_ratio"] + 1,
        model.config.in_channels,
        HEIGHT // 8,
        WIDTH // 8,
    )


def prompt_embeddings(model):
    generator = torch.Generator("cpu").manual_seed(EMBEDS_SEED)
    shape = (BATCH, model.config.max_text_seq_length, model.config.text_embed_dim)
    prompt_embeds = torch.randn(shape, generator=generator)
    negative_prompt_embeds = torch.randn(shape, generator=generator)
    return prompt_embeds, negative_prompt_embeds


def sampler_settings(kind, shape):
    return dict(
        num_inference_steps=NUM_STEPS,
        guidance_scale=GUIDANCE_SCALE,
        use_dynamic_cfg=SAMPLERS[kind][2],
        do_classifier_free_guidance=True,
        seed=SAMPLER_SEED,
        batch=BATCH,
        height=HEIGHT,
        width=WIDTH,
        num_frames=NUM_FRAMES,
        latent_shape=list(shape),
        eta=0.0,
    )


def oracle_steps(steps):
    return {f"latents_step_{i:03d}": s for i, s in enumerate(steps)}


def oracle_noise(noises):
    return {f"noise_{i:03d}": n for i, n in enumerate(noises)}


def make_sampler_case(kind):
    model = build_transformer(ROPE_CONFIG)
    scheduler = build_scheduler(kind)
    shape = latent_shape(model)
    prompt_embeds, negative_prompt_embeds = prompt_embeddings(model)
    cos, sin, rope_params = rope_linspace(model, shape[3], shape[4], shape[1])
    check_rope_matches_pipeline(model, shape[3], shape[4], shape[1], cos, sin)

    generator = torch.Generator("cpu").manual_seed(SAMPLER_SEED)
    latents_init = randn_tensor(shape, generator=generator, device=torch.device("cpu"), dtype=torch.float32)
    latents_init = latents_init * scheduler.init_noise_sigma
    with record_scheduler_noise() as noises:
        final, steps, guidance, timesteps = denoise(
            model, scheduler, latents_init, prompt_embeds, negative_prompt_embeds, (cos, sin),
            SAMPLERS[kind][2], generator,
        )
    oracle = dict(
        latents_init=latents_init,
        prompt_embeds=prompt_embeds,
        negative_prompt_embeds=negative_prompt_embeds,
        rotary_cos=cos,
        rotary_sin=sin,
        timesteps=timesteps,
        guidance=torch.tensor(guidance, dtype=torch.float32),
        latents_final=final,
        **oracle_steps(steps),
        **oracle_noise(noises),
    )
    settings = sampler_settings(kind, shape)
    extra = {
        "scheduler_config": public_config(scheduler.config),
        "scheduler_class": type(scheduler).__name__,
        "sampler": settings,
        "guidance_f64": guidance,
        "rope": rope_params,
        "weight_init": weight_init_description(),
        "embeds_seed": EMBEDS_SEED,
        "noise_draws": len(noises),
    }
    case = (
        f"{NUM_STEPS}-step {type(scheduler).__name__} loop with CFG {GUIDANCE_SCALE}"
        f"{' and dynamic CFG' if SAMPLERS[kind][2] else ''}, tiny RoPE transformer of cogvideox_rope"
    )
    path = save_fixture(f"cogvideox_sampler_{kind}.safetensors", model, oracle, case, extra)
    verify_sampler_case(path, kind)
    return path


def verify_sampler_case(path, kind):
    """Re-runs the loop on a reloaded model, replaying the recorded scheduler noise."""
    tensors, metadata = load_fixture(path)
    model = transformer_from_fixture(tensors, metadata)
    scheduler = build_scheduler(kind)
    assert public_config(scheduler.config) == json.loads(metadata["scheduler_config"])
    noises = [tensors[k] for k in sorted(tensors) if k.startswith("oracle.noise_")]
    with replay_scheduler_noise(noises):
        final, steps, guidance, timesteps = denoise(
            model,
            scheduler,
            tensors["oracle.latents_init"],
            tensors["oracle.prompt_embeds"],
            tensors["oracle.negative_prompt_embeds"],
            (tensors["oracle.rotary_cos"], tensors["oracle.rotary_sin"]),
            SAMPLERS[kind][2],
            None,
        )
    assert torch.equal(timesteps, tensors["oracle.timesteps"])
    assert torch.equal(torch.tensor(guidance, dtype=torch.float32), tensors["oracle.guidance"])
    for i, step in enumerate(steps):
        assert torch.equal(step, tensors[f"oracle.latents_step_{i:03d}"]), f"{path.name}: step {i} differs"
    assert torch.equal(final, tensors["oracle.latents_final"]), f"{path.name}: reloaded result differs"


# ------------------------------------------------------------------------------------------------- pipeline


def run_pipeline(model, vae, kind, prompt_embeds, negative_prompt_embeds):
    """diffusers' CogVideoXPipeline end to end to latents; returns what it drew and produced."""
    pipe = CogVideoXPipeline(
        tokenizer=None, text_encoder=None, vae=vae, transformer=model, scheduler=build_scheduler(kind)
    )
    pipe.set_progress_bar_config(disable=True)
    captured = {"steps": [], "guidance": [], "timesteps": []}
    prepare_latents = pipe.prepare_latents

    def capture_latents(*args, **kwargs):
        latents = prepare_latents(*args, **kwargs)
        captured["latents_init"] = latents.clone()
        return latents

    def on_step_end(pipeline, i, t, callback_kwargs):
        captured["steps"].append(callback_kwargs["latents"].clone())
        captured["guidance"].append(pipeline.guidance_scale)
        captured["timesteps"].append(int(t))
        return {}

    pipe.prepare_latents = capture_latents
    with record_scheduler_noise() as noises:
        latents = pipe(
            prompt_embeds=prompt_embeds,
            negative_prompt_embeds=negative_prompt_embeds,
            height=HEIGHT,
            width=WIDTH,
            num_frames=NUM_FRAMES,
            num_inference_steps=NUM_STEPS,
            guidance_scale=GUIDANCE_SCALE,
            use_dynamic_cfg=SAMPLERS[kind][2],
            generator=torch.Generator("cpu").manual_seed(SAMPLER_SEED),
            output_type="latent",
            return_dict=False,
            callback_on_step_end=on_step_end,
            callback_on_step_end_tensor_inputs=["latents"],
        )[0]
    return latents, captured, list(noises), pipe


def make_pipeline_case(kind):
    model = build_transformer(ROPE_CONFIG)
    vae = build_vae(TINY_VAE_CONFIG)
    prompt_embeds, negative_prompt_embeds = prompt_embeddings(model)
    latents, captured, noises, pipe = run_pipeline(model, vae, kind, prompt_embeds, negative_prompt_embeds)

    shape = latent_shape(model)
    generator = torch.Generator("cpu").manual_seed(SAMPLER_SEED)
    redrawn = randn_tensor(shape, generator=generator, device=torch.device("cpu"), dtype=torch.float32)
    assert torch.equal(redrawn, captured["latents_init"]), "initial latents are not randn(seed) as expected"
    cos, sin, rope_params = rope_linspace(model, shape[3], shape[4], shape[1])

    oracle = dict(
        latents_init=captured["latents_init"],
        prompt_embeds=prompt_embeds,
        negative_prompt_embeds=negative_prompt_embeds,
        rotary_cos=cos,
        rotary_sin=sin,
        timesteps=torch.tensor(captured["timesteps"], dtype=torch.int64),
        guidance=torch.tensor(captured["guidance"], dtype=torch.float32),
        latents_final=latents,
        **oracle_steps(captured["steps"]),
        **oracle_noise(noises),
    )
    vae_derived = dict(
        vae_scale_factor_spatial=pipe.vae_scale_factor_spatial,
        vae_scale_factor_temporal=pipe.vae_scale_factor_temporal,
        vae_scaling_factor_image=pipe.vae_scaling_factor_image,
    )
    call = dict(
        height=HEIGHT,
        width=WIDTH,
        num_frames=NUM_FRAMES,
        num_inference_steps=NUM_STEPS,
        guidance_scale=GUIDANCE_SCALE,
        use_dynamic_cfg=SAMPLERS[kind][2],
        generator=f"torch.Generator('cpu').manual_seed({SAMPLER_SEED})",
        output_type="latent",
        prompt="(none: prompt_embeds / negative_prompt_embeds given)",
    )
    extra = {
        "pipeline_call": call,
        "seed": SAMPLER_SEED,
        "scheduler_config": public_config(pipe.scheduler.config),
        "scheduler_class": type(pipe.scheduler).__name__,
        "vae_config": public_config(vae.config),
        "vae_derived": vae_derived,
        "guidance_f64": captured["guidance"],
        "rope": rope_params,
        "weight_init": weight_init_description(),
        "embeds_seed": EMBEDS_SEED,
        "noise_draws": len(noises),
        "latents_layout": "[B, F_latent, C, H_latent, W_latent]",
    }
    case = (
        f"CogVideoXPipeline(...)(output_type='latent'), {NUM_STEPS} steps, {type(pipe.scheduler).__name__}, "
        f"CFG {GUIDANCE_SCALE}{' dynamic' if SAMPLERS[kind][2] else ''}, tiny RoPE transformer of cogvideox_rope"
    )
    path = save_fixture(f"cogvideox_pipeline_{kind}.safetensors", model, oracle, case, extra)
    verify_pipeline_case(path, kind)
    return path


def verify_pipeline_case(path, kind):
    tensors, metadata = load_fixture(path)
    model = transformer_from_fixture(tensors, metadata)
    vae = AutoencoderKLCogVideoX.from_config(json.loads(metadata["vae_config"]))
    latents, captured, noises, _ = run_pipeline(
        model, vae, kind, tensors["oracle.prompt_embeds"], tensors["oracle.negative_prompt_embeds"]
    )
    assert torch.equal(captured["latents_init"], tensors["oracle.latents_init"])
    assert torch.equal(latents, tensors["oracle.latents_final"]), f"{path.name}: reloaded result differs"
    for i, noise in enumerate(noises):
        assert torch.equal(noise, tensors[f"oracle.noise_{i:03d}"])


def check_sampler_matches_pipeline(kind):
    """The written-out loop and the real pipeline must agree exactly (same seed, weights and embeddings)."""
    sampler, _ = load_fixture(OUT_DIR / f"cogvideox_sampler_{kind}.safetensors")
    pipeline, _ = load_fixture(OUT_DIR / f"cogvideox_pipeline_{kind}.safetensors")
    assert sampler.keys() == pipeline.keys(), kind
    for key in sampler:
        assert torch.equal(sampler[key], pipeline[key]), f"{kind}: sampler loop and pipeline differ at {key}"


# ------------------------------------------------------------------------------------------------------ main


def describe(path):
    tensors, metadata = load_fixture(path)
    print(f"{path.relative_to(REPO)}  {path.stat().st_size} bytes  case: {metadata['case']}")
    for key in sorted(k for k in tensors if k.startswith("oracle.")):
        t = tensors[key]
        print(f"    {key:32s} {str(t.dtype):14s} {list(t.shape)}")
    weights = [k for k in tensors if not k.startswith("oracle.")]
    if weights:
        print(f"    + {len(weights)} transformer weights ({sum(tensors[k].numel() for k in weights)} values)")


def main():
    torch.set_num_threads(1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    paths = [
        make_transformer_case(
            "cogvideox_tiny.safetensors", TINY_CONFIG, 1, None,
            "diffusers test config (sincos positions), one forward pass",
        ),
        make_transformer_case(
            "cogvideox_rope.safetensors", ROPE_CONFIG, 2, rope_linspace,
            "test config with attention_head_dim 16 and 3D RoPE (CogVideoX 1.0, grid_type linspace), 2 latent frames",
        ),
        make_transformer_case(
            "cogvideox_patch_t.safetensors", PATCH_T_CONFIG, 2, rope_slice,
            "1.5-style: patch_size_t 2, patch_bias False, RoPE grid_type slice, 2 latent frames",
        ),
        make_rope_grid_case(),
    ]
    for kind in SAMPLERS:
        paths.append(make_sampler_case(kind))
        paths.append(make_pipeline_case(kind))
        check_sampler_matches_pipeline(kind)
    for path in paths:
        describe(path)
    total = sum(p.stat().st_size for p in paths)
    print(f"total {total} bytes; diffusers {diffusers.__version__}, torch {torch.__version__}; all reloads reproduce")
    assert total < 2 * 1024 * 1024, "fixtures exceed 2 MB"


if __name__ == "__main__":
    main()
