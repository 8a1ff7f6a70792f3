// CogVideoX's query/key preparation in one pass: LayerNorm over each head's D values, then the
// rotary embedding on the video rows, read from a projection's token-major [B, S, H, D] and written
// in any layout (the attention kernels prefer head-major [B, H, S, D]). Per (b, s, h) row:
//
//   y   = round((x - mean) / sqrt(var + eps) * weight + bias)          (var: biased, over D)
//   out = y                                                             for s < text_tokens
//   out = round(y * cos[t] + rot(y) * sin[t]),  rot(y) = (-y1, y0) per pair (y0, y1)   otherwise,
//
// where t = table_rows[b, s - text_tokens], or s - text_tokens when table_rows is null, and
// round() is to the element type: the same two roundings as LayerNorm in bf16 followed by a
// float32 rotation cast back. One warp normalises one row; the row stays in registers.
#pragma once

#include "kernels/block_sparse_attention.h"

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

struct QkNormRopeParams {
  const void* x = nullptr;  // element (b, s, h, d) at b * x_strides[0] + s * x_strides[1] + h * head_dim + d
  void* out = nullptr;      // element (b, h, s, d) at b * out_strides[0] + h * out_strides[1] + s * out_strides[2] + d
  std::int64_t x_strides[2] = {0, 0};
  std::int64_t out_strides[3] = {0, 0, 0};
  const float* weight = nullptr;  // [head_dim]; null: 1
  const float* bias = nullptr;    // [head_dim]; null: 0
  float eps = 1e-6f;
  // RoPE table rows of head_dim float32 values each (row stride head_dim); null: no rotation.
  const float* cos = nullptr;
  const float* sin = nullptr;
  // [batch, seq - text_tokens] with batch stride table_rows_stride; each must be a row of the
  // table (not checked: that would cost the caller a device sync).
  const std::int64_t* table_rows = nullptr;
  std::int64_t table_rows_stride = 0;
  int batch = 0;
  int seq = 0;
  int heads = 0;
  int head_dim = 0;  // 64, 96 or 128
  int text_tokens = 0;
  AttentionDtype dtype = AttentionDtype::kBf16;
};

// Launches on `stream`; throws std::invalid_argument for unsupported params (head_dim, strides or
// pointers not 4-byte aligned) and std::runtime_error for a launch error.
void qk_norm_rope(const QkNormRopeParams& params, cudaStream_t stream);

}  // namespace astraea::kernels
