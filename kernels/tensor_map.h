// TMA tensor maps for [batch, heads, rows, cols] tensors whose last dimension is contiguous, built
// through the runtime's driver entry point (no link against libcuda, so binaries still load on
// machines without a driver).
#pragma once

#include <cuda.h>

#include <cstdint>

namespace astraea::kernels {

// Box of `box_cols` x `box_rows` elements, swizzled by `swizzle_bytes` (64 or 128); box_cols
// times the element size must equal swizzle_bytes.
struct TileMapShape {
  int box_cols;
  int box_rows;
  int swizzle_bytes;
};

// Rows past `rows` read as zeros. Strides are in elements. Throws std::invalid_argument for
// unaligned pointers or strides and std::runtime_error if the driver rejects the map.
CUtensorMap make_tile_map(CUtensorMapDataType dtype, const void* base, int batch, int heads, int rows, int cols,
                          std::int64_t batch_stride, std::int64_t head_stride, std::int64_t row_stride, const TileMapShape& shape);

}  // namespace astraea::kernels
