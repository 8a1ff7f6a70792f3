// The procedural world's checker: a small convolutional classifier that reads a clip and names
// the shape, colour and direction a prompt should have produced. Its per-frame features stand in
// for DINO/CLIP in the consistency metrics; its predictions give prompt-adherence accuracy, this
// world's stand-in for VBench's semantic dimensions.
//
// Architecture: each frame (3 x H x W in [0, 1]) goes through three 3x3 convolutions (the last two
// with stride 2) and a linear layer to a `feature_dim` frame feature. Shape and colour are read
// from the mean of the frame features; direction from all frame features concatenated in time
// order, through a two-layer MLP.
#pragma once

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <filesystem>

namespace astraea::model {

struct CheckerConfig {
  int frames = 8;
  int height = 32;
  int width = 32;
  int channels = 32;
  int feature_dim = 128;
  int shape_classes = 5;
  int colour_classes = 6;
  int direction_classes = 4;

  // Throws astraea::Error naming the field: sizes must be positive, and height and width
  // multiples of 4 (two stride-2 convolutions).
  void validate() const;
};

struct CheckerOutput {
  at::Tensor features;           // [B, T, feature_dim]
  at::Tensor shape_logits;       // [B, shape_classes]
  at::Tensor colour_logits;      // [B, colour_classes]
  at::Tensor direction_logits;   // [B, direction_classes]
};

class CheckerNetworkImpl : public torch::nn::Module {
 public:
  explicit CheckerNetworkImpl(const CheckerConfig& config);

  // frames [N, 3, H, W] in [0, 1] -> [N, feature_dim].
  at::Tensor frame_features(const at::Tensor& frames);
  // clips [B, T, 3, H, W] in [0, 1], T == config.frames.
  CheckerOutput forward(const at::Tensor& clips);

  const CheckerConfig& config() const { return config_; }

 private:
  CheckerConfig config_;
  torch::nn::Sequential encoder_{nullptr};
  torch::nn::Linear frame_proj_{nullptr};
  torch::nn::Linear shape_head_{nullptr};
  torch::nn::Linear colour_head_{nullptr};
  torch::nn::Sequential direction_head_{nullptr};
};
TORCH_MODULE(CheckerNetwork);

// A trained checker from the safetensors file `astraea train` writes: the architecture comes from
// its metadata (frames, height, width, channels, feature_dim), the weights load strictly. Fails
// naming the file for missing metadata or mismatched tensors. The network is in eval mode.
CheckerNetwork load_checker(const std::filesystem::path& file, c10::Device device);

}  // namespace astraea::model
