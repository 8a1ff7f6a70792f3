// The typed form of an experiment config. YAML is decoded into these structs once, here;
// nothing below the driver ever sees a YAML node.
#pragma once

#include "config/compose.h"

#include <cstdint>
#include <string>
#include <vector>

namespace astraea::config {

struct StudyOptions {
  std::string name;
  std::string db = "astraea.db";
  int max_attempts = 3;  // a FAILED trial is retried by a re-run sweep until it has this many attempts
  double grace_seconds = 120.0;  // a RUNNING trial whose heartbeat is older than this is requeued
  int warmup = 0;                // untimed generations before a trial's timed ones
  int repeats = 1;               // timed generations per (prompt, seed): latency is their median
  // >= 0: the first timed generation traces this denoising step (Kineto; trace_step<N>.json in the
  // trial's output directory, rank 0's only); that step's time includes the profiler's overhead.
  int profile_step = -1;
  // > 0: LibTorch's intra-op threads while the trial runs (restored after); 0: LibTorch's default,
  // one per core. One thread times small models steadily on a busy or shared CPU.
  int threads = 0;
  // A sparse trial also times a dense generation before each of its own (same process, same
  // prompt and seed, alternating): paired_dense_latency_ms and paired_speedup, the median of the
  // per-pair ratios, which the Pareto table prefers to a ratio across trials run minutes apart.
  bool paired_dense = false;
};

// CogVideoX-family transformer hyper-parameters; names follow diffusers' config.json.
struct ModelOptions {
  std::string family = "cogvideox";
  std::string variant;                  // e.g. 2b, 5b, 1.5-5b, tiny
  std::string init = "random";          // random (seeded, for latency work) | checkpoint
  std::string weights;                  // with init=checkpoint: a .safetensors file, a diffusers index, or a directory
  std::string dtype = "float32";        // float32 | bfloat16 | float16
  std::string device = "auto";          // auto | cpu | cuda
  int num_attention_heads = 30;
  int attention_head_dim = 64;
  int num_layers = 30;
  int in_channels = 16;
  int out_channels = 16;
  int patch_size = 2;
  int patch_size_t = 0;                 // 0: no temporal patching (CogVideoX 1.0)
  int text_embed_dim = 4096;
  int time_embed_dim = 512;
  int max_text_seq_length = 226;
  int sample_width = 90;
  int sample_height = 60;
  int sample_frames = 49;
  int temporal_compression_ratio = 4;   // pixel frames per latent frame (the VAE's)
  int vae_scale_factor_spatial = 8;     // pixels per latent pixel (the VAE's; 1 in pixel space)
  std::string vae;                      // optional TorchScript decoder; latents are decoded into frames when set
  // The latents are the video itself (3 channels in [-1, 1], no VAE): the embedded tiny model.
  bool pixel_space = false;
  // none: prompt embeddings come from prompts.embeddings (or are seeded random);
  // learned: the world tokenizer's ids index `text_embedding.weight` in the weights file.
  std::string text_encoder = "none";
  double vae_scaling_factor = 1.15258426;  // 2B: 1.15258426; 5B and 1.5: 0.7
  bool use_rotary_positional_embeddings = false;
  bool use_learned_positional_embeddings = false;
  bool patch_bias = true;
  double spatial_interpolation_scale = 1.875;
  double temporal_interpolation_scale = 1.0;
};

struct SamplerOptions {
  std::string name = "ddim";            // ddim | dpm
  int steps = 50;
  double guidance_scale = 6.0;
  bool use_dynamic_cfg = false;
  double snr_shift_scale = 3.0;
};

struct VideoOptions {
  int frames = 49;                      // pixel frames
  int height = 480;
  int width = 720;
};

struct PromptOptions {
  std::vector<std::string> texts;
  std::string embeddings;               // safetensors of precomputed text embeddings; empty = none
  // > 0: the texts are the prompts of scenes 0..world_count-1 of the procedural world
  // `world_seed` (instead of listing texts).
  int world_count = 0;
  std::int64_t world_seed = 0;
  std::vector<std::int64_t> seeds = {42};
};

struct RainFusionOptions {
  double sparsity = 0.5;                // s; bandwidth b = 1 - sqrt(s)
  double alpha = 0.9;                   // ARM recall threshold
  std::string decision = "three_way";   // three_way (paper) | two_way (vendor code) | mask_recall (variant, arm.h) | random, random_two_way (baselines)
  std::int64_t seed = 0;                // random: master seed of the per-(step, layer, head) choice
  bool first_frame_sink = true;
  double warmup = 0.1;                  // fraction of steps that run dense
  int textural_stride = 0;              // tau; 0 ("auto" in configs): follows the sparsity (textural_stride_for_sparsity)
  int block_size = 128;
  std::string permutation = "token_major";  // temporal heads' band order: token_major (h, w, t) | tile_major (3D tiles of block_size)
  int decide_every = 1;                 // r: a layer's patterns are decided at most every r steps, reused between
};

struct AstraeaOptions {
  std::vector<double> budget;           // theta_i per step; empty = `total_budget` everywhere
  std::string budget_from;              // a search study in study.db whose best schedule fills `budget`
  double total_budget = 0.5;
  double w_alpha = 1.0;
  double w_beta = 0.5;
  int dense_steps = 1;                  // first steps run dense to fill the caches
  int selection_shards = 1;             // top-k per each of this many slices of a process's video tokens
  std::string cache = "output";         // output | branch
};

struct DenseOptions {
  // sdpa: at::scaled_dot_product_attention (cuDNN or flash on GPUs), the reference baseline.
  // astraea: the project's attention kernel (kernels/block_sparse_attention, dense mask) where it
  // runs (sm_90, bf16/fp16, head dim 64/96/128), SDPA elsewhere. Either way, Ring attention
  // (sequence parallelism over ranks that do not divide the heads) runs its own kernel: it needs
  // each block's LSE to merge them.
  std::string kernel = "sdpa";
};

struct MethodOptions {
  std::string name = "dense";           // dense | rainfusion | astraea | astraea_rainfusion
  DenseOptions dense;
  RainFusionOptions rainfusion;
  AstraeaOptions astraea;
};

struct SearchOptions {
  std::string algorithm = "ga";         // ga (ASTRAEA's EA) | nsga2
  int parents = 50;
  int children = 30;
  int generations = 30;
  double total_budget = 0.5;
  double budget_tolerance = 0.1;        // repair into [(1-tol), (1+tol)] x total budget
  double grid_step = 0.1;
  double mutation_start = 0.1;
  double mutation_end = 0.01;
  std::string fitness = "latent_mse";   // metric minimised by the GA; NSGA-II's second objective
  std::string latency = "latency_ms";   // NSGA-II's first objective
  // generate: each candidate is a generation of the study's model. synthetic: a closed-form
  // stand-in (METHODS-free, documented in src/driver/synthetic_evaluation.h) that exercises the
  // search machinery (workers, resume, overhead) in milliseconds.
  std::string evaluator = "generate";
  double synthetic_seconds = 0.0;       // synthetic: how long each evaluation sleeps
  std::int64_t seed = 0;
};

// How trials are scored beyond the built-in metrics.
struct EvalOptions {
  std::string subject_features;     // TorchScript feature network (e.g. DINO) for subject consistency; empty: classical descriptor
  std::string background_features;  // the same for background consistency (e.g. CLIP)
  // The world's checker network (safetensors): prompt-adherence accuracy per attribute, and its
  // frame features for subject and background consistency unless those are set above.
  std::string checker;
};

// Multi-process generation (src/parallel): Ulysses sequence parallelism over `gpus` ranks, each a
// GPU (NCCL) or, for a CPU model, a CPU process (Gloo). The study's process is rank 0; it starts
// the others on this host unless torchrun's variables say they exist.
struct ParallelOptions {
  int gpus = 1;
  bool cfg = false;     // CFG parallelism: half the ranks compute the unconditional branch, half the conditional
  int timeout_s = 600;  // a collective or a rank's reply that takes longer fails the trial
};

struct ExperimentOptions {
  StudyOptions study;
  std::int64_t seed = 0;
  ModelOptions model;
  SamplerOptions sampler;
  VideoOptions video;
  PromptOptions prompts;
  MethodOptions method;
  bool has_search = false;
  SearchOptions search;
  EvalOptions eval;
  ParallelOptions parallel;
};

// `astraea train`: what to train, for how long, and how.
struct TrainOptions {
  std::string target = "vdit";       // vdit (the tiny transformer) | checker (the world's classifier)
  std::string out;                   // directory for checkpoints, the loss log and the final weights
  std::string init_from;             // vdit: start from these weights (a tiny_vdit.safetensors) instead of fresh ones
  int steps = 20000;
  int batch_size = 64;
  double learning_rate = 3e-4;
  double weight_decay = 0.01;
  int warmup_steps = 500;            // linear learning-rate warm-up, then cosine decay to 10%
  double ema_decay = 0.999;
  double grad_clip = 1.0;            // max global gradient norm; 0 disables clipping
  double cfg_dropout = 0.1;          // vdit: probability that a sample's prompt is the empty prompt
  double object_weight = 0.0;        // vdit: extra loss weight on the pixels the object covers (train/object_weight.h)
  std::vector<double> shape_weights; // vdit: clip sampling weight per shape (train/clip_sampling.h); empty: uniform
  double pixel_noise = 0.05;         // checker: std of Gaussian noise added to its inputs
  double blur_sigma = 0.0;           // checker: each clip blurred with sigma ~ U(0, blur_sigma) pixels (train/clip_blur.h)
  double ring_strength = 0.0;        // checker: a ring_probability share of clips get a one-pixel ring of strength ~ U(0, this) (train/clip_ring.h)
  double ring_probability = 0.5;     // checker: of the ringed clips, half take the object's complementary colour, half a random one
  int dataset_size = 20000;          // clips rendered once from the world, then sampled with replacement
  std::int64_t dataset_seed = 1;     // the world the model learns (evaluation prompts use others)
  int checkpoint_every = 1000;
  int log_every = 50;
  bool mixed_precision = true;       // bf16 autocast on CUDA (ignored on the CPU)
  std::string device = "auto";       // auto | cpu | cuda
};

// The checker network's size (model/checker_network.h has the architecture).
struct CheckerOptions {
  int channels = 32;
  int feature_dim = 128;
};

struct TrainingOptions {
  std::int64_t seed = 0;
  ModelOptions model;
  SamplerOptions sampler;  // its noise schedule is the one the vdit learns
  VideoOptions video;      // the world's clip size
  CheckerOptions checker;
  TrainOptions train;
};

// Decodes a composed config strictly: unknown keys, wrong types and out-of-range values throw
// astraea::Error (kConfig) naming the file and key path.
ExperimentOptions decode_experiment(const ComposedConfig& config);
TrainingOptions decode_training(const ComposedConfig& config);

}  // namespace astraea::config
