// The order in which RainFusion's temporal heads run their band (METHODS.md sections 2.1 and 3):
// a permutation of the joint sequence that keeps the text tokens (and, with first_frame_sink, the
// sink frame) in front and in place, then lists the other video tokens in one of two orders.
//
//   token_major  (h, w, t): each spatial position's frames in a row (SVG's placement; the default)
//   tile_major   3D tiles of tile_shape_for(T', H, W, block) tokens, in (tile t, tile h, tile w)
//                order, tokens inside a tile in (t, h, w) order. Tiles at the far edges of an axis
//                that the tile does not divide are partial. Tokens close in space and time then sit
//                in the same or adjacent blocks, so a narrow band keeps more true neighbours.
//
// A band |i - j| <= w keeps the same number of entries in any order; only which pairs it keeps
// changes.
#pragma once

#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>

namespace astraea::attention {

enum class TokenOrder { kTokenMajor, kTileMajor };

struct TileShape {
  int frames = 1;
  int height = 1;
  int width = 1;
  std::int64_t tokens() const { return static_cast<std::int64_t>(frames) * height * width; }
};

// The tile for a frames x height x width grid of at most `block` tokens: the largest product
// (block itself when the grid allows it), then the most cube-like (smallest max - min extent), then
// the fewest frames, then the tallest. E.g. 12 x 30 x 45 with block 128 -> 4 x 8 x 4.
TileShape tile_shape_for(int frames, int height, int width, int block);

// Gather index (CPU int64 [S]): x_band = x[..., order, :]. Text, then the sink frame (with
// first_frame_sink and more than one frame), in place; then the other video tokens in `order`.
// `block` sizes the tiles of kTileMajor.
at::Tensor band_order(const VideoLayout& layout, TokenOrder order, int block, bool first_frame_sink);

// The inverse gather index of a permutation: x = x_band[..., inverse_permutation(order), :].
at::Tensor inverse_permutation(const at::Tensor& order);

}  // namespace astraea::attention
