#include "kernels/band_recall.h"
#include "kernels/hopper_ptx.cuh"
#include "kernels/launch_check.h"
#include "kernels/wgmma_ops.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <atomic>
#include <climits>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace astraea::kernels {
namespace {

namespace ptx = astraea::kernels::ptx;

constexpr int kThreads = 128;      // one warpgroup
constexpr int kRowTiles = 2;       // wgmma m64 tiles per block: each key tile feeds both
constexpr int kRowsPerBlock = 64 * kRowTiles;
static_assert(kRowsPerBlock == kBandRecallRowsPerBlock, "band_recall_row_blocks counts blocks of this many rows");
constexpr int kKeysPerTile = 64;   // wgmma N
constexpr int kKeyTiles = kKeysPerTile / 8;

// Sums are kept against a per-thread shift (log2 domain) that moves only when it must: a tile
// whose sum would pass 2^100 (a score more than ~100 doublings above the shift) is not added; the
// block scores that tile again with the tile's own maximum (see `redo` below). No sum can
// overflow: the exact path adds at most 16 per tile (every term <= 1) after scaling the old sums
// down, the fast path at most 2^100, and a row has fewer than 2^25 tiles (n < 2^31), so a
// thread's sums stay below 2^125 and the quad's four below 2^127.
constexpr float kTileSumLimit = 0x1p100f;

// Shared-memory layout of 16-bit rows as wgmma reads them (and as TMA would write them): the head
// dim is cut into chunks of kSwizzleBytes per row; each chunk holds its rows one after another,
// and inside every 8-row atom the 16-byte pieces are XOR-swizzled with the row.
template <int D>
struct Layout {
  static constexpr int kSwizzleBytes = (D * 2) % 128 == 0 ? 128 : 64;
  static constexpr int kChunkElems = kSwizzleBytes / 2;
  static constexpr int kVectorsPerRow = D / 8;
  static constexpr int kSwizzleCode = kSwizzleBytes == 128 ? 1 : 2;
  static constexpr int kAtomBytes = 8 * kSwizzleBytes;
  static constexpr int kQBytes = kRowsPerBlock * D * 2;
  static constexpr int kKeyTileBytes = kKeysPerTile * D * 2;
  // Key tiles resident: the one being read, the next (landed or landing) and the one after.
  static constexpr int kStages = 3;
  // Blocks per SM that the registers must allow. At head dim 64 four (128 registers, no spills):
  // five would cap them at 96, where ptxas spills inside the key loop and the kernel runs 2% slower
  // (kernels/NOTES.md, v13).
  static constexpr int kMinBlocksPerSm = D == 64 ? 4 : (D == 96 ? 3 : 2);
  static constexpr int kSmemBytes = kQBytes + kStages * kKeyTileBytes + 1024;  // + alignment slack

  // Byte offset of 16-byte piece `vector` of row `row` in a region of `rows` rows.
  __device__ static std::uint32_t offset(int rows, int row, int vector) { return ptx::swizzled_piece_offset(kSwizzleBytes, rows, row, vector); }
  // Byte offset, in a region of `rows` rows, of k-step `step` (16 columns) from row `first_row`:
  // where a wgmma operand starts. The kernel adds it, in 16-byte units, to a region's descriptor.
  __host__ __device__ static constexpr std::uint32_t step_offset(int rows, int first_row, int step) {
    return static_cast<std::uint32_t>((16 * step / kChunkElems) * rows * kSwizzleBytes + first_row * kSwizzleBytes + (16 * step % kChunkElems) * 2);
  }
  __device__ static std::uint64_t descriptor(std::uint32_t region) { return ptx::matrix_descriptor(region, 16, kAtomBytes, kSwizzleCode); }
};

__device__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// How a key tile lies against the bands of a warp's 16 rows of an m-tile: inside every row's band,
// outside every one, or crossed by an edge of some row's band (each row then tests for itself).
// Warp-uniform, so most tiles take no per-row test at all.
enum class Cover { kNone, kWhole, kEdge };

// One row's sums over the keys seen so far, in units of 2^shift.
struct RowSums {
  float shift = -INFINITY;
  float full = 0.f;
  float band = 0.f;
};

// A thread's part of one row in one key tile: the 16 values at keys key0 + 8 t + c2 + e.
struct RowTile {
  float* values;  // stride 4 apart in the accumulator: values[4 t + e]
  int row;
  int key0;
  int c2;
  int width;
  __device__ float& at(int t, int e) const { return values[4 * t + e]; }

  // Exponentiates the values against `shift` in place and returns their sum. Branch-free, so the
  // caller can put several rows' calls side by side for the scheduler to interleave.
  __device__ float exponentiate(float shift, float scale_log2) const {
    float pair[kKeyTiles];
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) {
#pragma unroll
      for (int e = 0; e < 2; ++e) at(t, e) = ptx::exp2_approx(fmaf(at(t, e), scale_log2, -shift));
      pair[t] = at(t, 0) + at(t, 1);
    }
    static_assert(kKeyTiles == 8, "the sum below is written out for eight pairs");
    return ((pair[0] + pair[1]) + (pair[2] + pair[3])) + ((pair[4] + pair[5]) + (pair[6] + pair[7]));
  }

  // exponentiate() for the last key tile, whose keys that exist all lie in its first `groups`
  // groups of eight: the other groups are set to 0 without an exponential.
  __device__ float exponentiate_head(float shift, float scale_log2, int groups) const {
    float sum = 0.f;
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) {
      if (t < groups) {
#pragma unroll
        for (int e = 0; e < 2; ++e) at(t, e) = ptx::exp2_approx(fmaf(at(t, e), scale_log2, -shift));
        sum += at(t, 0) + at(t, 1);
      } else {
        at(t, 0) = at(t, 1) = 0.f;
      }
    }
    return sum;
  }

  // The part of the exponentiated tile (summing to `whole`) inside the band |row - j| <= width.
  // Most tiles lie wholly inside or wholly outside it; only those its edges cross are summed key
  // by key.
  __device__ float in_band(float whole) const {
    const int last_key = key0 + kKeysPerTile - 1;
    if (key0 >= row - width && last_key <= row + width) return whole;
    if (last_key < row - width || key0 > row + width) return 0.f;
    // An edge crosses the tile: columns [row - width - key0, row + width - key0] of it are in the
    // band, and this thread's columns are 8 t + e + c2.
    const int first_in = row - width - key0 - c2;
    const unsigned span = 2u * static_cast<unsigned>(width);
    float sum = 0.f;
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) {
#pragma unroll
      for (int e = 0; e < 2; ++e) sum += static_cast<unsigned>(8 * t + e - first_in) <= span ? at(t, e) : 0.f;
    }
    return sum;
  }

  // Adds the tile with the row's shift raised to the tile's maximum where needed (the first tile,
  // and tiles the fast path refused).
  __device__ void add_exact(RowSums& s, float scale_log2) const {
    float top = -INFINITY;
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) top = fmaxf(top, fmaxf(at(t, 0), at(t, 1)));
    const float shift = fmaxf(s.shift, top * scale_log2);
    if (shift == -INFINITY) return;  // none of this thread's keys in the tile exists
    const float rescale = ptx::exp2_approx(s.shift - shift);  // 0 for the first valid tile
    const float whole = exponentiate(shift, scale_log2);
    s.shift = shift;
    s.full = fmaf(s.full, rescale, whole);
    s.band = fmaf(s.band, rescale, in_band(whole));
  }

  // The fast path's second half, after exponentiate(s.shift): adds the tile (summing to `whole`)
  // to the row's full sum against its current shift and returns true, or adds nothing and returns
  // false if its sum would pass kTileSumLimit (which includes a shift of -inf: no key seen yet).
  // The caller adds the band's part of an accepted tile. Branch-free.
  __device__ static bool add_to_full(RowSums& s, float whole) {
    const bool accepted = whole <= kTileSumLimit;
    s.full += accepted ? whole : 0.f;
    return accepted;
  }
};

// The token position of sample row i: listed in device memory, or start + i * step (ARM's samples),
// which costs no load. Positions are below 2^31 (band_recall checks).
template <bool kListed>
struct SamplePositions {
  const std::int64_t* listed;
  std::uint32_t start, step;
  __device__ std::uint32_t operator[](int i) const {
    if constexpr (kListed) {
      return static_cast<std::uint32_t>(listed[i]);
    } else {
      return start + static_cast<std::uint32_t>(i) * step;
    }
  }
};

// Gathers kRows sampled rows, from sample index `first`, into a swizzled region by cp.async (not
// committed); rows past n are zeros. Each thread copies the same pieces in every call, so the
// loops unroll; only a region that reaches past n tests rows one by one.
template <int D, int kRows, bool kListed>
__device__ void gather_rows(std::uint32_t region, const std::uint8_t* base, int row_bytes, SamplePositions<kListed> positions, int first, int n) {
  using L = Layout<D>;
  constexpr int kPieces = kRows * L::kVectorsPerRow;
  static_assert(kPieces % kThreads == 0, "every thread copies the same number of pieces");
  const auto source = [&](int row, int part) {
    // Positions and row strides in bytes are below 2^31 (band_recall checks): one wide multiply-add.
    const std::uint32_t position = positions[first + row];
    return base + (static_cast<std::uint64_t>(position) * static_cast<std::uint32_t>(row_bytes) + 16u * static_cast<unsigned>(part));
  };
  if (first + kRows <= n) {  // every region but the last: no per-row test
#pragma unroll
    for (int i = 0; i < kPieces / kThreads; ++i) {
      const int v = static_cast<int>(threadIdx.x) + i * kThreads;
      const int row = v / L::kVectorsPerRow, part = v % L::kVectorsPerRow;
      ptx::cp_async_16(region + L::offset(kRows, row, part), source(row, part));
    }
    return;
  }
#pragma unroll
  for (int i = 0; i < kPieces / kThreads; ++i) {
    const int v = static_cast<int>(threadIdx.x) + i * kThreads;
    const int row = v / L::kVectorsPerRow, part = v % L::kVectorsPerRow;
    const std::uint32_t dst = region + L::offset(kRows, row, part);
    if (first + row < n) {
      ptx::cp_async_16(dst, source(row, part));
    } else {
      ptx::st_shared_zero_16(dst);
    }
  }
}

// A progression sample's key tiles, gathered by cp.async (not committed) with no position loads
// and no per-piece address arithmetic: every thread copies the same pieces of every tile, rows
// kRowStep apart, so its source address advances by one stride a tile and its pieces lie at fixed
// offsets in the key region (kRowStep is a multiple of the 8-row swizzle atom). Head dims 64 and
// 128; the caller calls copy() once per tile, in order, for tiles whose 64 rows all exist.
template <int D>
struct ProgressionKeyGather {
  using L = Layout<D>;
  static constexpr bool kSupported = kThreads % L::kVectorsPerRow == 0 && (kThreads / L::kVectorsPerRow) % 8 == 0;
  static constexpr int kRowStep = kThreads / L::kVectorsPerRow;
  static constexpr int kPieces = kKeysPerTile / kRowStep;

  const std::uint8_t* source;  // this thread's first piece of the next tile
  std::uint64_t piece_stride;  // kRowStep sample rows, in bytes
  std::uint64_t tile_stride;   // kKeysPerTile sample rows, in bytes
  std::uint32_t offset;        // its first piece's offset in a key region

  __device__ ProgressionKeyGather(const std::uint8_t* base, std::uint32_t row_bytes, std::uint32_t start, std::uint32_t step) {
    const int row = static_cast<int>(threadIdx.x) / L::kVectorsPerRow, part = static_cast<int>(threadIdx.x) % L::kVectorsPerRow;
    const std::uint64_t sample_row_bytes = static_cast<std::uint64_t>(step) * row_bytes;
    source = base + (static_cast<std::uint64_t>(start + static_cast<std::uint32_t>(row) * step) * row_bytes + 16u * static_cast<unsigned>(part));
    piece_stride = kRowStep * sample_row_bytes;
    tile_stride = kKeysPerTile * sample_row_bytes;
    offset = L::offset(kKeysPerTile, row, part);
  }

  __device__ void copy(std::uint32_t region) {
    const std::uint32_t dst = region + offset;
#pragma unroll
    for (int i = 0; i < kPieces; ++i) ptx::cp_async_16(dst + i * kRowStep * L::kSwizzleBytes, source + i * piece_stride);
    source += tile_stride;
  }
};

// One block: one warpgroup, 128 sampled query rows (two m64 tiles) of one slice and one sample,
// against every key of that sample, 64 keys at a time. Q's rows and each key tile are gathered by
// cp.async into swizzled shared memory; S = Q K^T of a tile is two wgmma m64n64 chains. In the
// accumulator, thread (warp w, lane 4 g + c) holds rows 16 w + g and 16 w + g + 8 of each m64 tile,
// at keys 8 t + 2 c and 8 t + 2 c + 1 (t < 8).
template <typename T, int D, bool kListed>
__global__ void __launch_bounds__(kThreads, Layout<D>::kMinBlocksPerSm) band_recall_kernel(const BandRecallParams p) {
  using L = Layout<D>;
  constexpr int kSteps = D / 16;
  constexpr int kStages = L::kStages;
  extern __shared__ std::uint8_t shared_raw[];
  const std::uint32_t q_smem = (ptx::smem_address(shared_raw) + 1023u) & ~1023u;
  const auto key_smem = [&](int stage) { return q_smem + L::kQBytes + stage * L::kKeyTileBytes; };

  const BandRecallSample sample = blockIdx.z == 0 ? p.samples[0] : p.samples[1];
  const int n = sample.n;
  const int first_row = blockIdx.x * kRowsPerBlock;
  if (first_row >= n) return;  // the other sample has more rows
  const int slice = blockIdx.y;
  const std::int64_t b = slice / p.heads, h = slice % p.heads;
  const T* q = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1];
  const T* k = static_cast<const T*>(p.k) + b * p.k_strides[0] + h * p.k_strides[1];
  // The warp index through a shuffle from lane 0, so that the compiler knows it is warp-uniform
  // and keeps per-warp bounds and branches in uniform registers.
  const int warp = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x) / 32, 0), lane = threadIdx.x % 32;
  const int g = lane / 4, c2 = (lane % 4) * 2;

  // Gathers `rows` sampled rows starting at sample index `first` into a swizzled region; rows past
  // n are zeros. Not committed.
  const SamplePositions<kListed> positions{sample.positions, static_cast<std::uint32_t>(sample.start), static_cast<std::uint32_t>(sample.step)};
  const auto gather = [&](std::uint32_t region, auto rows_constant, const T* base, std::int64_t stride, int first) {
    gather_rows<D, decltype(rows_constant)::value>(region, reinterpret_cast<const std::uint8_t*>(base), static_cast<int>(stride * sizeof(T)),
                                                  positions, first, n);
  };
  const int tiles = (n + kKeysPerTile - 1) / kKeysPerTile;
  using Walker = ProgressionKeyGather<D>;
  constexpr bool kWalk = !kListed && Walker::kSupported;
  Walker walker(reinterpret_cast<const std::uint8_t*>(k), static_cast<std::uint32_t>(p.k_strides[2] * sizeof(T)),
                static_cast<std::uint32_t>(sample.start), static_cast<std::uint32_t>(sample.step));
  // Key tile `tile` into buffer `stage`; always commits a group, empty past the last tile.
  const auto load_keys = [&](int tile, int stage) {
    if (tile < tiles) {
      if (kWalk && tile < n / kKeysPerTile) {
        walker.copy(key_smem(stage));
      } else {
        gather(key_smem(stage), std::integral_constant<int, kKeysPerTile>{}, k, p.k_strides[2], tile * kKeysPerTile);
      }
    }
    ptx::cp_async_commit();
  };

  const float scale_log2 = 1.4426950408889634f / sqrtf(static_cast<float>(D));
  const int width = static_cast<int>(sample.half_width < n ? sample.half_width : n);
  RowSums rows[kRowTiles][2];
  float scores[kRowTiles][kKeysPerTile / 2];  // S of one m64 tile each, in flight or being read

  // Issues S = Q K^T of m-tile `m` against the key tile in buffer `stage` into `acc`,
  // as one wgmma group. The descriptors are made once; each operand adds its offset (the address
  // field is the descriptor's low bits, in 16-byte units, and shared memory ends well before it
  // would carry).
  const std::uint64_t q_descriptor = L::descriptor(q_smem), key_descriptor = L::descriptor(key_smem(0));
  const auto issue = [&](int m, int stage, float(&acc)[kKeysPerTile / 2]) {
    const std::uint64_t keys = key_descriptor + static_cast<std::uint32_t>(stage) * (L::kKeyTileBytes >> 4);
    ptx::wgmma_fence();
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
      Wgmma<T, kKeysPerTile>::template ss<0>(acc, q_descriptor + (L::step_offset(kRowsPerBlock, 64 * m, s) >> 4),
                                             keys + (L::step_offset(kKeysPerTile, 0, s) >> 4), s > 0 ? 1 : 0);
    }
    ptx::wgmma_commit();
  };
  // Makes `acc` readable once its wgmma group has completed (the caller waits); keys of `tile` past
  // n become -inf. A steady tile (see the key loop) has all its keys.
  const auto land = [&](float(&acc)[kKeysPerTile / 2], int tile, auto steady) {
#pragma unroll
    for (int i = 0; i < kKeysPerTile / 2; ++i) ptx::fence_operand(acc[i]);
    if constexpr (decltype(steady)::value) return;
    const int key0 = tile * kKeysPerTile;
    if (key0 + kKeysPerTile > n) {  // a uniform branch: only the last tile has keys past n
#pragma unroll
      for (int i = 0; i < kKeysPerTile / 2; ++i) {
        if (key0 + 8 * (i / 4) + c2 + (i % 2) >= n) acc[i] = -INFINITY;
      }
    }
  };
  const int my_row = first_row + 16 * warp + g;  // this thread's rows are my_row + 64 m + 8 half
  const auto row_tile = [&](float(&acc)[kKeysPerTile / 2], int m, int half, int tile) {
    return RowTile{&acc[2 * half], my_row + 64 * m + 8 * half, tile * kKeysPerTile, c2, width};
  };
  // This warp's rows of m-tile m are [lo, lo + 15]; how key tile `tile` lies against their bands.
  const auto cover = [&](int m, int tile) {
    const int lo = first_row + 64 * m + 16 * warp, hi = lo + 15;
    const int key0 = tile * kKeysPerTile, last_key = key0 + kKeysPerTile - 1;
    if (key0 >= hi - width && last_key <= lo + width) return Cover::kWhole;
    if (last_key < lo - width || key0 > hi + width) return Cover::kNone;
    return Cover::kEdge;
  };
  // Adds m-tile m's part of `tile` to its rows; returns the rows the fast path refused (bit = half).
  // A steady tile is neither the first nor the last, so neither test is made.
  const auto consume = [&](int m, int tile, auto steady) {
    constexpr bool kSteady = decltype(steady)::value;
    unsigned refused = 0;
    if (first_row + 64 * m + 16 * warp >= n) return refused;  // the last block: none of this warp's rows exists
    const RowTile parts[2] = {row_tile(scores[m], m, 0, tile), row_tile(scores[m], m, 1, tile)};
    if (!kSteady && tile == 0) {
      for (int half = 0; half < 2; ++half) parts[half].add_exact(rows[m][half], scale_log2);
      return refused;
    }
    // Both rows' exponentials first, with no branch between them, then the band tests.
    float whole[2];
    const int key0 = tile * kKeysPerTile;
    if (kSteady || key0 + kKeysPerTile <= n) {
#pragma unroll
      for (int half = 0; half < 2; ++half) whole[half] = parts[half].exponentiate(rows[m][half].shift, scale_log2);
    } else {  // the last tile, with n - key0 keys
      const int groups = (n - key0 + 7) / 8;
#pragma unroll
      for (int half = 0; half < 2; ++half) whole[half] = parts[half].exponentiate_head(rows[m][half].shift, scale_log2, groups);
    }
    // Then the band: the whole tile or none of it, but for the few tiles an edge of the warp's
    // bands crosses. One test for both rows, so a tile inside or outside takes one branch.
    const Cover c = cover(m, tile);
#pragma unroll
    for (int half = 0; half < 2; ++half) refused |= parts[half].add_to_full(rows[m][half], whole[half]) ? 0u : 1u << half;
    if (c == Cover::kEdge) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const float part = parts[half].in_band(whole[half]);
        rows[m][half].band += (refused >> half) & 1u ? 0.f : part;
      }
    } else if (c == Cover::kWhole) {
#pragma unroll
      for (int half = 0; half < 2; ++half) rows[m][half].band += (refused >> half) & 1u ? 0.f : whole[half];
    }
    return refused;
  };
  // Scores m-tile m of `tile` (in buffer `stage`) again into scores[0] (read already; the other
  // m-tile may be in flight) and adds the refused rows exactly. Every thread of the block calls it.
  const auto redo = [&](int m, int tile, int stage, unsigned refused) {
    issue(m, stage, scores[0]);
    ptx::wgmma_wait<0>();
    land(scores[0], tile, std::false_type{});
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      if (refused & (1u << half)) row_tile(scores[0], m, half, tile).add_exact(rows[m][half], scale_log2);
    }
  };

  // The two m-tiles are software-pipelined, one wgmma group in flight at a time: each m-tile's
  // scores are read while the other's wgmma runs (m-tile 1 of this key tile, then m-tile 0 of the
  // next). Key tiles are three deep: tile t + 1 lands during tile t, and tile t + 2 is requested
  // once every warp is past tile t - 1. The last tile also issues the next m-tile 0, on stale
  // keys, never read: a wgmma under a condition would make ptxas serialise them all.
  static_assert(kStages == 3, "the pipeline below assumes three key buffers");
  gather(q_smem, std::integral_constant<int, kRowsPerBlock>{}, q, p.q_strides[2], first_row);
  load_keys(0, 0);  // one group with Q
  load_keys(1, 1);
  ptx::cp_async_wait_group<1>();
  ptx::fence_proxy_async_shared();
  __syncthreads();
  issue(0, 0, scores[0]);
  ptx::wgmma_wait<0>();
  unsigned late = 0;  // this thread's rows of m-tile 1 that the previous tile refused
  // The buffers of tiles t - 1 (and t + 2), t and t + 1, counted along instead of taken modulo 3.
  int before = kStages - 1, current = 0, after = 1;
  // One key tile. A steady one (neither the first nor the last, and the tile it requests has all
  // its keys) makes none of the tests for the first tile, the last tile or a short gather. Steady
  // tiles run as a loop of their own, so most tiles take no branch but the band test's, the
  // refusal test's and the loop's.
  const auto step = [&](int tile, auto steady) {
    constexpr bool kSteady = decltype(steady)::value;
    issue(1, current, scores[1]);
    land(scores[0], tile, steady);
    const unsigned early = consume(0, tile, steady);
    ptx::cp_async_wait_group<0>();  // tile + 1 has landed
    ptx::fence_proxy_async_shared();
    if (__syncthreads_or((early | late) != 0)) {  // rare: a score far above a row's shift
      if (__syncthreads_or(late != 0)) redo(1, tile - 1, before, late);
      if (__syncthreads_or(early != 0)) redo(0, tile, current, early);
    }
    // Tile + 2 into the buffer of tile - 1, which every warp has finished.
    if constexpr (kSteady && kWalk) {
      walker.copy(key_smem(before));
      ptx::cp_async_commit();
    } else {
      load_keys(tile + 2, before);
    }
    ptx::wgmma_wait<0>();
    issue(0, after, scores[0]);
    land(scores[1], tile, steady);
    late = consume(1, tile, steady);
    ptx::wgmma_wait<0>();
    const int freed = before;  // holds tile + 2 now, the one after next
    before = current, current = after, after = freed;
  };
  // Steady tiles are 1 .. full - 3 (full: the tiles with all 64 keys).
  const int steady_end = n / kKeysPerTile - 2;
  for (int tile = 0; tile < tiles;) {
    if (tile >= 1 && tile < steady_end) {
      do {
        step(tile, std::true_type{});
      } while (++tile < steady_end);
    } else {
      step(tile++, std::false_type{});
    }
  }
  if (__syncthreads_or(late != 0)) redo(1, tiles - 1, before, late);

  float mean_part = 0.f;  // this thread's rows' share of the slice mean (one lane per quad)
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      // The quad's four threads hold the row's keys against their own shifts: bring them to one.
      const RowSums& s = rows[m][half];
      const float top = quad_max(s.shift);
      const float to_top = s.shift == -INFINITY ? 0.f : ptx::exp2_approx(s.shift - top);
      const float whole = quad_sum(s.full * to_top), in_band = quad_sum(s.band * to_top);
      const int r = my_row + 64 * m + 8 * half;
      if (lane % 4 == 0 && r < n) {
        const float recall = in_band / whole;
        if (sample.row_recall) sample.row_recall[static_cast<std::int64_t>(slice) * n + r] = recall;
        mean_part += recall;
      }
    }
  }
  if (sample.slice_mean || sample.block_means) {
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) mean_part += __shfl_xor_sync(0xffffffffu, mean_part, offset);
  }
  if (sample.slice_mean && lane == 0) atomicAdd(sample.slice_mean + slice, mean_part / static_cast<float>(n));
  if (sample.block_means) {
    __shared__ float warp_parts[kThreads / 32];
    if (lane == 0) warp_parts[warp] = mean_part;
    __syncthreads();
    if (threadIdx.x == 0) {
      float block_part = 0.f;
#pragma unroll
      for (int w = 0; w < kThreads / 32; ++w) block_part += warp_parts[w];
      sample.block_means[static_cast<std::int64_t>(slice) * band_recall_row_blocks(n) + blockIdx.x] = block_part / static_cast<float>(n);
    }
  }
}

template <typename T, int D, bool kListed>
void launch(const BandRecallParams& p, cudaStream_t stream) {
  int rows = 0;
  for (int i = 0; i < p.sample_count; ++i) rows = rows > p.samples[i].n ? rows : p.samples[i].n;
  const dim3 grid(static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock), static_cast<unsigned>(p.batch * p.heads),
                  static_cast<unsigned>(p.sample_count));
  constexpr int kSmem = Layout<D>::kSmemBytes;
  // The shared-memory limit is raised once per device (ARM launches this in every layer).
  static std::atomic<std::uint64_t> configured{0};
  int device = 0;
  check_cuda(cudaGetDevice(&device), "band_recall_kernel: current device");
  const std::uint64_t bit = device < 64 ? std::uint64_t{1} << device : 0;
  if (!bit || !(configured.load(std::memory_order_acquire) & bit)) {
    check_cuda(cudaFuncSetAttribute(band_recall_kernel<T, D, kListed>, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmem),
               "band_recall_kernel: shared memory size");
    configured.fetch_or(bit, std::memory_order_release);
  }
  band_recall_kernel<T, D, kListed><<<grid, kThreads, kSmem, stream>>>(p);
  check_launch("band_recall_kernel");
}

template <typename T, bool kListed>
void dispatch_head_dim(const BandRecallParams& p, cudaStream_t stream) {
  switch (p.head_dim) {
    case 64: return launch<T, 64, kListed>(p, stream);
    case 96: return launch<T, 96, kListed>(p, stream);
    case 128: return launch<T, 128, kListed>(p, stream);
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
    if (!s.row_recall && !s.slice_mean && !s.block_means) throw std::invalid_argument("band_recall: a null pointer");
    if ((s.positions != nullptr) != (p.samples[0].positions != nullptr)) {
      throw std::invalid_argument("band_recall: the samples of one launch must be both listed or both progressions");
    }
    if (!s.positions && (s.start < 0 || s.step < 1 || s.step > p.len || s.start + (s.n - 1) * s.step >= p.len)) {
      throw std::invalid_argument("band_recall: a progression sample must have start >= 0, step >= 1 and its last position below len");
    }
  }
  if (static_cast<std::int64_t>(p.batch) * p.heads > 65535) throw std::invalid_argument("band_recall: more than 65535 batch*head slices");
  if (p.len > INT32_MAX || p.q_strides[2] > INT32_MAX / 2 || p.k_strides[2] > INT32_MAX / 2) {
    throw std::invalid_argument("band_recall: len must be below 2^31 and row strides below 2^30 elements");
  }
  if (!p.q || !p.k) throw std::invalid_argument("band_recall: a null pointer");
  const auto misaligned = [](const void* ptr, std::uintptr_t bytes) { return reinterpret_cast<std::uintptr_t>(ptr) % bytes != 0; };
  for (int i = 0; i < 3; ++i) {
    if (p.k_strides[i] % 8 != 0 || p.q_strides[i] % 8 != 0) throw std::invalid_argument("band_recall: strides must be multiples of 8 elements");
  }
  if (misaligned(p.k, 16) || misaligned(p.q, 16)) throw std::invalid_argument("band_recall: Q and K must be 16-byte aligned");
  const bool listed = p.samples[0].positions != nullptr;
  if (p.dtype == AttentionDtype::kBf16) return listed ? dispatch_head_dim<__nv_bfloat16, true>(p, stream) : dispatch_head_dim<__nv_bfloat16, false>(p, stream);
  return listed ? dispatch_head_dim<__half, true>(p, stream) : dispatch_head_dim<__half, false>(p, stream);
}

}  // namespace astraea::kernels
