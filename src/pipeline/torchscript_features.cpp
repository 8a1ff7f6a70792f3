#include "pipeline/torchscript_features.h"

#include "core/error.h"

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
  // [T, H, W, C] view of the caller's samples -> [T, C, H, W] on the module's device.
  const auto frames = at::from_blob(const_cast<float*>(video.data), {video.frames, video.height, video.width, video.channels}, at::kFloat)
                          .permute({0, 3, 1, 2})
                          .contiguous()
                          .to(impl_->device);
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
  const auto cpu = features.to(at::kCPU, at::kFloat).contiguous();
  std::vector<std::vector<float>> out;
  for (std::int64_t t = 0; t < cpu.size(0); ++t) {
    const float* row = cpu.data_ptr<float>() + t * cpu.size(1);
    out.emplace_back(row, row + cpu.size(1));
  }
  return out;
}

std::vector<float> TorchScriptFeatureExtractor::extract(const eval::VideoView& video, int t) const {
  const eval::VideoView one{video.frame(t), 1, video.height, video.width, video.channels};
  return extract_all(one).front();
}

}  // namespace astraea::pipeline
