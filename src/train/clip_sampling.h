// Which training clips a step sees. By default every clip of the dataset is equally likely; with
// per-shape weights a clip is drawn with probability proportional to its shape's weight, so a
// shape the model draws badly (the tiny vDiT's diamonds) gets more of the gradient without
// rendering a new dataset.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace astraea::train {

// Checks train.shape_weights: empty (uniform), or one non-negative weight per world shape in the
// shape enum's order (square, circle, triangle, diamond, cross) with a positive sum. Throws
// astraea::Error (kConfig) naming the field otherwise.
void validate_shape_weights(const std::vector<double>& weights);

// Each clip's sampling weight, weights[shape_ids[i]], as float on the device of `shape_ids`
// ([N] int64); an undefined tensor when `weights` is empty (uniform). Made once per dataset, so
// drawing a batch costs no host sync. Throws astraea::Error for invalid weights, or when no clip
// of the dataset has a positive weight.
at::Tensor clip_weights(const at::Tensor& shape_ids, const std::vector<double>& weights);

// `batch` clip indices of [0, clip_count) drawn with replacement on `device`: uniform when
// `weights` is undefined, otherwise clip i with probability weights[i] / sum(weights).
at::Tensor draw_clip_indices(const at::Tensor& weights, std::int64_t clip_count, std::int64_t batch, c10::Device device);

}  // namespace astraea::train
