#include "train/clip_sampling.h"

#include "core/error.h"
#include "data/scene_labels.h"

#include <ATen/ATen.h>

#include <numeric>

namespace astraea::train {

void validate_shape_weights(const std::vector<double>& weights) {
  if (weights.empty()) return;
  if (weights.size() != static_cast<std::size_t>(data::kShapeCount)) {
    fail(ErrorKind::kConfig, "train.shape_weights: expected {} weights (square, circle, triangle, diamond, cross), got {}", data::kShapeCount,
         weights.size());
  }
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0.0)) fail(ErrorKind::kConfig, "train.shape_weights[{}]: expected a weight >= 0, got {}", i, weights[i]);
  }
  if (std::accumulate(weights.begin(), weights.end(), 0.0) <= 0.0) fail(ErrorKind::kConfig, "train.shape_weights: every weight is 0");
}

at::Tensor clip_weights(const at::Tensor& shape_ids, const std::vector<double>& weights) {
  if (weights.empty()) return {};
  validate_shape_weights(weights);
  const auto table = at::tensor(weights, at::kDouble).to(at::TensorOptions().dtype(at::kFloat).device(shape_ids.device()));
  auto per_clip = table.index_select(0, shape_ids);
  if (!(per_clip.sum().item<float>() > 0.0f)) fail(ErrorKind::kConfig, "train.shape_weights: no clip of the dataset has a positive weight");
  return per_clip;
}

at::Tensor draw_clip_indices(const at::Tensor& weights, std::int64_t clip_count, std::int64_t batch, c10::Device device) {
  if (!weights.defined()) return at::randint(clip_count, {batch}, at::TensorOptions().dtype(at::kLong).device(device));
  return at::multinomial(weights, batch, /*replacement=*/true);
}

}  // namespace astraea::train
