#include "kernels/band_recall.h"
#include "kernels/hopper_ptx.cuh"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace astraea::kernels {
namespace {

namespace ptx = astraea::kernels::ptx;

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kRowTiles = 2;                             // m16 tiles per warp: each key fragment feeds two MMAs
constexpr int kRowsPerBlock = kWarps * kRowTiles * 16;  // 128
constexpr int kKeysPerTile = 64;                         // eight n8 tiles
constexpr int kKeyTiles = kKeysPerTile / 8;

// Blocks per SM the register budget is set for: four at head dim 64 (128 registers, no spills;
// ncu showed v4 latency-bound at three), three above (four would spill).
constexpr int kMinBlocksPerSm(int head_dim) { return head_dim == 64 ? 4 : 3; }

template <typename T>
struct Mma;

template <>
struct Mma<__nv_bfloat16> {
  __device__ static void run(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

template <>
struct Mma<__half> {
  __device__ static void run(float (&c)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

template <typename T>
__device__ std::uint32_t load_pair(const T* p) {
  return *reinterpret_cast<const std::uint32_t*>(p);
}

__device__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// One block: 128 sampled query rows of one slice and one sample (4 warps x two m16 tiles) against
// every key of that sample, 64 keys at a time. Fragment layouts are those of mma.m16n8k16: lane =
// 4 g + c holds rows g and g + 8, columns 2c, 2c + 1 (and 2c + 8, 2c + 9 of A).
template <typename T, int D>
__global__ void __launch_bounds__(kThreads, kMinBlocksPerSm(D)) band_recall_kernel(const BandRecallParams p) {
  constexpr int kSteps = D / 16;
  constexpr int kPitch = D + 8;  // 16 bytes of padding per key row: the fragment reads hit 32 banks
  __shared__ __align__(16) T keys[2][kKeysPerTile * kPitch];  // double-buffered: the next tile loads during this one

  const BandRecallSample sample = blockIdx.z == 0 ? p.samples[0] : p.samples[1];
  const int n = sample.n;
  if (static_cast<int>(blockIdx.x) * kRowsPerBlock >= n) return;  // the other sample has more rows
  const int slice = blockIdx.y;
  const std::int64_t b = slice / p.heads, h = slice % p.heads;
  const T* q = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1];
  const T* k = static_cast<const T*>(p.k) + b * p.k_strides[0] + h * p.k_strides[1];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, c2 = (lane % 4) * 2;
  const int row0 = blockIdx.x * kRowsPerBlock + warp * kRowTiles * 16;

  // This thread's rows: r = row0 + 16 m + g + 8 half, for m < kRowTiles and half < 2.
  std::uint32_t a[kRowTiles][kSteps][4];
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int r = row0 + 16 * m + g + 8 * half;
      const T* row = r < n ? q + sample.positions[r] * p.q_strides[2] : nullptr;
#pragma unroll
      for (int s = 0; s < kSteps; ++s) {
        a[m][s][half] = row ? load_pair(row + 16 * s + c2) : 0u;
        a[m][s][half + 2] = row ? load_pair(row + 16 * s + c2 + 8) : 0u;
      }
    }
  }

  const float scale_log2 = 1.4426950408889634f / sqrtf(static_cast<float>(D));
  const int width = static_cast<int>(sample.half_width < n ? sample.half_width : n);
  // Running max of the raw scores (the scale is positive, so it is the max of the scaled ones).
  float running_max[kRowTiles][2], full[kRowTiles][2], band[kRowTiles][2];
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
    for (int half = 0; half < 2; ++half) running_max[m][half] = -INFINITY, full[m][half] = 0.f, band[m][half] = 0.f;
  }

  // Gathers sampled keys [key0, key0 + 64) into buffer `buffer` by cp.async; keys past n are zeros.
  const auto load_tile = [&](int buffer, int key0) {
    constexpr int kVectorsPerKey = D / 8;
    for (int v = threadIdx.x; v < kKeysPerTile * kVectorsPerKey; v += kThreads) {
      const int key = v / kVectorsPerKey, part = v % kVectorsPerKey;
      const auto dst = static_cast<std::uint32_t>(__cvta_generic_to_shared(&keys[buffer][key * kPitch + 8 * part]));
      if (key0 + key < n) {
        ptx::cp_async_16(dst, k + sample.positions[key0 + key] * p.k_strides[2] + 8 * part);
      } else {
        ptx::st_shared_zero_16(dst);
      }
    }
    ptx::cp_async_commit();
  };

  load_tile(0, 0);
  for (int tile = 0, key0 = 0; key0 < n; ++tile, key0 += kKeysPerTile) {
    const int buffer = tile % 2;
    if (key0 + kKeysPerTile < n) {
      load_tile(buffer ^ 1, key0 + kKeysPerTile);  // its buffer was released by the barrier that ended the last tile
      ptx::cp_async_wait_group<1>();
    } else {
      ptx::cp_async_wait_group<0>();
    }
    __syncthreads();  // this tile's keys are in shared memory for every thread
    if (row0 < n) {  // a warp past the last row only keeps the barriers
      float scores[kRowTiles][kKeyTiles][4];
#pragma unroll
      for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
        for (int t = 0; t < kKeyTiles; ++t) scores[m][t][0] = scores[m][t][1] = scores[m][t][2] = scores[m][t][3] = 0.f;
      }
#pragma unroll
      for (int t = 0; t < kKeyTiles; ++t) {
        const T* key_row = &keys[buffer][(8 * t + g) * kPitch + c2];
#pragma unroll
        for (int s = 0; s < kSteps; ++s) {
          const std::uint32_t b0 = load_pair(key_row + 16 * s), b1 = load_pair(key_row + 16 * s + 8);
#pragma unroll
          for (int m = 0; m < kRowTiles; ++m) Mma<T>::run(scores[m][t], a[m][s], b0, b1);
        }
      }

      const bool partial_tile = key0 + kKeysPerTile > n;  // only the last tile has keys past n
      const int last_key = key0 + kKeysPerTile - 1;
#pragma unroll
      for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const int r = row0 + 16 * m + g + 8 * half;
          if (partial_tile) {  // a uniform branch: full tiles carry no per-score test
#pragma unroll
            for (int t = 0; t < kKeyTiles; ++t) {
#pragma unroll
              for (int e = 0; e < 2; ++e) {
                if (key0 + 8 * t + c2 + e >= n) scores[m][t][2 * half + e] = -INFINITY;
              }
            }
          }
          float tile_max = -INFINITY;
#pragma unroll
          for (int t = 0; t < kKeyTiles; ++t) tile_max = fmaxf(tile_max, fmaxf(scores[m][t][2 * half], scores[m][t][2 * half + 1]));
          // Every tile holds a valid key, and the quad covers the tile's 64 columns: the max is finite.
          const float next_max = fmaxf(running_max[m][half], quad_max(tile_max));
          const float shift = next_max * scale_log2;
          const float rescale = ptx::exp2_approx(fmaf(running_max[m][half], scale_log2, -shift));
          float tile_full = 0.f;
#pragma unroll
          for (int t = 0; t < kKeyTiles; ++t) {
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              float& x = scores[m][t][2 * half + e];
              x = ptx::exp2_approx(fmaf(x, scale_log2, -shift));
              tile_full += x;
            }
          }
          // Most tiles lie wholly inside or wholly outside the row's band |r - j| <= width; only
          // the tiles its edges cross are summed key by key.
          float tile_band = 0.f;
          if (key0 >= r - width && last_key <= r + width) {
            tile_band = tile_full;
          } else if (last_key >= r - width && key0 <= r + width) {
#pragma unroll
            for (int t = 0; t < kKeyTiles; ++t) {
#pragma unroll
              for (int e = 0; e < 2; ++e) tile_band += abs(r - (key0 + 8 * t + c2 + e)) <= width ? scores[m][t][2 * half + e] : 0.f;
            }
          }
          running_max[m][half] = next_max;
          full[m][half] = full[m][half] * rescale + tile_full;
          band[m][half] = band[m][half] * rescale + tile_band;
        }
      }
    }
    __syncthreads();  // every warp is done with this buffer before the next tile's load refills it
  }

  float mean_part = 0.f;  // this thread's rows' share of the slice mean (one lane per quad)
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      // The quad's four threads share each row's max; their partial sums add.
      const float whole = quad_sum(full[m][half]), in_band = quad_sum(band[m][half]);
      const int r = row0 + 16 * m + g + 8 * half;
      if (lane % 4 == 0 && r < n) {
        const float recall = in_band / whole;
        if (sample.row_recall) sample.row_recall[static_cast<std::int64_t>(slice) * n + r] = recall;
        mean_part += recall;
      }
    }
  }
  if (sample.slice_mean) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) mean_part += __shfl_xor_sync(0xffffffffu, mean_part, offset);
    if (lane == 0 && row0 < n) atomicAdd(sample.slice_mean + slice, mean_part / static_cast<float>(n));
  }
}

template <typename T, int D>
void launch(const BandRecallParams& p, cudaStream_t stream) {
  int rows = 0;
  for (int i = 0; i < p.sample_count; ++i) rows = rows > p.samples[i].n ? rows : p.samples[i].n;
  const dim3 grid(static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock), static_cast<unsigned>(p.batch * p.heads),
                  static_cast<unsigned>(p.sample_count));
  band_recall_kernel<T, D><<<grid, kThreads, 0, stream>>>(p);
  check_launch("band_recall_kernel");
}

template <typename T>
void dispatch_head_dim(const BandRecallParams& p, cudaStream_t stream) {
  switch (p.head_dim) {
    case 64: return launch<T, 64>(p, stream);
    case 96: return launch<T, 96>(p, stream);
    case 128: return launch<T, 128>(p, stream);
    default: throw std::invalid_argument("band_recall: head_dim " + std::to_string(p.head_dim) + " (supported: 64, 96, 128)");
  }
}

}  // namespace

void band_recall(const BandRecallParams& p, cudaStream_t stream) {
  if (p.sample_count < 1 || p.sample_count > kMaxBandRecallSamples) throw std::invalid_argument("band_recall: sample_count must be 1 or 2");
  if (p.batch <= 0 || p.heads <= 0 || p.len <= 0) throw std::invalid_argument("band_recall: batch, heads and len must be positive");
  for (int i = 0; i < p.sample_count; ++i) {
    const BandRecallSample& s = p.samples[i];
    if (s.n <= 0 || s.half_width < 0) throw std::invalid_argument("band_recall: a sample's n must be positive and half_width >= 0");
    if (!s.positions || (!s.row_recall && !s.slice_mean)) throw std::invalid_argument("band_recall: a null pointer");
  }
  if (static_cast<std::int64_t>(p.batch) * p.heads > 65535) throw std::invalid_argument("band_recall: more than 65535 batch*head slices");
  if (!p.q || !p.k) throw std::invalid_argument("band_recall: a null pointer");
  const auto misaligned = [](const void* ptr, std::uintptr_t bytes) { return reinterpret_cast<std::uintptr_t>(ptr) % bytes != 0; };
  for (int i = 0; i < 3; ++i) {
    if (p.k_strides[i] % 8 != 0 || p.q_strides[i] % 2 != 0) {
      throw std::invalid_argument("band_recall: K strides must be multiples of 8 elements and Q strides even");
    }
  }
  if (misaligned(p.k, 16) || misaligned(p.q, 4)) throw std::invalid_argument("band_recall: K must be 16-byte and Q 4-byte aligned");
  if (p.dtype == AttentionDtype::kBf16) return dispatch_head_dim<__nv_bfloat16>(p, stream);
  return dispatch_head_dim<__half>(p, stream);
}

}  // namespace astraea::kernels
