#include "attention/dense_accelerator.h"
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/model_setup.h"
#include "driver/table.h"
#include "pipeline/generation.h"
#include "pipeline/step_timer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace astraea::driver {
namespace {

constexpr double kBytesPerGiB = 1024.0 * 1024.0 * 1024.0;
constexpr std::int64_t kBenchTimestep = 999;

struct Timing {
  std::vector<double> ms;
  std::int64_t peak_bytes = 0;
  double median_ms() const { return median(ms); }
  double min_ms() const { return *std::min_element(ms.begin(), ms.end()); }
  double max_ms() const { return *std::max_element(ms.begin(), ms.end()); }
};

std::vector<std::string> row(const std::string& what, const Timing& t) {
  return {what, fmt::format("{:.2f}", t.median_ms()), fmt::format("{:.2f}", t.min_ms()), fmt::format("{:.2f}", t.max_ms()),
          std::to_string(t.ms.size()), fmt::format("{:.2f}", t.peak_bytes / kBytesPerGiB)};
}

nlohmann::json to_json(const Timing& t) {
  return {{"median_ms", t.median_ms()}, {"min_ms", t.min_ms()}, {"max_ms", t.max_ms()}, {"runs", t.ms}, {"peak_gib", t.peak_bytes / kBytesPerGiB}};
}

std::int64_t tokens_of(const attention::VideoLayout& layout) { return layout.total_tokens(); }

// Names of at::_fused_sdp_choice's result (sdp::SDPBackend).
std::string sdp_backend_name(std::int64_t choice) {
  static const char* kNames[] = {"math", "flash", "efficient", "cudnn", "overrideable"};
  return choice >= 0 && choice < 5 ? kNames[choice] : fmt::format("backend {}", choice);
}

}  // namespace

int bench_model_command(const BenchModelCommand& command) {
  if (command.repeats < 1) fail(ErrorKind::kConfig, "bench model: --repeats must be at least 1");
  const auto job = std::move(prepare_jobs({command.config_file, command.overrides, false}).front());
  const auto& o = job.options;
  const auto device = pick_device(o.model.device);
  const auto dtype = pick_dtype(o.model.dtype);
  const auto shape = latent_shape(o);
  auto transformer = build_transformer(o, device, dtype);
  const auto& config = transformer->config();

  // One CFG forward: batch 2 of random latents and text, as the generation loop runs it.
  const int p_t = config.patch_size_t.value_or(1);
  const int frames = (shape.frames + p_t - 1) / p_t * p_t;
  auto generator = at::detail::createCPUGenerator(static_cast<std::uint64_t>(o.seed));
  constexpr int kCfgBatch = 2;
  const auto options = at::TensorOptions().dtype(dtype).device(device);
  const auto latents = at::randn({kCfgBatch, frames, config.in_channels, shape.height, shape.width}, generator).to(options);
  const auto text = at::randn({kCfgBatch, config.max_text_seq_length, config.text_embed_dim}, generator).to(options);
  const auto timestep = at::full({kCfgBatch}, kBenchTimestep, at::TensorOptions().dtype(at::kLong).device(device));
  std::optional<model::RotaryEmbedding> rope;
  if (config.use_rotary_positional_embeddings) {
    const auto table = model::cogvideox_rotary_embedding(config, frames, shape.height, shape.width);
    rope = model::RotaryEmbedding{table.cos.to(device), table.sin.to(device)};
  }
  const auto layout = transformer->layout_for(frames, shape.height, shape.width, config.max_text_seq_length);

  attention::DenseAccelerator dense;
  torch::NoGradGuard no_grad;
  std::string attention_backend;
  for (int i = 0; i < command.warmup; ++i) transformer->forward(latents, text, timestep, rope, dense);
  pipeline::StepTimer timer(device);
  Timing forward;
  pipeline::reset_peak_device_memory(device);
  for (int i = 0; i < command.repeats; ++i) {
    timer.start();
    transformer->forward(latents, text, timestep, rope, dense);
    forward.ms.push_back(timer.stop_ms());
  }
  forward.peak_bytes = pipeline::peak_device_memory_bytes(device);

  // The attention floor: every layer's SDPA call on tensors laid out as the model lays them out
  // (q, k contiguous [B, h, S, d]; v a head-split view of [B, S, h*d]), and the backend it takes.
  Timing attention;
  {
    const int64_t s = tokens_of(layout), h = config.num_attention_heads, d = config.attention_head_dim;
    const auto q = at::randn({kCfgBatch, h, s, d}, generator).to(options);
    const auto k = at::randn({kCfgBatch, h, s, d}, generator).to(options);
    const auto v = at::randn({kCfgBatch, s, h * d}, generator).to(options).view({kCfgBatch, s, h, d}).transpose(1, 2);
    attention_backend = sdp_backend_name(at::_fused_sdp_choice(q, k, v, {}, 0.0, false, std::nullopt, false));
    for (int i = 0; i < command.repeats; ++i) {
      timer.start();
      for (int layer = 0; layer < config.num_layers; ++layer) at::scaled_dot_product_attention(q, k, v);
      attention.ms.push_back(timer.stop_ms());
    }
  }

  std::optional<Timing> generation;
  if (command.generation) {
    const auto request = generation_request(o, shape, text.slice(0, 0, 1), text.slice(0, 1, 2), static_cast<std::uint64_t>(o.seed));
    const auto result = pipeline::generate(transformer, request, dense);
    Timing g;
    double total = 0;
    for (double ms : result.step_ms) total += ms;
    g.ms = {total};
    g.peak_bytes = result.peak_memory_bytes;
    generation = g;
  }

  const auto env = capture_environment();
  const auto tokens = layout.total_tokens();
  fmt::print("astraea bench model: {} {} ({} layers, {}x{} heads), {} tokens ({} text + {}x{}x{}), {} on {}, commit {}{}\n",
             config.use_rotary_positional_embeddings ? "RoPE" : "sincos", o.model.variant, config.num_layers, config.num_attention_heads,
             config.attention_head_dim, tokens, layout.text_tokens, layout.frames, layout.height, layout.width, o.model.dtype, device.is_cuda() ? env.gpu : std::string("cpu"),
             env.git_commit.substr(0, 12), env.git_dirty ? " (dirty)" : "");
  Table table({"what", "median ms", "min ms", "max ms", "runs", "peak GiB"}, {false, true, true, true, true, true});
  table.add_row(row(fmt::format("forward, batch {} (CFG)", kCfgBatch), forward));
  table.add_row(row(fmt::format("attention only, {} x SDPA ({})", config.num_layers, attention_backend), attention));
  if (generation) table.add_row(row(fmt::format("generation, {} {} steps", o.sampler.steps, o.sampler.name), *generation));
  fmt::print("{}", table.render());
  if (!command.json_out.empty()) {
    nlohmann::json report = {{"gpu", env.gpu}, {"commit", env.git_commit}, {"dirty", env.git_dirty}, {"dtype", o.model.dtype},
                             {"tokens", tokens},  {"layers", config.num_layers}, {"forward", to_json(forward)},
                             {"attention_only", to_json(attention)}, {"attention_backend", attention_backend}};
    if (generation) report["generation"] = to_json(*generation);
    std::ofstream(command.json_out) << report.dump(2) << "\n";
  }
  return 0;
}

}  // namespace astraea::driver
