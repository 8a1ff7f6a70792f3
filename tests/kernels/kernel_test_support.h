// Helpers shared by the kernel tests: an sm_90 probe, a device allocation, and 16-bit element
// conversions on the host.
#pragma once

#include "kernels/block_sparse_attention.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace astraea::kernels::testing {

inline bool sm90_present() {
  int devices = 0;
  const bool ok = cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
  cudaGetLastError();
  if (!ok) return false;
  cudaDeviceProp prop{};
  return cudaGetDeviceProperties(&prop, 0) == cudaSuccess && prop.major == 9;
}

// Ends a [gpu] test case with a warning where no sm_90 GPU is present (Catch2's WARN, in the test).
#define ASTRAEA_REQUIRE_SM90(what)                                \
  do {                                                            \
    if (!::astraea::kernels::testing::sm90_present()) {           \
      WARN("no sm_90 GPU: " what " skipped");                     \
      return;                                                     \
    }                                                             \
  } while (0)

// `count` elements of T (plus 16 bytes of slack), freed on scope exit.
template <typename T>
struct DeviceBuffer {
  T* data = nullptr;
  explicit DeviceBuffer(std::size_t count) { check_cuda(cudaMalloc(reinterpret_cast<void**>(&data), count * sizeof(T) + 16), "cudaMalloc"); }
  ~DeviceBuffer() { cudaFree(data); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

inline std::uint16_t to_bits(float x, AttentionDtype dtype) {
  if (dtype == AttentionDtype::kFp16) {
    const __half h = __float2half_rn(x);
    return *reinterpret_cast<const std::uint16_t*>(&h);
  }
  const __nv_bfloat16 b = __float2bfloat16_rn(x);
  return *reinterpret_cast<const std::uint16_t*>(&b);
}

inline float from_bits(std::uint16_t bits, AttentionDtype dtype) {
  if (dtype == AttentionDtype::kFp16) return __half2float(*reinterpret_cast<const __half*>(&bits));
  return __bfloat162float(*reinterpret_cast<const __nv_bfloat16*>(&bits));
}

}  // namespace astraea::kernels::testing
