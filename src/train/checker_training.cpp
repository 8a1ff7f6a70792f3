#include "train/checker_training.h"

#include "core/rng.h"
#include "data/batch.h"
#include "model/safetensors_file.h"
#include "data/scene_labels.h"
#include "train/clip_blur.h"
#include "train/clip_ring.h"
#include "train/world_dataset.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace astraea::train {
namespace {

constexpr std::uint64_t kStepStream = 21;
constexpr int kHeldOutClips = 1000;
// The held-out clips come from this offset of the dataset seed: a world the checker never saw.
constexpr std::int64_t kHeldOutSeedOffset = 1000003;

// [N, 3] RGB of each clip's object, from its colour ids.
at::Tensor object_colours(const at::Tensor& colour_ids) {
  std::vector<float> table;
  for (int c = 0; c < data::kColourCount; ++c) {
    for (const float channel : data::rgb(static_cast<data::Colour>(c))) table.push_back(channel);
  }
  const auto rgb = at::tensor(table).view({data::kColourCount, 3});
  return rgb.index_select(0, colour_ids.to(at::kCPU)).to(colour_ids.device());
}

class CheckerTask final : public TrainingTask {
 public:
  CheckerTask(const config::TrainingOptions& options, c10::Device device)
      : options_(options), network_(checker_config(options)), device_(device) {
    network_->to(device);
    network_->train();
    const auto dataset = render_world_dataset(static_cast<std::uint64_t>(options.train.dataset_seed), options.train.dataset_size,
                                              world_for(options.video), data::kDefaultPromptTokens);
    clips_ = dataset.clips.to(device);
    shapes_ = dataset.shape_ids.to(device);
    colours_ = dataset.colour_ids.to(device);
    object_rgb_ = object_colours(colours_);
    directions_ = dataset.direction_ids.to(device);
  }

  std::string name() const override { return "checker"; }
  std::vector<std::string> stat_names() const override { return {"shape_acc", "colour_acc", "direction_acc"}; }

  NamedTensors parameters() override {
    NamedTensors named;
    for (auto& item : network_->named_parameters()) named.emplace_back(item.key(), item.value());
    return named;
  }

  at::Tensor loss(int, std::map<std::string, double>& stats) override {
    const auto index = at::randint(clips_.size(0), {options_.train.batch_size}, at::TensorOptions().dtype(at::kLong).device(device_));
    auto clips = clips_.index_select(0, index);
    if (options_.train.ring_strength > 0) {
      // A ring_probability share of the clips get a ring; of those, half the object's complement.
      const auto count = clips.size(0);
      const auto opts = clips.options();
      const auto ringed = (at::rand({count}, opts) < options_.train.ring_probability).to(at::kFloat);
      const auto complement = (at::rand({count, 1}, opts) < 0.5).to(at::kFloat);
      const auto colour = complement * complementary(object_rgb_.index_select(0, index)) + (1 - complement) * at::rand({count, 3}, opts);
      clips = ring_clips(clips, colour, ringed * at::rand({count}, opts) * options_.train.ring_strength);
    }
    if (options_.train.blur_sigma > 0) clips = blur_clips(clips, at::rand({clips.size(0)}, clips.options()) * options_.train.blur_sigma);
    clips = clips + at::randn_like(clips) * options_.train.pixel_noise;
    const auto out = network_->forward(clips);
    const auto shape = shapes_.index_select(0, index), colour = colours_.index_select(0, index), direction = directions_.index_select(0, index);
    stats["shape_acc"] = (out.shape_logits.argmax(1) == shape).to(at::kFloat).mean().item<double>();
    stats["colour_acc"] = (out.colour_logits.argmax(1) == colour).to(at::kFloat).mean().item<double>();
    stats["direction_acc"] = (out.direction_logits.argmax(1) == direction).to(at::kFloat).mean().item<double>();
    return at::cross_entropy_loss(out.shape_logits, shape) + at::cross_entropy_loss(out.colour_logits, colour) +
           at::cross_entropy_loss(out.direction_logits, direction);
  }

 private:
  const config::TrainingOptions& options_;
  model::CheckerNetwork network_;
  c10::Device device_;
  at::Tensor clips_, shapes_, colours_, directions_, object_rgb_;
};

}  // namespace

model::CheckerConfig checker_config(const config::TrainingOptions& options) {
  model::CheckerConfig config;
  config.frames = options.video.frames;
  config.height = options.video.height;
  config.width = options.video.width;
  config.channels = options.checker.channels;
  config.feature_dim = options.checker.feature_dim;
  return config;
}

std::map<std::string, double> checker_accuracy(model::CheckerNetwork& checker, const at::Tensor& clips, const at::Tensor& shape_ids,
                                               const at::Tensor& colour_ids, const at::Tensor& direction_ids) {
  at::NoGradGuard no_grad;
  const auto out = checker->forward(clips);
  const auto rate = [](const at::Tensor& logits, const at::Tensor& ids) {
    return (logits.argmax(1) == ids.to(logits.device())).to(at::kFloat).mean().item<double>();
  };
  return {{"shape", rate(out.shape_logits, shape_ids)}, {"colour", rate(out.colour_logits, colour_ids)}, {"direction", rate(out.direction_logits, direction_ids)}};
}

CheckerTrainingReport train_checker(const config::TrainingOptions& options, c10::Device device, const RunControl& control) {
  CheckerTask task(options, device);
  CheckerTrainingReport report;
  report.training = run_training(task, options.train, derive_seed(static_cast<std::uint64_t>(options.seed), {kStepStream}), control);
  if (!report.training.finished) return report;

  const auto config = checker_config(options);
  model::CheckerNetwork averaged(config);
  {
    at::NoGradGuard no_grad;
    auto params = averaged->named_parameters();
    for (const auto& [name, value] : report.training.ema) params[name].copy_(value);
  }
  averaged->to(device);
  averaged->eval();
  const auto held_out = render_world_dataset(static_cast<std::uint64_t>(options.train.dataset_seed + kHeldOutSeedOffset), kHeldOutClips,
                                             world_for(options.video), data::kDefaultPromptTokens);
  report.held_out_clips = kHeldOutClips;
  const auto clips = held_out.clips.to(device);
  report.held_out_accuracy = checker_accuracy(averaged, clips, held_out.shape_ids, held_out.colour_ids, held_out.direction_ids);
  // The same clips blurred: how far the checker still reads the soft edges a generator draws.
  for (const double sigma : kHeldOutBlurSigmas) {
    const auto blurred = blur_clips(clips, at::full({clips.size(0)}, sigma, clips.options()));
    for (const auto& [attribute, accuracy] : checker_accuracy(averaged, blurred, held_out.shape_ids, held_out.colour_ids, held_out.direction_ids)) {
      report.held_out_accuracy[fmt::format("{} (blur {})", attribute, sigma)] = accuracy;
    }
  }
  const auto complement = complementary(object_colours(held_out.colour_ids.to(device)));
  for (const double strength : kHeldOutRingStrengths) {
    const auto ringed = ring_clips(clips, complement, at::full({clips.size(0)}, strength, clips.options()));
    for (const auto& [attribute, accuracy] : checker_accuracy(averaged, ringed, held_out.shape_ids, held_out.colour_ids, held_out.direction_ids)) {
      report.held_out_accuracy[fmt::format("{} (ring {})", attribute, strength)] = accuracy;
    }
  }
  model::save_safetensors(std::filesystem::path(options.train.out) / kCheckerWeightsName, report.training.ema,
                          {{"format", "astraea world checker (EMA weights)"},
                           {"frames", std::to_string(config.frames)},
                           {"height", std::to_string(config.height)},
                           {"width", std::to_string(config.width)},
                           {"channels", std::to_string(config.channels)},
                           {"feature_dim", std::to_string(config.feature_dim)},
                           {"steps", std::to_string(report.training.steps)}});
  return report;
}

}  // namespace astraea::train
