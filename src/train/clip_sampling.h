// Which training clips a step sees. By default every clip of the dataset is equally likely; with
// per-shape weights a clip is drawn with probability proportional to its shape's weight, so a
// shape the model draws badly (the tiny vDiT's diamonds) gets more of the gradient without
// rendering a new dataset.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace astraea::train {

// Checks train.shape_weights: empty (uniform), or one non-negative weight per world shape in the
// shape enum's order (square, circle, triangle, diamond, cross) with a positive sum. Throws
// astraea::Error (kConfig) naming the field otherwise.
void validate_shape_weights(const std::vector<double>& weights);

// `batch` clip indices drawn with replacement, on the device of `shape_ids` ([N] int64, each
// clip's shape id): uniform over [0, N) when `weights` is empty, otherwise clip i with
// probability weights[shape_ids[i]] / sum_j weights[shape_ids[j]]. Throws astraea::Error when no
// clip has a positive weight.
at::Tensor draw_clip_indices(const at::Tensor& shape_ids, const std::vector<double>& weights, std::int64_t batch);

}  // namespace astraea::train
