#include "launch_check.h"
#include "row_permute.h"

#include <stdexcept>

namespace astraea::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kVectorBytes = 16;    // one int4 per copy
constexpr int kCopiesPerThread = 4;  // independent loads in flight per thread

// Block (x, slice, tensor) copies rows [x * rows_per_block, ...) of one slice of one tensor. The
// rows' 16-byte pieces are spread over the threads, consecutive threads on consecutive pieces, so
// a warp reads whole rows (coalesced) even when the source rows are scattered.
__global__ void __launch_bounds__(kThreads) row_permute_kernel(RowPermuteParams p, int vectors_per_row, int rows_per_block) {
  const int tensor = blockIdx.z;
  const std::int64_t slice = blockIdx.y;
  const std::int64_t first_row = static_cast<std::int64_t>(blockIdx.x) * rows_per_block;
  const bool permute = p.permuted == nullptr || p.permuted[slice] != 0;
  const auto* src = static_cast<const char*>(p.in[tensor]) + slice * p.in_slice_stride * p.element_bytes;
  auto* dst = static_cast<char*>(p.out[tensor]) + slice * p.out_slice_stride * p.element_bytes;
  const std::int64_t in_row_bytes = p.in_row_stride * p.element_bytes;
  const std::int64_t out_row_bytes = p.out_row_stride * p.element_bytes;
  int4 piece[kCopiesPerThread];
  std::int64_t target[kCopiesPerThread];
#pragma unroll
  for (int c = 0; c < kCopiesPerThread; ++c) {
    const int item = c * kThreads + threadIdx.x;
    const std::int64_t row = first_row + item / vectors_per_row;
    target[c] = -1;
    if (item >= rows_per_block * vectors_per_row || row >= p.rows) continue;
    const int vector = item % vectors_per_row;
    const std::int64_t source = permute ? p.order[row] : row;
    piece[c] = *reinterpret_cast<const int4*>(src + source * in_row_bytes + vector * kVectorBytes);
    target[c] = row * out_row_bytes + vector * kVectorBytes;
  }
#pragma unroll
  for (int c = 0; c < kCopiesPerThread; ++c) {
    if (target[c] >= 0) *reinterpret_cast<int4*>(dst + target[c]) = piece[c];
  }
}

bool aligned(const void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer) % kVectorBytes == 0; }

}  // namespace

void row_permute(const RowPermuteParams& params, cudaStream_t stream) {
  if (params.tensors < 1 || params.tensors > kMaxPermuteTensors) throw std::invalid_argument("row_permute: tensors must be 1, 2 or 3");
  if (params.slices <= 0 || params.rows <= 0 || params.head_dim <= 0) {
    throw std::invalid_argument("row_permute: slices, rows and head_dim must be positive");
  }
  if (params.element_bytes != 2 && params.element_bytes != 4) throw std::invalid_argument("row_permute: element_bytes must be 2 or 4");
  if (params.order == nullptr) throw std::invalid_argument("row_permute: order is null");
  const std::int64_t row_bytes = static_cast<std::int64_t>(params.head_dim) * params.element_bytes;
  for (const std::int64_t stride : {row_bytes, params.in_row_stride * params.element_bytes, params.out_row_stride * params.element_bytes,
                                    params.in_slice_stride * params.element_bytes, params.out_slice_stride * params.element_bytes}) {
    if (stride % kVectorBytes != 0) throw std::invalid_argument("row_permute: rows and strides must be multiples of 16 bytes");
  }
  for (int t = 0; t < params.tensors; ++t) {
    if (params.in[t] == nullptr || params.out[t] == nullptr) throw std::invalid_argument("row_permute: a tensor pointer is null");
    if (!aligned(params.in[t]) || !aligned(params.out[t])) throw std::invalid_argument("row_permute: tensors must be 16-byte aligned");
  }
  constexpr std::int64_t kMaxGridY = 65535;
  if (params.slices > kMaxGridY) throw std::invalid_argument("row_permute: more than 65535 batch*head slices");
  const int vectors_per_row = static_cast<int>(row_bytes / kVectorBytes);
  if (vectors_per_row > kThreads * kCopiesPerThread) throw std::invalid_argument("row_permute: rows longer than 16 KB");
  const int rows_per_block = kThreads * kCopiesPerThread / vectors_per_row;
  const dim3 grid(static_cast<unsigned>((params.rows + rows_per_block - 1) / rows_per_block), static_cast<unsigned>(params.slices),
                  static_cast<unsigned>(params.tensors));
  row_permute_kernel<<<grid, kThreads, 0, stream>>>(params, vectors_per_row, rows_per_block);
  check_launch("row_permute_kernel");
}

}  // namespace astraea::kernels
