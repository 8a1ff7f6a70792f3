// ARM's band recall (RainFusion; src/attention/arm.h), fused. For each (batch, head) slice and each
// sampled query row i of n, the share of the row's softmax mass over the n sampled keys that lies
// in the band |i - j| <= half_width:
//
//   recall_i = sum_{j : |i - j| <= w} exp(s_ij) / sum_j exp(s_ij),   s_ij = q[sample_i] . k[sample_j] / sqrt(D)
//
// One launch scores one or two samples (ARM's local and global ones), both listed or both progressions. A block's 128 sampled query
// rows and each tile of 64 sampled keys are gathered into swizzled shared memory, and QK^T runs as
// wgmma (sm_90a). Each row keeps two running sums, the whole row and its band, against a shift
// that moves only when a tile would overflow it, so most tiles take no maximum; no n x n matrix is
// ever written and no PV product is computed. kernels/NOTES.md has each version's design and
// timings.
#pragma once

#include "kernels/block_sparse_attention.h"

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

// One sample of token positions and the band it is scored with. The positions are either listed
// (`positions`) or, with `positions` null, the progression start, start + step, ...: ARM's samples
// are both progressions, and the kernel then computes each row's address instead of loading it.
struct BandRecallSample {
  const std::int64_t* positions = nullptr;  // device: n token positions in [0, len), shared by every slice
  int n = 0;
  std::int64_t half_width = 0;
  float* row_recall = nullptr;   // device: [batch * heads, n], or null when only the means are wanted
  float* slice_mean = nullptr;   // device: [batch * heads], zeroed by the caller, or null: each row adds
                                 // recall / n atomically, so the mean's last bits vary between runs
  float* block_means = nullptr;  // device-visible, e.g. mapped pinned host memory:
                                 // [batch * heads, band_recall_row_blocks(n)], or null. Each block stores
                                 // its rows' share of the slice mean (sum of recall / n) with a plain
                                 // store: nothing to zero, and the shares sum to the mean in a fixed order
  std::int64_t start = 0;        // with `positions` null: position i is start + i * step, in [0, len)
  std::int64_t step = 1;
};

inline constexpr int kMaxBandRecallSamples = 2;
inline constexpr int kBandRecallRowsPerBlock = 128;

// Blocks that share a slice's rows of a sample of n: the inner extent of `block_means` (one
// formula for the kernel and its callers).
#ifdef __CUDACC__
__host__ __device__
#endif
inline constexpr int band_recall_row_blocks(int n) { return (n + kBandRecallRowsPerBlock - 1) / kBandRecallRowsPerBlock; }

struct BandRecallParams {
  // [batch, heads, len, head_dim] in element strides {batch, head, row}; the last dimension is
  // contiguous. Base pointers and strides allow 16-byte loads of Q and K rows.
  const void* q = nullptr;
  const void* k = nullptr;
  std::int64_t q_strides[3] = {0, 0, 0};
  std::int64_t k_strides[3] = {0, 0, 0};
  // One or two samples in one launch (ARM's local and global samples), each with its own band.
  BandRecallSample samples[kMaxBandRecallSamples];
  int sample_count = 1;
  int batch = 0;
  int heads = 0;
  std::int64_t len = 0;
  int head_dim = 0;  // 64, 96 or 128
  AttentionDtype dtype = AttentionDtype::kBf16;
};

// Launches on `stream`; throws std::invalid_argument for unsupported params and
// std::runtime_error for a launch error.
void band_recall(const BandRecallParams& params, cudaStream_t stream);

}  // namespace astraea::kernels
