#include "pipeline/feature_tensors.h"

#include <ATen/ATen.h>

namespace astraea::pipeline {

at::Tensor frames_tensor(const eval::VideoView& video, c10::Device device) {
  return at::from_blob(const_cast<float*>(video.data), {video.frames, video.height, video.width, video.channels}, at::kFloat)
      .permute({0, 3, 1, 2})
      .contiguous()
      .to(device);
}

std::vector<std::vector<float>> feature_rows(const at::Tensor& features) {
  const auto cpu = features.to(at::kCPU, at::kFloat).contiguous();
  std::vector<std::vector<float>> out;
  for (std::int64_t t = 0; t < cpu.size(0); ++t) {
    const float* row = cpu.data_ptr<float>() + t * cpu.size(1);
    out.emplace_back(row, row + cpu.size(1));
  }
  return out;
}

}  // namespace astraea::pipeline
