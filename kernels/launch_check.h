// Error checking for CUDA runtime calls and kernel launches, without torch.
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace astraea::kernels {

// Throws std::runtime_error naming the call site if `status` is an error.
inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Call right after a <<<...>>> launch: catches bad configurations at launch time.
inline void check_launch(const char* kernel_name) { check_cuda(cudaGetLastError(), kernel_name); }

}  // namespace astraea::kernels
