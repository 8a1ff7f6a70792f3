// Host side of the block-sparse attention kernel: TMA descriptors, shared-memory opt-in, launch.
// Included only by the generated instantiation files (one per element type and head dim).
#pragma once

#include "kernels/block_sparse_attention.h"
#include "kernels/block_sparse_attention_instances.h"
#include "kernels/block_sparse_attention_kernel.cuh"
#include "kernels/block_sparse_attention_masks.h"
#include "kernels/block_sparse_attention_traits.h"
#include "kernels/launch_check.h"
#include "kernels/tensor_map.h"

#include <algorithm>
#include <type_traits>

namespace astraea::kernels {

template <class Traits, class Mask, class QueryRows>
void launch_block_sparse_attention(const BlockSparseAttentionParams& p, cudaStream_t stream) {
  constexpr auto dtype =
      std::is_same_v<typename Traits::Element, __half> ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
  static_assert(std::is_same_v<Mask, DenseMask> || Traits::kBlockM == kBlockSparseBlockSize, "block lists address 128-row query blocks");
  const TileMapShape q_shape{Traits::kChunkElems, Traits::kBlockM, Traits::kSwizzleBytes};
  const TileMapShape kv_shape{Traits::kChunkElems, Traits::kBlockN, Traits::kSwizzleBytes};
  // With a row gather the Q map is never read; building it still checks q's alignment for cp.async.
  const int q_rows_in_memory = QueryRows::kGather ? p.q_source_len : p.q_len;
  const CUtensorMap tma_q = make_tile_map(dtype, p.q, p.batch, p.heads, q_rows_in_memory, p.head_dim, p.q_batch_stride, p.q_head_stride, p.q_row_stride, q_shape);
  const CUtensorMap tma_k = make_tile_map(dtype, p.k, p.batch, p.heads, p.kv_len, p.head_dim, p.k_batch_stride, p.k_head_stride, p.k_row_stride, kv_shape);
  const CUtensorMap tma_v = make_tile_map(dtype, p.v, p.batch, p.heads, p.kv_len, p.head_dim, p.v_batch_stride, p.v_head_stride, p.v_row_stride, kv_shape);

  auto* kernel = block_sparse_attention_kernel<Traits, Mask, QueryRows>;
  static const bool opted_in = [kernel] {
    check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Traits::kSmemBytes),
               "block_sparse_attention: cudaFuncSetAttribute");
    return true;
  }();
  (void)opted_in;
  int device = 0, sms = 0;
  check_cuda(cudaGetDevice(&device), "block_sparse_attention: cudaGetDevice");
  check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "block_sparse_attention: SM count");
  const std::int64_t q_blocks = (p.q_len + Traits::kBlockM - 1) / Traits::kBlockM;
  const std::int64_t tiles = q_blocks * p.heads * p.batch;
  const dim3 grid(static_cast<unsigned>(std::min<std::int64_t>(tiles, sms)));  // persistent: one CTA per SM
  kernel<<<grid, Traits::kThreads, Traits::kSmemBytes, stream>>>(tma_q, tma_k, tma_v, p);
  check_launch("block_sparse_attention_kernel");
}

template <typename Element, int kHeadDim>
void run_block_sparse_attention(const BlockSparseAttentionParams& p, cudaStream_t stream) {
  constexpr int kDenseConsumers = dense_consumer_warpgroups(kHeadDim);
  using ListTraits = BlockSparseAttentionTraits<Element, kHeadDim>;
  using DenseTraits = BlockSparseAttentionTraits<Element, kHeadDim, kDenseConsumers>;
  using GatherTraits = BlockSparseAttentionTraits<Element, kHeadDim, kDenseConsumers, producer_registers(kDenseConsumers, true)>;
  if (p.q_rows != nullptr) {
    launch_block_sparse_attention<GatherTraits, DenseMask, GatheredQueryRows>(p, stream);
  } else if (p.kv_indices == nullptr) {
    launch_block_sparse_attention<DenseTraits, DenseMask, TmaQueryRows>(p, stream);
  } else {
    launch_block_sparse_attention<ListTraits, BlockListMask, TmaQueryRows>(p, stream);
  }
}

}  // namespace astraea::kernels
