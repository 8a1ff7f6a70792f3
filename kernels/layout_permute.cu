#include "launch_check.h"
#include "layout_permute.h"

#include <stdexcept>

namespace astraea::kernels {
namespace {

constexpr int kThreads = 128;
constexpr int kVectorBytes = 16;  // one int4 per thread per step

// One thread block per (row, slice); threads copy the row in 16-byte pieces.
__global__ void layout_permute_kernel(PermuteParams p, std::int64_t row_bytes) {
  const std::int64_t row = blockIdx.x;
  const std::int64_t slice = blockIdx.y;
  const std::int64_t target = permuted_row(row, p.text_tokens, p.frames, p.frame_tokens, p.direction);
  const auto* src = static_cast<const char*>(p.in) + (slice * p.slice_stride + row * p.row_stride) * p.element_bytes;
  auto* dst = static_cast<char*>(p.out) + (slice * p.slice_stride + target * p.row_stride) * p.element_bytes;
  for (std::int64_t offset = threadIdx.x * kVectorBytes; offset < row_bytes; offset += blockDim.x * kVectorBytes) {
    *reinterpret_cast<int4*>(dst + offset) = *reinterpret_cast<const int4*>(src + offset);
  }
}

}  // namespace

void layout_permute(const PermuteParams& params, cudaStream_t stream) {
  const std::int64_t rows = params.text_tokens + static_cast<std::int64_t>(params.frames) * params.frame_tokens;
  const std::int64_t row_bytes = static_cast<std::int64_t>(params.head_dim) * params.element_bytes;
  if (params.frames <= 0 || params.frame_tokens <= 0 || params.slices <= 0 || params.text_tokens < 0) {
    throw std::invalid_argument("layout_permute: frames, frame_tokens and slices must be positive");
  }
  if (row_bytes % kVectorBytes != 0 || (params.row_stride * params.element_bytes) % kVectorBytes != 0 ||
      (params.slice_stride * params.element_bytes) % kVectorBytes != 0) {
    throw std::invalid_argument("layout_permute: rows and strides must be multiples of 16 bytes");
  }
  if (reinterpret_cast<std::uintptr_t>(params.in) % kVectorBytes != 0 || reinterpret_cast<std::uintptr_t>(params.out) % kVectorBytes != 0) {
    throw std::invalid_argument("layout_permute: tensors must be 16-byte aligned");
  }
  constexpr std::int64_t kMaxGridY = 65535;
  if (params.slices > kMaxGridY) throw std::invalid_argument("layout_permute: more than 65535 batch*head slices");
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(params.slices));
  layout_permute_kernel<<<grid, kThreads, 0, stream>>>(params, row_bytes);
  check_launch("layout_permute_kernel");
}

}  // namespace astraea::kernels
