// Pieces every kernel benchmark shares: flag values, random 16-bit inputs, event timing.
#pragma once

#include "kernels/block_sparse_attention.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
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

// A number, or a whole number, from a flag's value; throws std::invalid_argument naming the flag.
inline double parse_number(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  try {
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + ": expected a number, got '" + text + "'");
}

inline int parse_int(const std::string& flag, const std::string& text) {
  const auto refuse = [&] { return std::invalid_argument(flag + ": expected an integer, got '" + text + "'"); };
  double value = 0;
  try {
    value = parse_number(flag, text);
  } catch (const std::invalid_argument&) {
    throw refuse();
  }
  if (value != static_cast<double>(static_cast<long long>(value)) || value < -2147483648.0 || value > 2147483647.0) throw refuse();
  return static_cast<int>(value);
}

// Milliseconds of GPU time that `launch()` takes on the default stream, between two events.
template <class Launch>
double time_launch_ms(Launch&& launch, cudaEvent_t start, cudaEvent_t stop) {
  check_cuda(cudaEventRecord(start), "record");
  launch();
  check_cuda(cudaEventRecord(stop), "record");
  check_cuda(cudaEventSynchronize(stop), "sync");
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, start, stop), "elapsed");
  return ms;
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

// Fills each tensor of `count` elements with fill_random, the salts counting up from `salt`.
template <typename Element>
void fill_random_tensors(std::initializer_list<Element*> tensors, std::size_t count, std::uint32_t salt) {
  for (Element* t : tensors) {
    fill_random<<<1024, 256>>>(t, count, salt++);
    check_launch("fill_random");
  }
}

// Our dense attention over contiguous [B, H, S, D] q, k, v into o and lse: the same-run reference
// the kernel benchmarks time themselves against.
inline BlockSparseAttentionParams dense_attention_params(const void* q, const void* k, const void* v, void* o, float* lse, int batch,
                                                         int heads, int seq, int dim, AttentionDtype dtype = AttentionDtype::kBf16) {
  BlockSparseAttentionParams p;
  p.q = q, p.k = k, p.v = v, p.o = o, p.lse = lse;
  p.dtype = dtype;
  p.batch = batch, p.heads = heads, p.q_len = p.kv_len = seq, p.head_dim = dim;
  p.softmax_scale = 1.f / std::sqrt(static_cast<float>(dim));
  set_contiguous_strides(p);
  return p;
}

}  // namespace astraea::kernels::bench
