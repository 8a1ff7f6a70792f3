// Token-order permutes for video attention (RainFusion's temporal heads, Sparse VideoGen's
// placement): text tokens stay in front, video tokens move between
//   frame-major  index = t * P + p   (t frame, p = h * W + w position in the frame)
//   token-major  index = p * T + t
// so that a band mask over token-major order keeps the same spatial neighbourhood in every frame.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

enum class PermuteDirection { kFrameToToken, kTokenToFrame };

// Rows are contiguous vectors of `head_dim` elements; a (batch*head) slice holds
// `text_tokens + frames * frame_tokens` rows spaced `row_stride` elements apart, and slices are
// `slice_stride` elements apart. `in` and `out` must not overlap.
struct PermuteParams {
  const void* in = nullptr;
  void* out = nullptr;
  std::int64_t slices = 0;        // batch * heads
  std::int64_t slice_stride = 0;  // elements
  std::int64_t row_stride = 0;    // elements
  int text_tokens = 0;
  int frames = 0;
  int frame_tokens = 0;           // P = H * W
  int head_dim = 0;
  int element_bytes = 2;          // 2 (bf16/fp16) or 4 (fp32)
  PermuteDirection direction = PermuteDirection::kFrameToToken;
};

// Launches on `stream`; throws std::runtime_error on invalid params or a launch error.
void layout_permute(const PermuteParams& params, cudaStream_t stream);

// Where row `row` of the input lands in the output (host and device); exposed for references.
__host__ __device__ inline std::int64_t permuted_row(std::int64_t row, int text_tokens, int frames, int frame_tokens,
                                                      PermuteDirection direction) {
  if (row < text_tokens) return row;
  const std::int64_t video = row - text_tokens;
  if (direction == PermuteDirection::kFrameToToken) {
    const std::int64_t t = video / frame_tokens, p = video % frame_tokens;
    return text_tokens + p * frames + t;
  }
  const std::int64_t p = video / frames, t = video % frames;
  return text_tokens + t * frame_tokens + p;
}

}  // namespace astraea::kernels
