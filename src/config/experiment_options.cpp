#include "config/experiment_options.h"

#include "config/reader.h"
#include "data/prompt.h"
#include "data/scene_sampler.h"

namespace astraea::config {
namespace {

constexpr Interval kUnit{0.0, 1.0};
constexpr Interval kUnitOpenTop{0.0, 1.0, false, true};
constexpr Interval kPositive{0.0, 1e308, true, false};
constexpr Interval kNonNegative{0.0, 1e308};
constexpr std::int64_t kIntMax = 1 << 30;

int positive_int(Reader& r, const std::string& key, int fallback) { return static_cast<int>(r.integer(key, fallback, 1, kIntMax)); }

StudyOptions decode_study(Reader r) {
  StudyOptions o;
  o.name = r.string("name");
  if (o.name.empty()) r.fail_at("name", "must not be empty");
  o.db = r.string("db", o.db);
  o.max_attempts = positive_int(r, "max_attempts", o.max_attempts);
  o.grace_seconds = r.number("grace_seconds", o.grace_seconds, {0.1, 86400.0});
  o.warmup = static_cast<int>(r.integer("warmup", o.warmup, 0, 1000));
  o.repeats = positive_int(r, "repeats", o.repeats);
  o.profile_step = static_cast<int>(r.integer("profile_step", o.profile_step, -1, kIntMax));
  o.threads = static_cast<int>(r.integer("threads", o.threads, 0, kIntMax));
  o.paired_dense = r.boolean("paired_dense", o.paired_dense);
  r.finish();
  return o;
}

ModelOptions decode_model(Reader r) {
  ModelOptions o;
  o.family = r.one_of("family", {"cogvideox"}, o.family);
  o.variant = r.string("variant", o.variant);
  o.init = r.one_of("init", {"random", "checkpoint"}, o.init);
  o.weights = r.string("weights", o.weights);
  if (o.init == "checkpoint" && o.weights.empty()) r.fail_at("weights", "init=checkpoint needs a weights path");
  o.dtype = r.one_of("dtype", {"float32", "bfloat16", "float16"}, o.dtype);
  o.device = r.one_of("device", {"auto", "cpu", "cuda"}, o.device);
  o.num_attention_heads = positive_int(r, "num_attention_heads", o.num_attention_heads);
  o.attention_head_dim = positive_int(r, "attention_head_dim", o.attention_head_dim);
  o.num_layers = positive_int(r, "num_layers", o.num_layers);
  o.in_channels = positive_int(r, "in_channels", o.in_channels);
  o.out_channels = positive_int(r, "out_channels", o.out_channels);
  o.patch_size = positive_int(r, "patch_size", o.patch_size);
  o.patch_size_t = static_cast<int>(r.integer("patch_size_t", o.patch_size_t, 0, kIntMax));
  o.text_embed_dim = positive_int(r, "text_embed_dim", o.text_embed_dim);
  o.time_embed_dim = positive_int(r, "time_embed_dim", o.time_embed_dim);
  o.max_text_seq_length = positive_int(r, "max_text_seq_length", o.max_text_seq_length);
  o.sample_width = positive_int(r, "sample_width", o.sample_width);
  o.sample_height = positive_int(r, "sample_height", o.sample_height);
  o.sample_frames = positive_int(r, "sample_frames", o.sample_frames);
  o.temporal_compression_ratio = positive_int(r, "temporal_compression_ratio", o.temporal_compression_ratio);
  o.vae_scale_factor_spatial = positive_int(r, "vae_scale_factor_spatial", o.vae_scale_factor_spatial);
  o.vae = r.string("vae", o.vae);
  o.pixel_space = r.boolean("pixel_space", o.pixel_space);
  if (o.pixel_space && !o.vae.empty()) r.fail_at("pixel_space", "a pixel-space model has no VAE; unset model.vae");
  o.text_encoder = r.one_of("text_encoder", {"none", "learned"}, o.text_encoder);
  o.vae_scaling_factor = r.number("vae_scaling_factor", o.vae_scaling_factor, kPositive);
  o.use_rotary_positional_embeddings = r.boolean("use_rotary_positional_embeddings", o.use_rotary_positional_embeddings);
  o.use_learned_positional_embeddings = r.boolean("use_learned_positional_embeddings", o.use_learned_positional_embeddings);
  o.patch_bias = r.boolean("patch_bias", o.patch_bias);
  o.spatial_interpolation_scale = r.number("spatial_interpolation_scale", o.spatial_interpolation_scale, kPositive);
  o.temporal_interpolation_scale = r.number("temporal_interpolation_scale", o.temporal_interpolation_scale, kPositive);
  if (o.use_rotary_positional_embeddings && o.attention_head_dim % 8 != 0) {
    r.fail_at("attention_head_dim", "3D RoPE splits the head dim 1/4, 3/8, 3/8, so it must be a multiple of 8");
  }
  r.finish();
  return o;
}

SamplerOptions decode_sampler(Reader r) {
  SamplerOptions o;
  o.name = r.one_of("name", {"ddim", "dpm"}, o.name);
  o.steps = static_cast<int>(r.integer("steps", o.steps, 1, 1000));
  o.guidance_scale = r.number("guidance_scale", o.guidance_scale, kNonNegative);
  o.use_dynamic_cfg = r.boolean("use_dynamic_cfg", o.use_dynamic_cfg);
  o.snr_shift_scale = r.number("snr_shift_scale", o.snr_shift_scale, kPositive);
  r.finish();
  return o;
}

VideoOptions decode_video(Reader r) {
  VideoOptions o;
  o.frames = positive_int(r, "frames", o.frames);
  o.height = positive_int(r, "height", o.height);
  o.width = positive_int(r, "width", o.width);
  r.finish();
  return o;
}

PromptOptions decode_prompts(Reader r) {
  PromptOptions o;
  o.texts = r.strings("texts", o.texts);
  o.embeddings = r.string("embeddings", o.embeddings);
  o.world_count = static_cast<int>(r.integer("world_count", o.world_count, 0, 100000));
  o.world_seed = r.integer("world_seed", o.world_seed, 0, INT64_MAX);
  if (o.world_count > 0) {
    if (!o.texts.empty()) r.fail_at("world_count", "give prompts.texts or prompts.world_count, not both");
    for (int i = 0; i < o.world_count; ++i) {
      o.texts.push_back(data::prompt_for(data::sample_scene(static_cast<std::uint64_t>(o.world_seed), static_cast<std::uint64_t>(i), {}).labels));
    }
  }
  o.seeds = r.integers("seeds", o.seeds, 0, INT64_MAX);
  if (o.seeds.empty()) r.fail_at("seeds", "needs at least one seed");
  r.finish();
  return o;
}

RainFusionOptions decode_rainfusion(Reader& r) {
  RainFusionOptions o;
  o.sparsity = r.number("sparsity", o.sparsity, kUnitOpenTop);
  o.alpha = r.number("alpha", o.alpha, kUnit);
  o.decision = r.one_of("decision", {"three_way", "two_way", "mask_recall", "random", "random_two_way"}, o.decision);
  o.seed = r.integer("seed", o.seed, 0, INT64_MAX);
  o.first_frame_sink = r.boolean("first_frame_sink", o.first_frame_sink);
  o.warmup = r.number("warmup", o.warmup, kUnit);
  o.textural_stride = r.string("textural_stride", "auto") == "auto" ? 0 : static_cast<int>(r.integer("textural_stride", 2, 2, 16));
  o.block_size = static_cast<int>(r.integer("block_size", o.block_size, 16, 256));
  o.permutation = r.one_of("permutation", {"token_major", "tile_major"}, o.permutation);
  o.decide_every = static_cast<int>(r.integer("decide_every", o.decide_every, 1, 1000));
  return o;
}

AstraeaOptions decode_astraea(Reader& r) {
  AstraeaOptions o;
  o.budget = r.numbers("budget", o.budget, kUnit);
  o.budget_from = r.string("budget_from", o.budget_from);
  o.total_budget = r.number("total_budget", o.total_budget, kUnit);
  o.w_alpha = r.number("w_alpha", o.w_alpha, kNonNegative);
  o.w_beta = r.number("w_beta", o.w_beta, kNonNegative);
  o.dense_steps = static_cast<int>(r.integer("dense_steps", o.dense_steps, 0, 1000));
  o.selection_shards = static_cast<int>(r.integer("selection_shards", o.selection_shards, 1, 4096));
  o.cache = r.one_of("cache", {"output", "branch"}, o.cache);
  return o;
}

MethodOptions decode_method(Reader r) {
  MethodOptions o;
  o.name = r.one_of("name", {"dense", "rainfusion", "astraea", "astraea_rainfusion"}, o.name);
  // Read for every method, so that `method.name=...` over dense.yaml (which sets it) still decodes.
  o.dense.kernel = r.one_of("kernel", {"sdpa", "astraea"}, o.dense.kernel);
  if (o.name != "dense" && o.dense.kernel != "sdpa") r.fail_at("kernel", "chooses dense attention's kernel; method " + o.name + " has its own");
  if (o.name == "rainfusion" || o.name == "astraea_rainfusion") o.rainfusion = decode_rainfusion(r);
  if (o.name == "astraea" || o.name == "astraea_rainfusion") o.astraea = decode_astraea(r);
  r.finish();
  return o;
}

SearchOptions decode_search(Reader r) {
  SearchOptions o;
  o.algorithm = r.one_of("algorithm", {"ga", "nsga2"}, o.algorithm);
  o.parents = positive_int(r, "parents", o.parents);
  o.children = positive_int(r, "children", o.children);
  o.generations = positive_int(r, "generations", o.generations);
  o.total_budget = r.number("total_budget", o.total_budget, kUnit);
  o.budget_tolerance = r.number("budget_tolerance", o.budget_tolerance, kUnit);
  o.grid_step = r.number("grid_step", o.grid_step, {0.0, 1.0, true, false});
  o.mutation_start = r.number("mutation_start", o.mutation_start, kUnit);
  o.mutation_end = r.number("mutation_end", o.mutation_end, kUnit);
  o.fitness = r.string("fitness", o.fitness);
  o.latency = r.string("latency", o.latency);
  o.evaluator = r.one_of("evaluator", {"generate", "synthetic"}, o.evaluator);
  o.synthetic_seconds = r.number("synthetic_seconds", o.synthetic_seconds, {0.0, 3600.0});
  o.seed = r.integer("seed", o.seed, 0, INT64_MAX);
  r.finish();
  return o;
}

EvalOptions decode_eval(Reader r) {
  EvalOptions o;
  o.subject_features = r.string("subject_features", o.subject_features);
  o.background_features = r.string("background_features", o.background_features);
  o.checker = r.string("checker", o.checker);
  r.finish();
  return o;
}

ParallelOptions decode_parallel(Reader r) {
  ParallelOptions o;
  o.gpus = positive_int(r, "gpus", o.gpus);
  o.cfg = r.boolean("cfg", o.cfg);
  o.timeout_s = positive_int(r, "timeout_s", o.timeout_s);
  r.finish();
  return o;
}

CheckerOptions decode_checker(Reader r) {
  CheckerOptions o;
  o.channels = positive_int(r, "channels", o.channels);
  o.feature_dim = positive_int(r, "feature_dim", o.feature_dim);
  r.finish();
  return o;
}

TrainOptions decode_train(Reader r) {
  TrainOptions o;
  o.target = r.one_of("target", {"vdit", "checker"}, o.target);
  o.out = r.string("out");
  if (o.out.empty()) r.fail_at("out", "must name the output directory");
  o.init_from = r.string("init_from", o.init_from);
  o.steps = positive_int(r, "steps", o.steps);
  o.batch_size = positive_int(r, "batch_size", o.batch_size);
  o.learning_rate = r.number("learning_rate", o.learning_rate, {0.0, 1.0, true, false});
  o.weight_decay = r.number("weight_decay", o.weight_decay, kNonNegative);
  o.warmup_steps = static_cast<int>(r.integer("warmup_steps", o.warmup_steps, 0, kIntMax));
  o.ema_decay = r.number("ema_decay", o.ema_decay, kUnitOpenTop);
  o.grad_clip = r.number("grad_clip", o.grad_clip, kNonNegative);
  o.cfg_dropout = r.number("cfg_dropout", o.cfg_dropout, kUnitOpenTop);
  o.object_weight = r.number("object_weight", o.object_weight, kNonNegative);
  o.shape_weights = r.numbers("shape_weights", o.shape_weights, kNonNegative);
  o.pixel_noise = r.number("pixel_noise", o.pixel_noise, kNonNegative);
  o.blur_sigma = r.number("blur_sigma", o.blur_sigma, kUnit);
  o.ring_strength = r.number("ring_strength", o.ring_strength, kUnit);
  o.ring_probability = r.number("ring_probability", o.ring_probability, kUnit);
  o.dataset_size = positive_int(r, "dataset_size", o.dataset_size);
  o.dataset_seed = r.integer("dataset_seed", o.dataset_seed, 0, INT64_MAX);
  o.checkpoint_every = positive_int(r, "checkpoint_every", o.checkpoint_every);
  o.log_every = positive_int(r, "log_every", o.log_every);
  o.mixed_precision = r.boolean("mixed_precision", o.mixed_precision);
  o.device = r.one_of("device", {"auto", "cpu", "cuda"}, o.device);
  r.finish();
  return o;
}

}  // namespace

TrainingOptions decode_training(const ComposedConfig& config) {
  Reader root(config.root, "", &config.provenance);
  TrainingOptions o;
  o.seed = root.integer("seed", o.seed, 0, INT64_MAX);
  o.model = decode_model(root.section("model"));
  o.sampler = decode_sampler(root.section("sampler"));
  o.video = decode_video(root.section("video"));
  o.checker = decode_checker(root.section("checker"));
  if (!root.has("train")) root.fail_at("train", "a training config needs a train section");
  o.train = decode_train(root.section("train"));
  if (o.train.target == "checker" && !o.train.init_from.empty()) root.fail_at("train.init_from", "only the vdit target starts from given weights");
  if (o.train.target == "checker" && !o.train.shape_weights.empty()) root.fail_at("train.shape_weights", "only the vdit target weighs its clips by shape");
  if (o.train.target == "vdit" && (!o.model.pixel_space || o.model.text_encoder != "learned")) {
    root.fail_at("model", "astraea train trains the embedded pixel-space model: needs model.pixel_space=true and model.text_encoder=learned");
  }
  root.finish();
  return o;
}

ExperimentOptions decode_experiment(const ComposedConfig& config) {
  Reader root(config.root, "", &config.provenance);
  ExperimentOptions o;
  o.study = decode_study(root.section("study"));
  o.seed = root.integer("seed", o.seed, 0, INT64_MAX);
  o.model = decode_model(root.section("model"));
  o.sampler = decode_sampler(root.section("sampler"));
  o.video = decode_video(root.section("video"));
  o.prompts = decode_prompts(root.section("prompts"));
  o.method = decode_method(root.section("method"));
  o.has_search = root.has("search");
  if (o.has_search) o.search = decode_search(root.section("search"));
  o.eval = decode_eval(root.section("eval"));
  o.parallel = decode_parallel(root.section("parallel"));
  root.finish();
  return o;
}

}  // namespace astraea::config
