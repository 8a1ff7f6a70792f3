#include "model/checker_network.h"

#include "core/error.h"
#include "model/checkpoint.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

namespace astraea::model {

void CheckerConfig::validate() const {
  const std::pair<const char*, int> positive[] = {{"frames", frames},           {"channels", channels},
                                                  {"feature_dim", feature_dim}, {"shape_classes", shape_classes},
                                                  {"colour_classes", colour_classes}, {"direction_classes", direction_classes}};
  for (const auto& [name, value] : positive) {
    if (value < 1) fail(ErrorKind::kConfig, "checker.{} must be positive, got {}", name, value);
  }
  if (height < 4 || width < 4 || height % 4 != 0 || width % 4 != 0) {
    fail(ErrorKind::kConfig, "checker: frames of {}x{} must have sides that are positive multiples of 4", height, width);
  }
}

CheckerNetworkImpl::CheckerNetworkImpl(const CheckerConfig& config) : config_(config) {
  config_.validate();
  namespace nn = torch::nn;
  const int c = config.channels;
  encoder_ = register_module("encoder", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, c, 3).padding(1)), nn::SiLU(),
                                                       nn::Conv2d(nn::Conv2dOptions(c, 2 * c, 3).stride(2).padding(1)), nn::SiLU(),
                                                       nn::Conv2d(nn::Conv2dOptions(2 * c, 2 * c, 3).stride(2).padding(1)), nn::SiLU()));
  const int flat = 2 * c * (config.height / 4) * (config.width / 4);
  frame_proj_ = register_module("frame_proj", nn::Linear(flat, config.feature_dim));
  shape_head_ = register_module("shape_head", nn::Linear(config.feature_dim, config.shape_classes));
  colour_head_ = register_module("colour_head", nn::Linear(config.feature_dim, config.colour_classes));
  direction_head_ = register_module("direction_head", nn::Sequential(nn::Linear(config.frames * config.feature_dim, config.feature_dim),
                                                                     nn::SiLU(), nn::Linear(config.feature_dim, config.direction_classes)));
}

at::Tensor CheckerNetworkImpl::frame_features(const at::Tensor& frames) {
  TORCH_CHECK(frames.dim() == 4 && frames.size(1) == 3 && frames.size(2) == config_.height && frames.size(3) == config_.width,
              "checker: frames must be [N, 3, ", config_.height, ", ", config_.width, "], got ", frames.sizes());
  return frame_proj_(encoder_->forward(frames * 2 - 1).flatten(1));
}

CheckerOutput CheckerNetworkImpl::forward(const at::Tensor& clips) {
  TORCH_CHECK(clips.dim() == 5 && clips.size(1) == config_.frames, "checker: clips must be [B, ", config_.frames, ", 3, H, W], got ",
              clips.sizes());
  const int64_t batch = clips.size(0);
  CheckerOutput out;
  out.features = frame_features(clips.flatten(0, 1)).view({batch, config_.frames, config_.feature_dim});
  const auto pooled = out.features.mean(1);
  out.shape_logits = shape_head_(pooled);
  out.colour_logits = colour_head_(pooled);
  out.direction_logits = direction_head_->forward(out.features.flatten(1));
  return out;
}

CheckerNetwork load_checker(const std::filesystem::path& file, c10::Device device) {
  return with_context(fmt::format("checker '{}'", file.string()), [&] {
    const TensorSource source(file);
    const auto& metadata = source.files().front().metadata();
    const auto read = [&](const char* key) {
      const auto it = metadata.find(key);
      if (it == metadata.end()) fail(ErrorKind::kConfig, "the metadata has no '{}': not a checker written by astraea train", key);
      return std::stoi(it->second);
    };
    CheckerConfig config;
    config.frames = read("frames");
    config.height = read("height");
    config.width = read("width");
    config.channels = read("channels");
    config.feature_dim = read("feature_dim");
    CheckerNetwork checker(config);
    load_state_dict(*checker, source, at::kFloat, device);
    checker->eval();
    return checker;
  });
}

}  // namespace astraea::model
