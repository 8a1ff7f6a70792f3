// Euclidean distance between matching rows of two [batch, rows, dim] tensors, accumulated in
// float32: out[b, n] = || a[b, n, :] - b[b, n, :] ||_2. ASTRAEA's per-token change since a token's
// last computation (src/attention/astraea_accelerator.h) in one read of each input, where the
// LibTorch expression writes three float32 temporaries of the full size. One warp per row, 16-byte
// loads.
#pragma once

#include "kernels/block_sparse_attention.h"

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

struct RowDistanceParams {
  const void* a = nullptr;  // element (b, n, d) at b * a_strides[0] + n * a_strides[1] + d
  const void* b = nullptr;
  std::int64_t a_strides[2] = {0, 0};
  std::int64_t b_strides[2] = {0, 0};
  float* out = nullptr;  // [batch, rows] contiguous
  int batch = 0;
  int rows = 0;
  int dim = 0;  // a multiple of 8
  AttentionDtype dtype = AttentionDtype::kBf16;
};

// Whether the kernel can read these inputs: dim a multiple of 8, base pointers and strides
// allowing 16-byte loads.
bool row_distance_supported(const RowDistanceParams& params);

// Launches on `stream`; throws std::invalid_argument where row_distance_supported is false and
// std::runtime_error for a launch error.
void row_distance(const RowDistanceParams& params, cudaStream_t stream);

}  // namespace astraea::kernels
