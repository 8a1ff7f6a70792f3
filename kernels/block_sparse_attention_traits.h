// Compile-time shape of the block-sparse attention kernel for one (element type, head dim,
// consumer warpgroup count).
//
// A persistent CTA (one per SM) walks the tiles blockIdx.x, blockIdx.x + gridDim.x, ...; a tile is
// kBlockM query rows (128 or 192) of one (batch, head):
//   warpgroup 0      producer: TMA loads of the tile's Q, then K and V tiles into a kStages-deep
//                    ring; it moves on to the next tile's Q while the consumers store O
//   warpgroups 1..n  consumers (n = 2 or 3): 64 query rows each; S = Q K^T and O += P V with wgmma
// Shared-memory tiles are stored as kChunks column chunks of kChunkElems elements (one swizzle
// row each), every chunk (rows x kSwizzleBytes) swizzled the way TMA and wgmma both expect.
#pragma once

#include "kernels/block_sparse_attention.h"

#include <cstdint>

namespace astraea::kernels {

// Consumer warpgroups per tile under the dense mask (full attention and ASTRAEA's rows): at head
// dim 64 a third warpgroup hides more of the softmax behind the other two's matrix products
// (1.08-1.19x, kernels/NOTES.md v4); at 96 and 128 its accumulators would not fit 160 registers.
constexpr int dense_consumer_warpgroups(int head_dim) { return head_dim <= 64 ? 3 : 2; }

// kConsumerWarpgroups_ consumer warpgroups of 64 query rows each make a tile of 64 x that many
// rows; block-list masks need 2 (tiles of 128 rows = mask blocks), the dense mask takes 2 or 3.
// setmaxnreg of the producer warpgroup; the consumers take what remains (232 each of 2, 160 each
// of 3). With 3 consumers, a producer that only issues TMA runs at 24 (4.5% faster at the long
// shape than 32, kernels/NOTES.md); one whose warp 1 gathers query rows gets 32 (at 24 it spills
// 40 bytes, at 32 still 4).
constexpr int producer_registers(int consumer_warpgroups, bool gathers_rows) {
  return consumer_warpgroups == 2 ? 40 : (gathers_rows ? 32 : 24);
}

template <typename Element_, int kHeadDim_, int kConsumerWarpgroups_ = 2,
          int kProducerRegisters_ = producer_registers(kConsumerWarpgroups_, /*gathers_rows=*/false)>
struct BlockSparseAttentionTraits {
  using Element = Element_;
  static constexpr int kHeadDim = kHeadDim_;
  static constexpr int kConsumerWarpgroups = kConsumerWarpgroups_;
  static constexpr int kRowsPerConsumer = 64;                             // wgmma M
  static constexpr int kBlockM = kRowsPerConsumer * kConsumerWarpgroups;  // query rows per tile
  static constexpr int kBlockN = 128;                                     // keys per K/V tile = mask block
  static constexpr int kThreads = 128 * (1 + kConsumerWarpgroups);
  static constexpr int kConsumerWarps = 4 * kConsumerWarpgroups;
  static constexpr int kProducerRegisters = kProducerRegisters_;
  static constexpr int kConsumerRegisters = kConsumerWarpgroups == 2 ? 232 : 160;

  static constexpr int kElementBytes = sizeof(Element);
  static constexpr int kSwizzleBytes = (kHeadDim * kElementBytes) % 128 == 0 ? 128 : 64;
  static constexpr int kChunkElems = kSwizzleBytes / kElementBytes;
  static constexpr int kChunks = kHeadDim / kChunkElems;
  static constexpr int kStages = kHeadDim <= 64 ? 4 : (kHeadDim <= 96 ? 3 : 2);  // K/V ring depth

  static constexpr int kWgmmaK = 16;
  static constexpr int kQkSteps = kHeadDim / kWgmmaK;  // k-steps of S = Q K^T
  static constexpr int kPvSteps = kBlockN / kWgmmaK;   // k-steps of O += P V
  static constexpr int kSRegisters = kBlockN / 2;      // fp32 accumulators of a 64 x kBlockN tile per thread
  static constexpr int kORegisters = kHeadDim / 2;     // fp32 accumulators of a 64 x kHeadDim tile per thread
  static constexpr int kPRegisters = kBlockN / 4;      // packed 16-bit pairs of P per thread

  static constexpr int kChunkBytesPerRow = kSwizzleBytes;
  static constexpr int kQTileBytes = kBlockM * kHeadDim * kElementBytes;
  static constexpr int kKvTileBytes = kBlockN * kHeadDim * kElementBytes;
  static constexpr int kQChunkBytes = kBlockM * kSwizzleBytes;
  static constexpr int kKvChunkBytes = kBlockN * kSwizzleBytes;
  static constexpr int kSwizzleAtomBytes = 8 * kSwizzleBytes;  // 8 rows: wgmma's stride byte offset
  static constexpr int kSwizzleCode = kSwizzleBytes == 128 ? 1 : 2;  // wgmma descriptor layout type

  // Shared-memory layout, offsets from a 1024-byte aligned base.
  static constexpr int kQOffset = 0;
  static constexpr int kKOffset = kQOffset + kQTileBytes;
  static constexpr int kVOffset = kKOffset + kStages * kKvTileBytes;
  static constexpr int kBarrierOffset = kVOffset + kStages * kKvTileBytes;
  static constexpr int kBarriers = 2 + 4 * kStages;  // q_full, q_empty, then k_full, k_empty, v_full, v_empty rings
  static constexpr int kSmemBytes = kBarrierOffset + kBarriers * 8 + 1024;  // + alignment slack

  static_assert(kConsumerWarpgroups == 2 || kConsumerWarpgroups == 3, "two or three consumer warpgroups");
  static_assert(kBlockN == kBlockSparseBlockSize, "a K/V tile is one mask block (DenseMask counts them in mask blocks)");
  static_assert(kElementBytes == 2, "wgmma with a register A operand and N-major B needs 16-bit elements");
  static_assert(kHeadDim % kChunkElems == 0, "head_dim must be a whole number of swizzle chunks");
  static_assert(kHeadDim % kWgmmaK == 0 && kHeadDim >= 64 && kHeadDim <= 128, "head_dim must be 64..128 in steps of 16");
  static_assert(kChunkElems % kWgmmaK == 0, "a wgmma k-step must not straddle two swizzle chunks");
  static_assert(kQChunkBytes % 1024 == 0 && kKvTileBytes % 1024 == 0, "tiles must keep the 1024-byte swizzle alignment");
  static_assert(kSmemBytes <= 227 * 1024, "shared memory over the sm_90 per-block limit");
  static_assert(kProducerRegisters * 128 + kConsumerRegisters * 128 * kConsumerWarpgroups <= 65536,
                "register split exceeds the register file");
  static_assert(kProducerRegisters % 8 == 0 && kConsumerRegisters % 8 == 0, "setmaxnreg takes multiples of 8");
};

}  // namespace astraea::kernels
