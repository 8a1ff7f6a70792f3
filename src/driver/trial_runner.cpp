#include "driver/trial_runner.h"

#include "core/error.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/rng.h"
#include "data/prompt.h"
#include "driver/accelerator_factory.h"
#include "driver/fidelity.h"
#include "driver/model_setup.h"
#include "driver/prompt_adherence.h"
#include "driver/synthetic_evaluation.h"
#include "eval/video_artifacts.h"
#include "model/checkpoint.h"
#include "model/cogvideox_transformer.h"
#include "model/safetensors_file.h"
#include "parallel/sequence_parallel_accelerator.h"
#include "pipeline/attention_timer.h"
#include "pipeline/checker_features.h"
#include "pipeline/generation.h"
#include "pipeline/prompt_embeddings.h"
#include "pipeline/torchscript_features.h"
#include "pipeline/vae_decoder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

namespace astraea::driver {
namespace {

// Stream of the trial seed for the prompt embeddings, apart from the weights' and the noise's.
constexpr std::uint64_t kEmbeddingStream = 2;

// The prompts' text embeddings: the embedded model's learned table, a file of precomputed T5
// embeddings, or seeded random ones (latency work on random weights).
pipeline::PromptEmbeddings prompt_embeddings_for(const config::ExperimentOptions& options, const model::CogVideoXConfig& config,
                                                 std::int64_t prompt_count) {
  const auto seed = derive_seed(static_cast<std::uint64_t>(options.seed), {kEmbeddingStream});
  if (options.model.text_encoder == "learned") {
    at::Tensor table;
    if (options.model.init == "checkpoint") {
      table = with_context(fmt::format("model.weights '{}'", options.model.weights),
                           [&] { return model::TensorSource(options.model.weights).tensor(pipeline::kTextEmbeddingTensor); });
    } else {
      auto generator = at::detail::createCPUGenerator(seed);
      table = at::randn({static_cast<std::int64_t>(data::kWorldVocabularySize), config.text_embed_dim}, generator, at::kFloat);
    }
    return pipeline::learned_prompt_embeddings(table, options.prompts.texts, config.max_text_seq_length);
  }
  if (!options.prompts.embeddings.empty()) {
    return pipeline::load_prompt_embeddings(options.prompts.embeddings, prompt_count, config.max_text_seq_length, config.text_embed_dim);
  }
  return pipeline::random_prompt_embeddings(prompt_count, config.max_text_seq_length, config.text_embed_dim, seed);
}

}  // namespace

void check_runnable(const config::ExperimentOptions& options) {
  if (options.has_search && options.search.evaluator == "synthetic") return;  // no model involved
  const std::pair<const char*, const std::string*> files[] = {
      {"model.weights", options.model.init == "checkpoint" ? &options.model.weights : nullptr},
      {"model.vae", &options.model.vae},
      {"prompts.embeddings", &options.prompts.embeddings},
      {"eval.checker", &options.eval.checker},
      {"eval.subject_features", &options.eval.subject_features},
      {"eval.background_features", &options.eval.background_features}};
  for (const auto& [key, path] : files) {
    if (path && !path->empty() && !std::filesystem::exists(*path)) {
      fail(ErrorKind::kConfig, "{}: no such file '{}' (relative paths start from the directory astraea runs in, {})", key, *path,
           std::filesystem::current_path().string());
    }
  }
  const auto config = to_model_config(options.model);
  config.validate();
  const auto shape = latent_shape(options);
  const std::int64_t tokens = config.max_text_seq_length + static_cast<std::int64_t>(shape.frames) * (shape.height / config.patch_size) *
                                                               (shape.width / config.patch_size);
  const KernelTarget target{pick_device(options.model.device), pick_dtype(options.model.dtype), config.attention_head_dim};
  check_method_runnable(options.method, tokens, options.sampler.steps, target);
  if (options.study.profile_step >= options.sampler.steps) {
    fail(ErrorKind::kConfig, "study.profile_step={}: the generation has steps 0..{} (sampler.steps={})", options.study.profile_step,
         options.sampler.steps - 1, options.sampler.steps);
  }
  if (const int ranks = options.parallel.gpus; ranks > 1) {
    if (options.method.name == "astraea_rainfusion") {
      fail(ErrorKind::kNotBuilt, "parallel.gpus={}: method=astraea_rainfusion both selects tokens and attends sparsely; under sequence "
           "parallelism that is not built yet (astraea and rainfusion each run)", ranks);
    }
    if (options.parallel.cfg && (ranks % 2 != 0 || options.sampler.guidance_scale <= 1.0)) {
      fail(ErrorKind::kConfig, "parallel.cfg=true needs an even parallel.gpus and classifier-free guidance (sampler.guidance_scale > 1); got {} and {}",
           ranks, options.sampler.guidance_scale);
    }
    const int sequence_ranks = options.parallel.cfg ? ranks / 2 : ranks;
    if (config.num_attention_heads < sequence_ranks && options.method.name == "rainfusion") {
      fail(ErrorKind::kConfig, "parallel.gpus={}: the model's {} heads over {} sequence-parallel ranks leave a rank without a head, which "
           "RainFusion's per-head attention needs", ranks, config.num_attention_heads, sequence_ranks);
    }
    if (target.device.is_cuda() && ranks > static_cast<int>(torch::cuda::device_count())) {
      fail(ErrorKind::kConfig, "parallel.gpus={}, but this host has {} GPU(s)", ranks, torch::cuda::device_count());
    }
  }
}

bool needs_dense_reference(const config::ExperimentOptions& options) {
  return options.method.name != "dense" && !(options.has_search && options.search.evaluator == "synthetic");
}

namespace {

// study.threads for the trial's lifetime: LibTorch's intra-op thread count, restored after.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads) : before_(at::get_num_threads()), set_(threads > 0) {
    if (set_) at::set_num_threads(threads);
  }
  ~IntraOpThreads() {
    if (set_) at::set_num_threads(before_);
  }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int before_;
  bool set_;
};

results::Artifact artifact_of(const std::string& kind, const std::filesystem::path& file) {
  return {kind, file.filename().string(), file.string(), sha256_file_hex(file), static_cast<std::int64_t>(std::filesystem::file_size(file))};
}

// PNG frames and a GIF (and an MP4 when ffmpeg exists) of decoded frames [1, F, H, W, C].
void write_viewable(const at::Tensor& frames, const std::filesystem::path& dir, const std::string& stem, TrialResult& result) {
  const auto f = frames[0].to(at::kCPU, at::kFloat).contiguous();
  std::vector<float> samples(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  const eval::Video video(std::move(samples), static_cast<int>(f.size(0)), static_cast<int>(f.size(1)), static_cast<int>(f.size(2)),
                          static_cast<int>(f.size(3)));
  const auto written = eval::write_video_artifacts(dir, stem, video);
  if (written.gif) result.artifacts.push_back(artifact_of("gif", *written.gif));
  if (written.mp4) result.artifacts.push_back(artifact_of("mp4", *written.mp4));
  for (const auto& png : written.png_frames) {
    auto artifact = artifact_of("png_frame", png);
    artifact.name = stem + "/" + artifact.name;  // names are unique per trial
    result.artifacts.push_back(std::move(artifact));
  }
}

struct TimedGeneration {
  pipeline::GenerationResult generated;
  std::vector<double> attention_layer_ms;  // per layer, summed over the steps
};

// One generation with a fresh accelerator, its attention calls timed per layer. The method's
// statistics are appended to `method_metrics` when given.
TimedGeneration timed_generation(model::CogVideoXTransformer3D& transformer, const config::ExperimentOptions& options,
                                 const pipeline::GenerationRequest& request, c10::Device device, ProgressBar* progress,
                                 std::vector<results::Metric>* method_metrics, parallel::Communicator* communicator) {
  const auto accelerator = make_accelerator(options.method, options.sampler.steps);
  std::optional<parallel::SequenceParallelAccelerator> sharded;
  if (communicator) sharded.emplace(*accelerator, *communicator, options.parallel.cfg);
  pipeline::TimedAccelerator timed(sharded ? static_cast<attention::Accelerator&>(*sharded) : *accelerator, device);
  TimedGeneration out;
  out.generated = pipeline::generate(transformer, request, timed, [&](int, std::int64_t, const at::Tensor&) {
    if (progress) progress->advance();
  });
  out.attention_layer_ms = timed.per_layer_ms();
  if (method_metrics) collect_method_metrics(*accelerator, *method_metrics);
  return out;
}

double total_ms(const pipeline::GenerationResult& generated) {
  double total = 0;
  for (const double ms : generated.step_ms) total += ms;
  return total;
}

}  // namespace

TrialResult run_trial(const config::ExperimentOptions& options, const std::filesystem::path& output_dir, const ReferenceOutputs* reference,
                      TrialRanks ranks) {
  if (options.has_search && options.search.evaluator == "synthetic") return run_synthetic_trial(options);
  check_runnable(options);
  const IntraOpThreads threads(options.study.threads);
  const auto device = pick_device(options.model.device);
  const auto dtype = pick_dtype(options.model.dtype);
  const auto shape = latent_shape(options);
  auto transformer = build_transformer(options, device, dtype);
  const auto& config = transformer->config();
  // Every rank holds its model before any clock starts: a rank still building would otherwise
  // stall the first timed step of the others (and the collectives' own set-up happens here too).
  if (ranks.communicator) ranks.communicator->barrier(device);

  const auto prompt_count = static_cast<std::int64_t>(std::max<std::size_t>(1, options.prompts.texts.size()));
  const auto embeddings = prompt_embeddings_for(options, config, prompt_count);

  const bool records = !ranks.follower;
  std::optional<pipeline::VaeDecoder> vae;
  if (records && !options.model.vae.empty()) vae.emplace(options.model.vae, options.model.vae_scaling_factor, device);

  std::optional<pipeline::TorchScriptFeatureExtractor> subject_features, background_features;
  if (records && !options.eval.subject_features.empty()) subject_features.emplace(options.eval.subject_features, device);
  if (records && !options.eval.background_features.empty()) background_features.emplace(options.eval.background_features, device);
  std::optional<pipeline::CheckerFeatureExtractor> checker;
  if (records && !options.eval.checker.empty()) checker.emplace(model::load_checker(options.eval.checker, device), device);
  const eval::FeatureExtractor* checker_features = checker ? &*checker : nullptr;
  TrialResult result;
  if (records && !options.prompts.texts.empty()) {
    // Which prompt each p<i> in the artifact names stands for (world prompts are not in the config).
    const auto list = output_dir / "prompts.txt";
    std::ofstream out(list);
    for (std::size_t p = 0; p < options.prompts.texts.size(); ++p) out << 'p' << p << '\t' << options.prompts.texts[p] << '\n';
    out.close();
    result.artifacts.push_back(artifact_of("prompts", list));
  }
  FidelityAccumulator fidelity({subject_features ? &*subject_features : checker_features,
                                background_features ? &*background_features : checker_features});
  PromptAdherence adherence;
  std::vector<double> totals;
  std::vector<std::vector<double>> per_step(static_cast<std::size_t>(options.sampler.steps));
  std::vector<std::vector<double>> attention_per_layer;
  std::int64_t peak = 0;
  const std::size_t generations = static_cast<std::size_t>(prompt_count) * options.prompts.seeds.size();
  const int repeats = options.study.repeats;
  // study.paired_dense: a dense generation of the same request before each of the method's.
  std::optional<config::ExperimentOptions> paired;
  if (options.study.paired_dense && options.method.name != "dense") {
    paired = options;
    paired->method = config::MethodOptions{};
  }
  const std::size_t per_generation = paired ? 2 : 1;
  ProgressBar progress("generating", (generations * static_cast<std::size_t>(repeats) + static_cast<std::size_t>(options.study.warmup)) *
                                         per_generation * static_cast<std::size_t>(options.sampler.steps));
  // Warm-up generations (first prompt and seed) fill caches and pick kernels; never timed.
  for (int w = 0; w < options.study.warmup; ++w) {
    const auto request = generation_request(options, shape, embeddings.prompts.slice(0, 0, 1), embeddings.negative.slice(0, 0, 1),
                                            static_cast<std::uint64_t>(options.prompts.seeds.front()));
    if (paired) timed_generation(transformer, *paired, request, device, &progress, nullptr, ranks.communicator);
    timed_generation(transformer, options, request, device, &progress, nullptr, ranks.communicator);
  }
  std::vector<double> paired_totals, paired_ratios;
  for (std::int64_t p = 0; p < prompt_count; ++p) {
    for (const auto seed : options.prompts.seeds) {
      const auto request = generation_request(options, shape, embeddings.prompts.slice(0, p, p + 1), embeddings.negative.slice(0, p, p + 1),
                                              static_cast<std::uint64_t>(seed));
      pipeline::GenerationResult generated;
      for (int r = 0; r < repeats; ++r) {
        // Method statistics (one set per trial) and the profiled step come from the first timed generation.
        const bool first = p == 0 && seed == options.prompts.seeds.front() && r == 0;
        auto this_request = request;
        if (first && records && options.study.profile_step >= 0) {
          this_request.profile_step = options.study.profile_step;
          this_request.profile_trace = output_dir / fmt::format("trace_step{}.json", options.study.profile_step);
        }
        if (paired) {
          const auto dense = timed_generation(transformer, *paired, request, device, &progress, nullptr, ranks.communicator);
          paired_totals.push_back(total_ms(dense.generated));
        }
        auto timed = timed_generation(transformer, options, this_request, device, &progress, first ? &result.metrics : nullptr, ranks.communicator);
        if (!this_request.profile_trace.empty()) result.artifacts.push_back(artifact_of("trace", this_request.profile_trace));
        generated = std::move(timed.generated);
        double total = 0;
        for (std::size_t s = 0; s < generated.step_ms.size(); ++s) {
          per_step[s].push_back(generated.step_ms[s]);
          total += generated.step_ms[s];
        }
        totals.push_back(total);
        if (paired) paired_ratios.push_back(paired_totals.back() / total);
        peak = std::max(peak, generated.peak_memory_bytes);
        if (attention_per_layer.size() < timed.attention_layer_ms.size()) attention_per_layer.resize(timed.attention_layer_ms.size());
        for (std::size_t l = 0; l < timed.attention_layer_ms.size(); ++l) attention_per_layer[l].push_back(timed.attention_layer_ms[l]);
      }
      if (!records) continue;
      if (!at::isfinite(generated.latents).all().item<bool>()) fail("prompt {} seed {}: the latents hold NaN or Inf", p, seed);
      const auto file = output_dir / fmt::format("latents_p{}_s{}.safetensors", p, seed);
      model::save_safetensors(file, {{"latents", generated.latents}}, {{"prompt_index", std::to_string(p)}, {"seed", std::to_string(seed)}});
      result.artifacts.push_back(artifact_of("latents", file));
      const std::pair<std::int64_t, std::int64_t> generation_key{p, seed};
      if (reference) {
        const auto it = reference->latents.find(generation_key);
        if (it == reference->latents.end()) fail("the dense reference has no latents for prompt {} seed {}", p, seed);
        fidelity.add_latents(generated.latents, model::SafetensorsFile(it->second).tensor("latents"));
      }
      if (vae || options.model.pixel_space) {
        const auto frames = vae ? vae->decode(generated.latents) : pipeline::pixel_space_frames(generated.latents);
        const auto frames_file = output_dir / fmt::format("frames_p{}_s{}.safetensors", p, seed);
        model::save_safetensors(frames_file, {{"frames", frames}}, {{"layout", "[B, F, H, W, C] in [0, 1]"}});
        result.artifacts.push_back(artifact_of("frames", frames_file));
        write_viewable(frames, output_dir, fmt::format("video_p{}_s{}", p, seed), result);
        if (reference) {
          const auto it = reference->frames.find(generation_key);
          if (it != reference->frames.end()) fidelity.add_frames(frames, model::SafetensorsFile(it->second).tensor("frames"));
        }
        if (checker) {
          const auto& text = options.prompts.texts.at(static_cast<std::size_t>(p));
          with_context(fmt::format("eval.checker on prompt '{}'", text), [&] { adherence.add(checker->predict(frames), text, fmt::format("p{}_s{}", p, seed)); });
        }
      }
    }
  }
  progress.finish();
  result.metrics.push_back({"latency_ms", 0, median(totals)});
  const auto [fastest, slowest] = std::minmax_element(totals.begin(), totals.end());
  result.metrics.push_back({"latency_spread_ms", 0, (*slowest - *fastest) / 2.0});
  for (std::size_t s = 0; s < per_step.size(); ++s) result.metrics.push_back({"step_ms", static_cast<std::int64_t>(s), median(per_step[s])});
  double attention_total = 0;
  for (std::size_t l = 0; l < attention_per_layer.size(); ++l) {
    const double ms = median(attention_per_layer[l]);
    attention_total += ms;
    result.metrics.push_back({"attention_ms", static_cast<std::int64_t>(l), ms});
  }
  result.metrics.push_back({"attention_total_ms", 0, attention_total});
  if (paired) {
    result.metrics.push_back({"paired_dense_latency_ms", 0, median(paired_totals)});
    result.metrics.push_back({"paired_speedup", 0, median(paired_ratios)});
    const auto [low, high] = std::minmax_element(paired_ratios.begin(), paired_ratios.end());
    result.metrics.push_back({"paired_speedup_spread", 0, (*high - *low) / 2.0});
  }
  result.metrics.push_back({"timed_generations", 0, static_cast<double>(totals.size())});
  result.metrics.push_back({"peak_memory_bytes", 0, static_cast<double>(peak)});
  result.metrics.push_back({"generations", 0, static_cast<double>(generations)});
  for (auto& m : fidelity.metrics()) result.metrics.push_back(std::move(m));
  for (auto& m : adherence.metrics()) result.metrics.push_back(std::move(m));
  if (adherence.count() > 0) {
    const auto file = output_dir / "checker_confusion.json";
    std::ofstream(file) << adherence.confusion_json() << '\n';
    result.artifacts.push_back(artifact_of("checker_confusion", file));
  }
  if (reference) result.metrics.push_back({"reference_trial", 0, static_cast<double>(reference->trial_id)});
  result.summary = fmt::format("{}: {} generation(s) x {} repeat(s) of {}x{}x{} latents on {} ({}), {} {} steps: median {:.1f} ms per generation; prompts: {}",
                               options.method.name, generations, repeats, shape.frames, shape.height, shape.width, device.str(), options.model.dtype, options.sampler.steps,
                               options.sampler.name, median(totals), embeddings.source);
  return result;
}

}  // namespace astraea::driver
