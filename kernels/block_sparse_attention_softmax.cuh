// Online softmax of one consumer warpgroup over 64 query rows, on wgmma accumulator fragments.
//
// Fragment layout (wgmma m64nN, fp32): thread `lane` of warp `w` holds, for j < N/8,
//   acc[4j + 2i + c]  at row 16w + lane/4 + 8i, column 8j + 2(lane%4) + c   (i, c in {0, 1})
// so each thread owns two rows, and the four threads of a quad share them.
#pragma once

#include "kernels/block_sparse_attention.h"
#include "kernels/hopper_ptx.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

namespace astraea::kernels {

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <typename Element>
__device__ inline std::uint32_t pack_pair(float lo, float hi);
template <>
__device__ inline std::uint32_t pack_pair<__nv_bfloat16>(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}
template <>
__device__ inline std::uint32_t pack_pair<__half>(float lo, float hi) {
  const __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}

struct RowPair {
  float value[2];
};

template <class Traits>
class OnlineSoftmax {
 public:
  __device__ OnlineSoftmax(float softmax_scale, int kv_len, int lane)
      : scale_log2_(softmax_scale * kLog2e), kv_len_(kv_len), quad_column_(2 * (lane % 4)) {
    max_[0] = max_[1] = -INFINITY;
    sum_[0] = sum_[1] = 0.f;
  }

  // Turns raw scores of key block `kv_block` into unnormalised probabilities in place and returns
  // the factor by which earlier partial sums (and O) must be scaled.
  __device__ RowPair update(float (&s)[Traits::kSRegisters], int kv_block) {
    const int first_key = kv_block * Traits::kBlockN;
    if (kv_block < 0 || first_key + Traits::kBlockN > kv_len_) {
#pragma unroll
      for (int j = 0; j < Traits::kSRegisters / 4; ++j) {
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int key = first_key + 8 * j + quad_column_ + c;
          if (key < 0 || key >= kv_len_) s[4 * j + c] = s[4 * j + 2 + c] = -INFINITY;
        }
      }
    }
    RowPair correction;
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      float block_max = -INFINITY;
#pragma unroll
      for (int j = 0; j < Traits::kSRegisters / 4; ++j) block_max = fmaxf(block_max, fmaxf(s[4 * j + 2 * i], s[4 * j + 2 * i + 1]));
      block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 1));
      block_max = fmaxf(block_max, __shfl_xor_sync(0xffffffff, block_max, 2));
      const float new_max = fmaxf(max_[i], block_max * scale_log2_);
      const float shift = new_max == -INFINITY ? 0.f : new_max;
      correction.value[i] = ptx::exp2_approx(max_[i] - shift);
      max_[i] = new_max;
      float block_sum = 0.f;
#pragma unroll
      for (int j = 0; j < Traits::kSRegisters / 4; ++j) {
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          float& x = s[4 * j + 2 * i + c];
          x = ptx::exp2_approx(fmaf(x, scale_log2_, -shift));
          block_sum += x;
        }
      }
      sum_[i] = sum_[i] * correction.value[i] + block_sum;
    }
    return correction;
  }

  __device__ void rescale(float (&o)[Traits::kORegisters], const RowPair& correction) const {
#pragma unroll
    for (int j = 0; j < Traits::kORegisters / 4; ++j) {
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        o[4 * j + 2 * i] *= correction.value[i];
        o[4 * j + 2 * i + 1] *= correction.value[i];
      }
    }
  }

  // Probabilities as the register A operand of O += P V: per k-step of 16 keys, rows (r, r+8) of
  // columns (2q, 2q+1) and then of columns (8 + 2q, 8 + 2q + 1).
  __device__ void pack(const float (&s)[Traits::kSRegisters], std::uint32_t (&p)[Traits::kPRegisters]) const {
    using Element = typename Traits::Element;
#pragma unroll
    for (int step = 0; step < Traits::kPvSteps; ++step) {
      const int lo = 4 * (2 * step), hi = 4 * (2 * step + 1);
      p[4 * step + 0] = pack_pair<Element>(s[lo + 0], s[lo + 1]);
      p[4 * step + 1] = pack_pair<Element>(s[lo + 2], s[lo + 3]);
      p[4 * step + 2] = pack_pair<Element>(s[hi + 0], s[hi + 1]);
      p[4 * step + 3] = pack_pair<Element>(s[hi + 2], s[hi + 3]);
    }
  }

  // Normalises O and writes it and the natural-log LSE for rows `first_row` and `first_row + 8`.
  // Rows with no visited key get O = 0 and LSE = -inf.
  __device__ void store(const float (&o)[Traits::kORegisters], const BlockSparseAttentionParams& p, int first_row, int head,
                        int batch) {
    using Element = typename Traits::Element;
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      float total = sum_[i];
      total += __shfl_xor_sync(0xffffffff, total, 1);
      total += __shfl_xor_sync(0xffffffff, total, 2);
      const int row = first_row + 8 * i;
      if (row >= p.q_len) continue;
      const float inverse = total > 0.f ? 1.f / total : 0.f;
      auto* out = static_cast<Element*>(p.o) + batch * p.o_batch_stride + head * p.o_head_stride + row * p.o_row_stride + quad_column_;
#pragma unroll
      for (int j = 0; j < Traits::kORegisters / 4; ++j) {
        *reinterpret_cast<std::uint32_t*>(out + 8 * j) = pack_pair<Element>(o[4 * j + 2 * i] * inverse, o[4 * j + 2 * i + 1] * inverse);
      }
      if (p.lse != nullptr && quad_column_ == 0) {
        const float lse = total > 0.f ? (max_[i] + __log2f(total)) * kLn2 : -INFINITY;
        p.lse[(static_cast<std::int64_t>(batch) * p.heads + head) * p.q_len + row] = lse;
      }
    }
  }

 private:
  float scale_log2_;
  int kv_len_;
  int quad_column_;
  float max_[2];  // running row maxima, in units of log2 (scores times scale * log2(e))
  float sum_[2];  // this thread's partial row sums relative to max_
};

}  // namespace astraea::kernels
