#include "pipeline/checker_features.h"

#include "core/error.h"
#include "pipeline/feature_tensors.h"

#include <ATen/ATen.h>

namespace astraea::pipeline {

CheckerFeatureExtractor::CheckerFeatureExtractor(model::CheckerNetwork network, c10::Device device)
    : network_(std::move(network)), device_(device) {
  network_->to(device);
  network_->eval();
}

std::vector<std::vector<float>> CheckerFeatureExtractor::extract_all(const eval::VideoView& video) const {
  eval::check_video(video, "output");
  const auto& c = network_->config();
  if (video.channels != 3 || video.height != c.height || video.width != c.width) {
    fail("world checker: reads {}x{} RGB frames, got {}x{} with {} channels", c.height, c.width, video.height, video.width, video.channels);
  }
  at::NoGradGuard no_grad;
  return feature_rows(network_->frame_features(frames_tensor(video, device_)));
}

std::vector<float> CheckerFeatureExtractor::extract(const eval::VideoView& video, int t) const {
  const eval::VideoView one{video.frame(t), 1, video.height, video.width, video.channels};
  return extract_all(one).front();
}

CheckerFeatureExtractor::Prediction CheckerFeatureExtractor::predict(const at::Tensor& frames) const {
  const auto& c = network_->config();
  if (frames.dim() != 5 || frames.size(0) != 1 || frames.size(1) != c.frames || frames.size(2) != c.height || frames.size(3) != c.width ||
      frames.size(4) != 3) {
    fail("world checker: judges clips of [1, {}, {}, {}, 3], got {}", c.frames, c.height, c.width, c10::str(frames.sizes()));
  }
  at::NoGradGuard no_grad;
  const auto out = network_->forward(frames.permute({0, 1, 4, 2, 3}).to(device_, at::kFloat));
  const auto probabilities = at::softmax(out.shape_logits.to(at::kDouble), 1).cpu().contiguous();
  const double* first = probabilities.data_ptr<double>();
  return {out.shape_logits.argmax(1).item<std::int64_t>(), out.colour_logits.argmax(1).item<std::int64_t>(),
          out.direction_logits.argmax(1).item<std::int64_t>(), std::vector<double>(first, first + probabilities.numel())};
}

}  // namespace astraea::pipeline
