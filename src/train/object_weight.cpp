#include "train/object_weight.h"

#include "data/background.h"
#include "data/scene_labels.h"

#include <ATen/ATen.h>

#include <vector>

namespace astraea::train {

at::Tensor background_table(int height) {
  std::vector<float> levels;
  levels.reserve(static_cast<std::size_t>(data::kBackgroundCount) * static_cast<std::size_t>(height));
  for (int b = 0; b < data::kBackgroundCount; ++b) {
    for (int row = 0; row < height; ++row) levels.push_back(data::background_level(static_cast<data::Background>(b), row, height));
  }
  return at::tensor(levels, at::kFloat).view({data::kBackgroundCount, height});
}

at::Tensor object_mask(const at::Tensor& clips, const at::Tensor& backgrounds, const at::Tensor& table, double tolerance) {
  TORCH_CHECK(clips.dim() == 5, "object_mask: clips must be [B, F, C, H, W], got ", clips.sizes());
  TORCH_CHECK(backgrounds.dim() == 1 && backgrounds.size(0) == clips.size(0), "object_mask: backgrounds must be [", clips.size(0),
              "], got ", backgrounds.sizes());
  TORCH_CHECK(table.dim() == 2 && table.size(1) == clips.size(3), "object_mask: the background table must have ", clips.size(3),
              " rows per background, got ", table.sizes());
  const auto rows = table.index_select(0, backgrounds).view({clips.size(0), 1, 1, clips.size(3), 1});
  return (clips - rows.to(clips.scalar_type())).abs().amax(2, true) > tolerance;
}

at::Tensor object_weighted_mse(const at::Tensor& prediction, const at::Tensor& target, const at::Tensor& mask, double object_weight) {
  const auto error = (prediction - target).square();
  if (object_weight == 0.0) return error.mean();
  const auto weight = (mask.to(error.scalar_type()) * object_weight + 1.0).expand_as(error);
  return (weight * error).sum() / weight.sum();
}

}  // namespace astraea::train
