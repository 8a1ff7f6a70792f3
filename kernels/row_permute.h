// Token-order permutes for video attention, fused over Q, K and V (RainFusion's temporal heads,
// Sparse VideoGen's placement). Any order between frame-major, token-major (h, w, t) and
// tile-major (3D tiles) is a row gather by an index that the caller builds once per layout
// (src/attention/layout_permutation.h), so one kernel serves every pair of layouts and both
// directions: the forward order on Q, K and V, its inverse on the output.
//
//   out[t][s][r] = in[t][s][permuted(s) ? order[r] : r]    for tensor t, slice s, row r
//
// A slice is one (batch, head); slices whose flag is 0 are copied unpermuted, so a launch
// permutes a subset of heads (the temporal ones) and copies the rest, touching every byte once.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

inline constexpr int kMaxPermuteTensors = 3;

struct RowPermuteParams {
  // Up to three tensors (Q, K, V) of the same shape and strides; rows are contiguous vectors of
  // head_dim elements. `in` and `out` must not overlap.
  const void* in[kMaxPermuteTensors] = {nullptr, nullptr, nullptr};
  void* out[kMaxPermuteTensors] = {nullptr, nullptr, nullptr};
  int tensors = 1;
  std::int64_t slices = 0;            // batch * heads
  std::int64_t rows = 0;              // tokens per slice
  std::int64_t in_slice_stride = 0;   // elements
  std::int64_t in_row_stride = 0;
  std::int64_t out_slice_stride = 0;
  std::int64_t out_row_stride = 0;
  const std::int32_t* order = nullptr;      // device [rows]: a permutation of [0, rows)
  const std::uint8_t* permuted = nullptr;   // device [slices]: 1 permutes the slice; null permutes all
  int head_dim = 0;
  int element_bytes = 2;  // 2 (bf16/fp16) or 4 (fp32)
};

// Launches on `stream`; throws std::invalid_argument for invalid params (rows and strides must be
// multiples of 16 bytes, pointers 16-byte aligned) and std::runtime_error for a launch error.
void row_permute(const RowPermuteParams& params, cudaStream_t stream);

}  // namespace astraea::kernels
