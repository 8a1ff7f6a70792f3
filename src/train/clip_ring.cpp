#include "train/clip_ring.h"

#include <ATen/ATen.h>

namespace astraea::train {

at::Tensor ring_clips(const at::Tensor& clips, const at::Tensor& colours, const at::Tensor& strengths) {
  TORCH_CHECK(clips.dim() == 5 && clips.size(2) == 3, "ring_clips: clips must be [B, F, 3, H, W], got ", clips.sizes());
  const std::int64_t b = clips.size(0), f = clips.size(1), h = clips.size(3), w = clips.size(4);
  TORCH_CHECK(colours.dim() == 2 && colours.size(0) == b && colours.size(1) == 3, "ring_clips: colours must be [", b, ", 3], got ", colours.sizes());
  TORCH_CHECK(strengths.dim() == 1 && strengths.size(0) == b, "ring_clips: strengths must be [", b, "], got ", strengths.sizes());
  const auto chroma = std::get<0>(clips.max(2)) - std::get<0>(clips.min(2));                // [B, F, H, W]
  const auto object = (chroma > kObjectChroma).to(clips.scalar_type()).view({b * f, 1, h, w});
  const std::int64_t window[] = {3, 3}, stride[] = {1, 1}, padding[] = {1, 1};
  const auto near = at::max_pool2d(object, window, stride, padding).view({b, f, 1, h, w});   // the object or one of its 8 neighbours
  const auto ring = near * (1 - object.view({b, f, 1, h, w}));
  const auto weight = ring * strengths.to(clips.options()).view({b, 1, 1, 1, 1});
  const auto target = colours.to(clips.options()).view({b, 1, 3, 1, 1});
  return clips + weight * (target - clips);
}

}  // namespace astraea::train
