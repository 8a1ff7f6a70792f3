// Between eval's videos and a feature network's tensors: frames as [T, 3, H, W] and a [T, D]
// feature matrix back as one vector per frame.
#pragma once

#include "eval/video.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <vector>

namespace astraea::pipeline {

// [T, H, W, C] samples of `video` as a float32 [T, C, H, W] tensor on `device` (a copy).
at::Tensor frames_tensor(const eval::VideoView& video, c10::Device device);

// Rows of a [T, D] tensor (any device and floating type) as float vectors.
std::vector<std::vector<float>> feature_rows(const at::Tensor& features);

}  // namespace astraea::pipeline
