#include "driver/accelerator_factory.h"

#include "attention/astraea_accelerator.h"
#include "attention/astraea_rainfusion_accelerator.h"
#include "attention/dense_accelerator.h"
#include "attention/kernel_bridge.h"
#include "attention/rainfusion_accelerator.h"
#include "core/error.h"

#include <fmt/format.h>

namespace astraea::driver {
namespace {

// RainFusion runs through its reference implementation, which materialises [S, S] masks; past
// this length the block-sparse kernels are needed.
constexpr std::int64_t kRainFusionReferenceMaxTokens = 8192;
constexpr const char* kPatternNames[] = {"spatial", "temporal", "textural"};

attention::AstraeaSettings astraea_settings(const config::AstraeaOptions& o, int steps) {
  attention::AstraeaSettings s;
  s.budget = o.budget.empty() ? std::vector<double>(static_cast<std::size_t>(steps), o.total_budget) : o.budget;
  if (static_cast<int>(s.budget.size()) != steps && s.budget.size() != 1) {
    fail(ErrorKind::kConfig, "method.budget has {} values, but the sampler runs {} steps (give one per step, or one for all)",
         s.budget.size(), steps);
  }
  s.w_alpha = o.w_alpha;
  s.w_beta = o.w_beta;
  s.dense_steps = o.dense_steps;
  s.selection_shards = o.selection_shards;
  return s;
}

attention::RainFusionSettings rainfusion_settings(const config::RainFusionOptions& o) {
  attention::RainFusionSettings s;
  s.sparsity = o.sparsity;
  s.alpha = o.alpha;
  s.decision = o.decision == "random"           ? attention::PatternDecision::kRandom
               : o.decision == "random_two_way" ? attention::PatternDecision::kRandomTwoWay
               : o.decision == "two_way"        ? attention::PatternDecision::kTwoWay
               : o.decision == "mask_recall"    ? attention::PatternDecision::kMaskRecall
                                                : attention::PatternDecision::kThreeWay;
  s.random_seed = static_cast<std::uint64_t>(o.seed);
  s.first_frame_sink = o.first_frame_sink;
  s.warmup = o.warmup;
  s.textural_stride = o.textural_stride == 0 ? attention::textural_stride_for_sparsity(o.sparsity) : o.textural_stride;
  s.block_size = o.block_size;
  s.temporal_order = o.permutation == "tile_major" ? attention::TokenOrder::kTileMajor : attention::TokenOrder::kTokenMajor;
  s.decide_every = o.decide_every;
  return s;
}

}  // namespace

void check_method_runnable(const config::MethodOptions& method, std::int64_t tokens, int steps, const KernelTarget& target) {
  // The block-sparse kernels take any length; the LibTorch reference builds S x S masks.
  if (method.name == "rainfusion" && tokens > kRainFusionReferenceMaxTokens &&
      !attention::attention_kernels_available(target.device, target.dtype, target.head_dim)) {
    fail(ErrorKind::kNotBuilt, "method 'rainfusion' at {} tokens needs the block-sparse kernels (sm_90, bf16/fp16, head dim 64/96/128); "
         "the reference implementation on {} stops at {} tokens", tokens, target.device.str(), kRainFusionReferenceMaxTokens);
  }
  // The combination runs on its reference implementation everywhere, with S x S masks.
  if (method.name == "astraea_rainfusion" && tokens > kRainFusionReferenceMaxTokens) {
    fail(ErrorKind::kNotBuilt, "method 'astraea_rainfusion' at {} tokens: its reference implementation stops at {} tokens", tokens,
         kRainFusionReferenceMaxTokens);
  }
  if (method.name == "astraea" || method.name == "astraea_rainfusion") astraea_settings(method.astraea, steps);
}

std::unique_ptr<attention::Accelerator> make_accelerator(const config::MethodOptions& method, int steps) {
  if (method.name == "dense") {
    return std::make_unique<attention::DenseAccelerator>(method.dense.kernel == "astraea" ? attention::DenseKernel::kAstraea
                                                                                           : attention::DenseKernel::kSdpa);
  }
  if (method.name == "astraea") return std::make_unique<attention::AstraeaAccelerator>(astraea_settings(method.astraea, steps));
  if (method.name == "rainfusion") return std::make_unique<attention::RainFusionAccelerator>(rainfusion_settings(method.rainfusion));
  if (method.name == "astraea_rainfusion") {
    return std::make_unique<attention::AstraeaRainFusionAccelerator>(astraea_settings(method.astraea, steps),
                                                                      rainfusion_settings(method.rainfusion));
  }
  fail(ErrorKind::kNotBuilt, "method '{}' is not built yet", method.name);
}

void collect_method_metrics(const attention::Accelerator& accelerator, std::vector<results::Metric>& metrics) {
  const auto* rainfusion = dynamic_cast<const attention::RainFusionAccelerator*>(&accelerator);
  if (!rainfusion) return;
  const auto& stats = rainfusion->stats();
  std::array<std::int64_t, 3> heads{};
  for (std::size_t step = 0; step < stats.heads_per_pattern_per_step.size(); ++step) {
    const auto& counts = stats.heads_per_pattern_per_step[step];
    const double total = static_cast<double>(counts[0] + counts[1] + counts[2]);
    if (total == 0) continue;  // dense warm-up step
    for (int p = 0; p < 3; ++p) {
      metrics.push_back({fmt::format("rainfusion_{}_share", kPatternNames[p]), static_cast<std::int64_t>(step), counts[p] / total});
      heads[static_cast<std::size_t>(p)] += counts[p];
    }
  }
  // Over all sparse steps: each pattern's share of the heads and, where the masks are known, the
  // attention density actually computed (the share-weighted mean of the masks' densities).
  const double all = static_cast<double>(heads[0] + heads[1] + heads[2]);
  if (all > 0) {
    double density = 0;
    for (int p = 0; p < 3; ++p) {
      const double share = heads[static_cast<std::size_t>(p)] / all;
      metrics.push_back({fmt::format("rainfusion_{}_share_total", kPatternNames[p]), 0, share});
      if (stats.pattern_density) density += share * (*stats.pattern_density)[static_cast<std::size_t>(p)];
    }
    if (stats.pattern_density) metrics.push_back({"rainfusion_density", 0, density});
  }
  if (stats.pattern_decisions + stats.pattern_reuses > 0) {
    metrics.push_back({"rainfusion_pattern_decisions", 0, static_cast<double>(stats.pattern_decisions)});
    metrics.push_back({"rainfusion_pattern_reuses", 0, static_cast<double>(stats.pattern_reuses)});
  }
  if (stats.heads_compared > 0) {
    metrics.push_back({"rainfusion_pattern_change_rate", 0, static_cast<double>(stats.heads_changed) / static_cast<double>(stats.heads_compared)});
  }
  const double busy = stats.arm_seconds + stats.attention_seconds;
  if (busy > 0) metrics.push_back({"arm_time_share", 0, stats.arm_seconds / busy});
}

}  // namespace astraea::driver
