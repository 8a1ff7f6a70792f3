#include "kernels/bench/bench_masks.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>

namespace astraea::kernels::bench {

constexpr int kBlock = 128;

BlockMaskHost draw_block_mask(int batch, int heads, int seq, double density, std::uint64_t seed) {
  BlockMaskHost mask;
  mask.batch = batch;
  mask.heads = heads;
  mask.blocks = (seq + kBlock - 1) / kBlock;
  mask.per_row = std::max(1, static_cast<int>(std::lround(density * mask.blocks)));
  const std::size_t rows = static_cast<std::size_t>(batch) * heads * mask.blocks;
  mask.counts.assign(rows, mask.per_row);
  mask.indices.assign(rows * mask.blocks, 0);
  std::mt19937_64 rng(seed);
  std::vector<std::int32_t> pool(mask.blocks);
  for (std::size_t r = 0; r < rows; ++r) {
    const int diagonal = static_cast<int>(r % mask.blocks);
    std::iota(pool.begin(), pool.end(), 0);
    std::swap(pool[0], pool[diagonal]);
    for (int i = 1; i < mask.per_row; ++i) {  // partial Fisher-Yates over pool[1..]
      std::uniform_int_distribution<int> pick(i, mask.blocks - 1);
      std::swap(pool[i], pool[pick(rng)]);
    }
    std::int32_t* row = mask.indices.data() + r * mask.blocks;
    std::copy(pool.begin(), pool.begin() + mask.per_row, row);
    std::sort(row, row + mask.per_row);
  }
  return mask;
}

void write_block_mask(const BlockMaskHost& mask, const std::string& path) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(mask.counts.data()), static_cast<std::streamsize>(mask.counts.size() * 4));
  file.write(reinterpret_cast<const char*>(mask.indices.data()), static_cast<std::streamsize>(mask.indices.size() * 4));
  if (!file) throw std::runtime_error("write_block_mask: cannot write " + path);
}

}  // namespace astraea::kernels::bench
