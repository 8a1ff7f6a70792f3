// The benchmark's block masks: 128x128 blocks, the same number of key blocks in every query
// block (the diagonal always kept, the others drawn uniformly without replacement, sorted), drawn
// from a seed. Written to a file so that the baseline script times FlexAttention on the very
// same mask.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace astraea::kernels::bench {

struct BlockMaskHost {
  int batch = 0, heads = 0, blocks = 0;  // blocks per side: ceil(seq / 128)
  int per_row = 0;
  std::vector<std::int32_t> counts;   // [batch, heads, blocks]
  std::vector<std::int32_t> indices;  // [batch, heads, blocks, blocks], unused entries 0
  double density() const { return static_cast<double>(per_row) / blocks; }
};

// per_row = max(1, round(density * blocks)).
BlockMaskHost draw_block_mask(int batch, int heads, int seq, double density, std::uint64_t seed);

// Raw little-endian int32: counts, then indices. Throws std::runtime_error on I/O failure.
void write_block_mask(const BlockMaskHost& mask, const std::string& path);

}  // namespace astraea::kernels::bench
