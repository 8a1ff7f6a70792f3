// Pieces every kernel benchmark shares: comma-separated flag values and random 16-bit inputs.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace astraea::kernels::bench {

inline std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

// Approximately standard-normal values from a per-element hash (sum of four uniforms, rescaled).
template <typename Element>
__global__ void fill_random(Element* data, std::size_t count, std::uint32_t salt) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count; i += gridDim.x * static_cast<std::size_t>(blockDim.x)) {
    std::uint32_t h = static_cast<std::uint32_t>(i) * 0x9E3779B9u ^ static_cast<std::uint32_t>(i >> 32) ^ salt;
    float sum = 0.f;
    for (int r = 0; r < 4; ++r) {
      h ^= h >> 16;
      h *= 0x7FEB352Du;
      h ^= h >> 15;
      h *= 0x846CA68Bu;
      h ^= h >> 16;
      sum += static_cast<float>(h) * (1.f / 4294967296.f);
    }
    const float x = (sum - 2.f) * 1.7320508f;  // variance of the sum is 4/12
    if constexpr (std::is_same_v<Element, __half>) data[i] = __float2half_rn(x);
    else data[i] = __float2bfloat16_rn(x);
  }
}

}  // namespace astraea::kernels::bench
