#include "pipeline/torchscript_features.h"

#include "core/error.h"
#include "pipeline/feature_tensors.h"

#include <ATen/ATen.h>
#include <torch/script.h>

namespace astraea::pipeline {

struct TorchScriptFeatureExtractor::Impl {
  std::filesystem::path file;
  c10::Device device;
  mutable torch::jit::Module module;
};

TorchScriptFeatureExtractor::TorchScriptFeatureExtractor(const std::filesystem::path& file, c10::Device device)
    : impl_(std::make_unique<Impl>(Impl{file, device, {}})) {
  if (!std::filesystem::is_regular_file(file)) fail("feature extractor '{}': no such file", file.string());
  try {
    impl_->module = torch::jit::load(file.string(), device);
    impl_->module.eval();
  } catch (const std::exception& e) {
    fail("feature extractor '{}': not a loadable TorchScript module: {}", file.string(), e.what());
  }
}

TorchScriptFeatureExtractor::~TorchScriptFeatureExtractor() = default;

std::string TorchScriptFeatureExtractor::name() const { return impl_->file.stem().string(); }

std::vector<std::vector<float>> TorchScriptFeatureExtractor::extract_all(const eval::VideoView& video) const {
  eval::check_video(video, "output");
  if (video.channels != 3) fail("feature extractor '{}': needs RGB frames, got {} channels", name(), video.channels);
  const auto frames = frames_tensor(video, impl_->device);
  at::Tensor features;
  try {
    torch::NoGradGuard no_grad;
    features = impl_->module.forward({frames}).toTensor();
  } catch (const std::exception& e) {
    fail("feature extractor '{}': forward failed on frames {}: {}", name(), c10::str(frames.sizes()), e.what());
  }
  if (features.dim() != 2 || features.size(0) != video.frames) {
    fail("feature extractor '{}': returned {}, expected [{}, D]", name(), c10::str(features.sizes()), video.frames);
  }
  return feature_rows(features);
}

std::vector<float> TorchScriptFeatureExtractor::extract(const eval::VideoView& video, int t) const {
  const eval::VideoView one{video.frame(t), 1, video.height, video.width, video.channels};
  return extract_all(one).front();
}

}  // namespace astraea::pipeline
