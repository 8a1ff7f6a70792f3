// The block-sparse attention kernel: persistent CTAs over (query block, head, batch) tiles. See
// block_sparse_attention_traits.h for the warpgroup roles and the shared-memory layout.
#pragma once

#include "kernels/block_sparse_attention.h"
#include "kernels/block_sparse_attention_masks.h"
#include "kernels/block_sparse_attention_softmax.cuh"
#include "kernels/hopper_ptx.cuh"
#include "kernels/wgmma_ops.cuh"

#include <cuda.h>

namespace astraea::kernels {

template <class Traits>
struct BlockSparseSmem {
  std::uint32_t base;  // shared-memory address, 1024-byte aligned
  __device__ std::uint32_t q() const { return base + Traits::kQOffset; }
  __device__ std::uint32_t k(int stage) const { return base + Traits::kKOffset + stage * Traits::kKvTileBytes; }
  __device__ std::uint32_t v(int stage) const { return base + Traits::kVOffset + stage * Traits::kKvTileBytes; }
  __device__ std::uint32_t barrier(int index) const { return base + Traits::kBarrierOffset + 8 * index; }
  __device__ std::uint32_t q_full() const { return barrier(0); }
  __device__ std::uint32_t q_empty() const { return barrier(1); }
  __device__ std::uint32_t k_full(int stage) const { return barrier(2 + stage); }
  __device__ std::uint32_t k_empty(int stage) const { return barrier(2 + Traits::kStages + stage); }
  __device__ std::uint32_t v_full(int stage) const { return barrier(2 + 2 * Traits::kStages + stage); }
  __device__ std::uint32_t v_empty(int stage) const { return barrier(2 + 3 * Traits::kStages + stage); }
};

// Position in the K/V ring of the `visit`-th key block this CTA loads (counted across tiles).
template <class Traits>
struct RingSlot {
  int stage;
  std::uint32_t parity;  // parity of the "full" barrier phase that this visit completes
  __device__ explicit RingSlot(int visit) : stage(visit % Traits::kStages), parity((visit / Traits::kStages) & 1) {}
};

// Tile `index` -> (query block, head, batch); query blocks vary fastest so that the CTAs running
// together share the keys and values of one head in L2.
struct Tile {
  int q_block, head, batch;
  __device__ Tile(int index, int q_blocks, int heads)
      : q_block(index % q_blocks), head((index / q_blocks) % heads), batch(index / q_blocks / heads) {}
};

// Loads a (rows x kHeadDim) tile starting at `row` as kChunks swizzled column chunks.
template <class Traits>
__device__ void load_tile(const CUtensorMap* map, std::uint32_t dst, std::uint32_t barrier, int row, int head, int batch,
                          int chunk_bytes) {
#pragma unroll
  for (int c = 0; c < Traits::kChunks; ++c) ptx::tma_load_4d(dst + c * chunk_bytes, map, barrier, c * Traits::kChunkElems, row, head, batch);
}

// Producer: per tile, Q (once the consumers have released the previous tile's Q), then K and V
// of every visited key block, each behind its ring slot's "empty" barrier. One thread issues
// everything.
template <class Traits, class Mask, class QueryRows>
__device__ void produce(const CUtensorMap* tma_q, const CUtensorMap* tma_k, const CUtensorMap* tma_v, const BlockSparseSmem<Traits>& smem,
                        const BlockSparseAttentionParams& p, int q_blocks, int tiles) {
  int visit = 0;
  int round = 0;
  for (int index = blockIdx.x; index < tiles; index += gridDim.x, ++round) {
    const Tile tile(index, q_blocks, p.heads);
    const auto row = Mask::row(p, tile.batch, tile.head, tile.q_block);
    if constexpr (!QueryRows::kGather) {
      ptx::mbarrier_wait(smem.q_empty(), (round & 1) ^ 1);
      ptx::mbarrier_arrive_expect_tx(smem.q_full(), Traits::kQTileBytes);
      load_tile<Traits>(tma_q, smem.q(), smem.q_full(), tile.q_block * Traits::kBlockM, tile.head, tile.batch, Traits::kQChunkBytes);
    }
    for (int it = 0; it < row.count; ++it, ++visit) {
      const RingSlot<Traits> slot(visit);
      const int key_row = row.block(it) * Traits::kBlockN;
      ptx::mbarrier_wait(smem.k_empty(slot.stage), slot.parity ^ 1);
      ptx::mbarrier_arrive_expect_tx(smem.k_full(slot.stage), Traits::kKvTileBytes);
      load_tile<Traits>(tma_k, smem.k(slot.stage), smem.k_full(slot.stage), key_row, tile.head, tile.batch, Traits::kKvChunkBytes);
      ptx::mbarrier_wait(smem.v_empty(slot.stage), slot.parity ^ 1);
      ptx::mbarrier_arrive_expect_tx(smem.v_full(slot.stage), Traits::kKvTileBytes);
      load_tile<Traits>(tma_v, smem.v(slot.stage), smem.v_full(slot.stage), key_row, tile.head, tile.batch, Traits::kKvChunkBytes);
    }
  }
}

// Query-row gather (GatheredQueryRows): `thread` in [0, threads) of the gathering warp copies the
// tile's kBlockM gathered rows as 16-byte vectors into the swizzled Q layout, then makes them visible
// to wgmma and arrives on q_full (initialised with `threads` arrivals). The swizzle is the one TMA
// writes (ptx::swizzled_piece_offset).
template <class Traits>
__device__ void gather_query_rows(const BlockSparseSmem<Traits>& smem, const BlockSparseAttentionParams& p, int q_blocks, int tiles,
                                  int thread, int threads) {
  using Element = typename Traits::Element;
  constexpr int kVectorBytes = 16;
  constexpr int kVectorsPerRow = Traits::kHeadDim * Traits::kElementBytes / kVectorBytes;
  constexpr int kElementsPerVector = kVectorBytes / Traits::kElementBytes;
  constexpr int kVectors = Traits::kBlockM * kVectorsPerRow;
  static_assert(Traits::kSwizzleBytes == 128 || Traits::kSwizzleBytes == 64, "gather supports 64- and 128-byte swizzles");
  int round = 0;
  for (int index = blockIdx.x; index < tiles; index += gridDim.x, ++round) {
    const Tile tile(index, q_blocks, p.heads);
    const std::int32_t* rows = p.q_rows + tile.batch * p.q_rows_batch_stride;
    const Element* q = static_cast<const Element*>(p.q) + tile.batch * p.q_batch_stride + tile.head * p.q_head_stride;
    ptx::mbarrier_wait_sleeping(smem.q_empty(), (round & 1) ^ 1, GatheredQueryRows::kSleepNs);
    for (int vector = thread; vector < kVectors; vector += threads) {
      const int r = vector / kVectorsPerRow;
      const int column = vector % kVectorsPerRow;
      const std::uint32_t dst = smem.q() + ptx::swizzled_piece_offset(Traits::kSwizzleBytes, Traits::kBlockM, r, column);
      const int q_row = tile.q_block * Traits::kBlockM + r;
      const int source = q_row < p.q_len ? __ldg(rows + q_row) : -1;
      if (source >= 0 && source < p.q_source_len) {
        ptx::cp_async_16(dst, q + static_cast<std::int64_t>(source) * p.q_row_stride + column * kElementsPerVector);
      } else {
        ptx::st_shared_zero_16(dst);
      }
    }
    ptx::cp_async_wait_all();
    ptx::fence_proxy_async_shared();
    ptx::mbarrier_arrive(smem.q_full());
  }
}

// S(64 x kBlockN) = Q(64 rows of this warpgroup) K^T; both operands K-major in shared memory.
template <class Traits>
__device__ void issue_qk(float (&s)[Traits::kSRegisters], std::uint32_t q_slab, std::uint32_t k_tile) {
#pragma unroll
  for (int step = 0; step < Traits::kQkSteps; ++step) {
    const int column = step * Traits::kWgmmaK;
    const int chunk = column / Traits::kChunkElems;
    const std::uint32_t offset = (column % Traits::kChunkElems) * Traits::kElementBytes;  // inside the swizzle row
    const auto desc_q = ptx::matrix_descriptor(q_slab + chunk * Traits::kQChunkBytes + offset, 16, Traits::kSwizzleAtomBytes, Traits::kSwizzleCode);
    const auto desc_k = ptx::matrix_descriptor(k_tile + chunk * Traits::kKvChunkBytes + offset, 16, Traits::kSwizzleAtomBytes, Traits::kSwizzleCode);
    Wgmma<typename Traits::Element, Traits::kBlockN>::template ss<0>(s, desc_q, desc_k, step > 0 ? 1 : 0);
  }
}

// O(64 x kHeadDim) += P(64 x kBlockN, registers) V(kBlockN x kHeadDim, N-major in shared memory).
template <class Traits>
__device__ void issue_pv(float (&o)[Traits::kORegisters], const std::uint32_t (&p)[Traits::kPRegisters], std::uint32_t v_tile) {
#pragma unroll
  for (int step = 0; step < Traits::kPvSteps; ++step) {
    const std::uint32_t a[4] = {p[4 * step], p[4 * step + 1], p[4 * step + 2], p[4 * step + 3]};
    const auto desc_v = ptx::matrix_descriptor(v_tile + step * Traits::kWgmmaK * Traits::kSwizzleBytes, Traits::kKvChunkBytes,
                                               Traits::kSwizzleAtomBytes, Traits::kSwizzleCode);
    Wgmma<typename Traits::Element, Traits::kHeadDim>::template rs<1>(o, a, desc_v, 1);
  }
}

// Consumer warpgroup, one tile: online softmax over the visited key blocks. The QK^T of block i
// is issued together with the PV of block i-1, so the tensor cores work while the previous P is
// rescaled. `first_visit` is the ring position of the tile's first key block; Q is released as
// soon as the last QK^T has completed, so the producer loads the next tile's Q during the stores.
template <class Traits, class Row>
__device__ void consume_tile(const BlockSparseAttentionParams& p, const BlockSparseSmem<Traits>& smem, const Row& row, const Tile& tile,
                             int consumer, int first_visit, std::uint32_t q_parity) {
  const int lane = threadIdx.x % 32;
  const int warp = (threadIdx.x / 32) % 4;
  const std::uint32_t q_slab = smem.q() + consumer * Traits::kRowsPerConsumer * Traits::kSwizzleBytes;
  float s[Traits::kSRegisters];
  float o[Traits::kORegisters];
  std::uint32_t p_packed[Traits::kPRegisters];
#pragma unroll
  for (int i = 0; i < Traits::kORegisters; ++i) o[i] = 0.f;
  OnlineSoftmax<Traits> softmax(p.softmax_scale, p.kv_len, lane);
  auto release_q_after = [&](int it) {
    if (it == row.count - 1 && lane == 0) ptx::mbarrier_arrive(smem.q_empty());
  };

  ptx::mbarrier_wait(smem.q_full(), q_parity);
  if (row.count == 0 && lane == 0) ptx::mbarrier_arrive(smem.q_empty());
  if (row.count > 0) {
    const RingSlot<Traits> first(first_visit);
    ptx::mbarrier_wait(smem.k_full(first.stage), first.parity);
    ptx::wgmma_fence();
    issue_qk<Traits>(s, q_slab, smem.k(first.stage));
    ptx::wgmma_commit();
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int i = 0; i < Traits::kSRegisters; ++i) ptx::fence_operand(s[i]);
    if (lane == 0) ptx::mbarrier_arrive(smem.k_empty(first.stage));
    release_q_after(0);
    softmax.update(s, row.block(0));
    softmax.pack(s, p_packed);

    for (int it = 1; it < row.count; ++it) {
      const int kv_block = row.block(it);  // before the waits: their memory clobbers would pin the load behind them
      const RingSlot<Traits> slot(first_visit + it);
      const RingSlot<Traits> prev(first_visit + it - 1);
      ptx::mbarrier_wait(smem.k_full(slot.stage), slot.parity);
      ptx::wgmma_fence();
      issue_qk<Traits>(s, q_slab, smem.k(slot.stage));
      ptx::wgmma_commit();
      ptx::mbarrier_wait(smem.v_full(prev.stage), prev.parity);
      issue_pv<Traits>(o, p_packed, smem.v(prev.stage));
      ptx::wgmma_commit();
      ptx::wgmma_wait<1>();
#pragma unroll
      for (int i = 0; i < Traits::kSRegisters; ++i) ptx::fence_operand(s[i]);
      if (lane == 0) ptx::mbarrier_arrive(smem.k_empty(slot.stage));
      release_q_after(it);
      const auto correction = softmax.update(s, kv_block);
      ptx::wgmma_wait<0>();
#pragma unroll
      for (int i = 0; i < Traits::kORegisters; ++i) ptx::fence_operand(o[i]);
#pragma unroll
      for (int i = 0; i < Traits::kPRegisters; ++i) ptx::fence_operand(p_packed[i]);
      if (lane == 0) ptx::mbarrier_arrive(smem.v_empty(prev.stage));
      softmax.rescale(o, correction);
      softmax.pack(s, p_packed);
    }

    const RingSlot<Traits> last(first_visit + row.count - 1);
    ptx::mbarrier_wait(smem.v_full(last.stage), last.parity);
    ptx::wgmma_fence();
    issue_pv<Traits>(o, p_packed, smem.v(last.stage));
    ptx::wgmma_commit();
    ptx::wgmma_wait<0>();
#pragma unroll
    for (int i = 0; i < Traits::kORegisters; ++i) ptx::fence_operand(o[i]);
    if (lane == 0) ptx::mbarrier_arrive(smem.v_empty(last.stage));
  }

  const int first_row = tile.q_block * Traits::kBlockM + consumer * Traits::kRowsPerConsumer + warp * 16 + lane / 4;
  softmax.store(o, p, first_row, tile.head, tile.batch);
}

template <class Traits, class Mask, class QueryRows>
__global__ void __launch_bounds__(Traits::kThreads, 1)
    block_sparse_attention_kernel(const __grid_constant__ CUtensorMap tma_q, const __grid_constant__ CUtensorMap tma_k,
                                  const __grid_constant__ CUtensorMap tma_v, const __grid_constant__ BlockSparseAttentionParams p) {
  extern __shared__ __align__(1024) unsigned char smem_raw[];
  const BlockSparseSmem<Traits> smem{(ptx::smem_address(smem_raw) + 1023u) & ~1023u};

  const int q_blocks = (p.q_len + Traits::kBlockM - 1) / Traits::kBlockM;
  const int tiles = q_blocks * p.heads * p.batch;

  const int warpgroup = threadIdx.x / 128;
  if (threadIdx.x == 0) {
    ptx::prefetch_tensor_map(&tma_q);
    ptx::prefetch_tensor_map(&tma_k);
    ptx::prefetch_tensor_map(&tma_v);
    ptx::mbarrier_init(smem.q_full(), QueryRows::kGather ? GatheredQueryRows::kThreads : 1);
    ptx::mbarrier_init(smem.q_empty(), Traits::kConsumerWarps);
    for (int s = 0; s < Traits::kStages; ++s) {
      ptx::mbarrier_init(smem.k_full(s), 1);
      ptx::mbarrier_init(smem.v_full(s), 1);
      ptx::mbarrier_init(smem.k_empty(s), Traits::kConsumerWarps);
      ptx::mbarrier_init(smem.v_empty(s), Traits::kConsumerWarps);
    }
    ptx::fence_barrier_init();
  }
  __syncthreads();

  if (warpgroup == 0) {
    ptx::register_dealloc<Traits::kProducerRegisters>();
    if (threadIdx.x == 0) {
      produce<Traits, Mask, QueryRows>(&tma_q, &tma_k, &tma_v, smem, p, q_blocks, tiles);
    } else if constexpr (QueryRows::kGather) {
      if (threadIdx.x >= 32 && threadIdx.x < 32 + GatheredQueryRows::kThreads) {
        gather_query_rows<Traits>(smem, p, q_blocks, tiles, threadIdx.x - 32, GatheredQueryRows::kThreads);
      }
    }
  } else {
    ptx::register_alloc<Traits::kConsumerRegisters>();
    int visit = 0;
    int round = 0;
    for (int index = blockIdx.x; index < tiles; index += gridDim.x, ++round) {
      const Tile tile(index, q_blocks, p.heads);
      const auto row = Mask::row(p, tile.batch, tile.head, tile.q_block);
      consume_tile<Traits>(p, smem, row, tile, warpgroup - 1, visit, round & 1);
      visit += row.count;
    }
  }
}

}  // namespace astraea::kernels
