#include "attention/layout_permutation.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <tuple>
#include <vector>

namespace astraea::attention {

TileShape tile_shape_for(int frames, int height, int width, int block) {
  TORCH_CHECK(frames >= 1 && height >= 1 && width >= 1 && block >= 1, "tile_shape_for: bad grid ", frames, " x ", height, " x ", width,
              " or block ", block);
  TileShape best;
  // Ranking key, smaller is better: (-tokens, spread, frames, -height).
  auto key = [](const TileShape& t) {
    const int spread = std::max({t.frames, t.height, t.width}) - std::min({t.frames, t.height, t.width});
    return std::make_tuple(-t.tokens(), spread, t.frames, -t.height);
  };
  for (int tt = 1; tt <= std::min(frames, block); ++tt) {
    for (int th = 1; th <= std::min(height, block / tt); ++th) {
      const TileShape candidate{tt, th, std::min(width, block / (tt * th))};
      if (key(candidate) < key(best)) best = candidate;
    }
  }
  return best;
}

at::Tensor band_order(const VideoLayout& layout, TokenOrder order, int block, bool first_frame_sink) {
  TORCH_CHECK(layout.text_tokens >= 0 && layout.frames >= 1 && layout.height >= 1 && layout.width >= 1, "band_order: bad video layout (text ",
              layout.text_tokens, ", T ", layout.frames, ", H ", layout.height, ", W ", layout.width, ")");
  const std::int64_t p_count = layout.frame_tokens();
  const int sink = first_frame_sink && layout.frames > 1 ? 1 : 0;
  const int frames = layout.frames - sink;
  const auto token = [&](int t, int h, int w) { return layout.text_tokens + (t + sink) * p_count + static_cast<std::int64_t>(h) * layout.width + w; };
  std::vector<std::int64_t> out;
  out.reserve(layout.total_tokens());
  for (std::int64_t i = 0; i < layout.text_tokens + sink * p_count; ++i) out.push_back(i);
  if (order == TokenOrder::kTokenMajor) {
    for (int h = 0; h < layout.height; ++h) {
      for (int w = 0; w < layout.width; ++w) {
        for (int t = 0; t < frames; ++t) out.push_back(token(t, h, w));
      }
    }
  } else {
    const TileShape tile = tile_shape_for(frames, layout.height, layout.width, block);
    for (int t0 = 0; t0 < frames; t0 += tile.frames) {
      for (int h0 = 0; h0 < layout.height; h0 += tile.height) {
        for (int w0 = 0; w0 < layout.width; w0 += tile.width) {
          for (int t = t0; t < std::min(frames, t0 + tile.frames); ++t) {
            for (int h = h0; h < std::min(layout.height, h0 + tile.height); ++h) {
              for (int w = w0; w < std::min(layout.width, w0 + tile.width); ++w) out.push_back(token(t, h, w));
            }
          }
        }
      }
    }
  }
  return at::tensor(out, at::kLong);
}

at::Tensor inverse_permutation(const at::Tensor& order) {
  TORCH_CHECK(order.dim() == 1 && order.scalar_type() == at::kLong, "inverse_permutation: order must be a 1-D int64 tensor; got ", order.sizes(),
              " ", order.scalar_type());
  at::Tensor inverse = at::empty_like(order);
  inverse.scatter_(0, order, at::arange(order.size(0), order.options()));
  return inverse;
}

}  // namespace astraea::attention
