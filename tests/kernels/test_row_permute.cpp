// The fused row permute against a host loop over the definition, on odd shapes: frame-major to
// token-major on a subset of heads for three tensors at once, padded rows, fp32, and the inverse
// order restoring the input. Skipped when no GPU is present.
#include "kernels/launch_check.h"
#include "kernels/row_permute.h"
#include "support/catch.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

using namespace astraea::kernels;

namespace {

bool gpu_present() {
  int devices = 0;
  const bool ok = cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
  cudaGetLastError();
  return ok;
}

// Frame-major -> token-major by definition: position text + p*T + t holds token text + t*P + p.
std::vector<std::int32_t> token_major_order(int text, int frames, int frame_tokens) {
  std::vector<std::int32_t> order(static_cast<std::size_t>(text + frames * frame_tokens));
  std::iota(order.begin(), order.begin() + text, 0);
  for (int p = 0; p < frame_tokens; ++p) {
    for (int t = 0; t < frames; ++t) order[static_cast<std::size_t>(text + p * frames + t)] = text + t * frame_tokens + p;
  }
  return order;
}

template <typename T>
T* device_copy(const std::vector<T>& host) {
  void* p = nullptr;
  check_cuda(cudaMalloc(&p, std::max<std::size_t>(host.size(), 1) * sizeof(T)), "cudaMalloc");
  check_cuda(cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), "copy in");
  return static_cast<T*>(p);
}

template <typename T>
std::vector<T> host_copy(const T* device, std::size_t count) {
  std::vector<T> host(count);
  check_cuda(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost), "copy out");
  return host;
}

struct Case {
  int slices, text, frames, frame_tokens, dim, row_stride, element_bytes;
};

}  // namespace

TEST_CASE("row permute gathers rows by the order on the flagged slices of Q, K and V, and inverts", "[kernels][gpu]") {
  if (!gpu_present()) {
    WARN("no GPU: row permute test skipped");
    return;
  }
  std::mt19937 rng(std::random_device{}());
  // 226 text tokens and 17-token frames; no text and 257-token frames; head dim 96 in rows padded
  // to 128 elements; fp32 rows.
  for (const Case c : {Case{5, 226, 13, 17, 64, 64, 2}, Case{2, 0, 5, 257, 128, 128, 2}, Case{3, 7, 4, 9, 96, 128, 2}, Case{2, 3, 6, 11, 64, 64, 4}}) {
    const int rows = c.text + c.frames * c.frame_tokens;
    const int words = c.element_bytes / 2;  // 16-bit words per element
    const std::size_t row_words = static_cast<std::size_t>(c.row_stride) * words;
    const std::size_t count = static_cast<std::size_t>(c.slices) * rows * row_words;
    const auto order = token_major_order(c.text, c.frames, c.frame_tokens);
    std::vector<std::int32_t> inverse(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) inverse[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
    std::vector<std::uint8_t> flags(static_cast<std::size_t>(c.slices));
    for (std::size_t s = 0; s < flags.size(); ++s) flags[s] = s % 2 == 0;  // slices 0, 2, 4 permuted

    std::vector<std::vector<std::uint16_t>> host(3, std::vector<std::uint16_t>(count));
    RowPermuteParams forward, backward;
    std::vector<void*> buffers;
    for (int t = 0; t < 3; ++t) {
      for (auto& v : host[static_cast<std::size_t>(t)]) v = static_cast<std::uint16_t>(rng());
      void* in = device_copy(host[static_cast<std::size_t>(t)]);
      void *out = nullptr, *back = nullptr;
      check_cuda(cudaMalloc(&out, count * 2), "cudaMalloc");
      check_cuda(cudaMalloc(&back, count * 2), "cudaMalloc");
      check_cuda(cudaMemset(out, 0xFF, count * 2), "poison");
      check_cuda(cudaMemset(back, 0xFF, count * 2), "poison");
      forward.in[t] = in;
      forward.out[t] = out;
      backward.in[t] = out;
      backward.out[t] = back;
      buffers.insert(buffers.end(), {in, out, back});
    }
    auto* d_order = device_copy(order);
    auto* d_inverse = device_copy(inverse);
    auto* d_flags = device_copy(flags);
    for (RowPermuteParams* p : {&forward, &backward}) {
      p->tensors = 3;
      p->slices = c.slices;
      p->rows = rows;
      p->in_slice_stride = p->out_slice_stride = static_cast<std::int64_t>(rows) * c.row_stride;
      p->in_row_stride = p->out_row_stride = c.row_stride;
      p->permuted = d_flags;
      p->head_dim = c.dim;
      p->element_bytes = c.element_bytes;
    }
    forward.order = d_order;
    backward.order = d_inverse;
    row_permute(forward, nullptr);
    row_permute(backward, nullptr);
    for (int t = 0; t < 3; ++t) {
      INFO("tensor " << t << ", slices " << c.slices << ", rows " << rows << ", dim " << c.dim << ", element bytes " << c.element_bytes);
      const auto& in = host[static_cast<std::size_t>(t)];
      const auto permuted = host_copy(static_cast<const std::uint16_t*>(forward.out[t]), count);
      const auto restored = host_copy(static_cast<const std::uint16_t*>(backward.out[t]), count);
      std::size_t wrong = 0, wrong_back = 0;
      const std::size_t used_words = static_cast<std::size_t>(c.dim) * words;  // padding past head_dim is not copied
      for (int s = 0; s < c.slices; ++s) {
        for (int r = 0; r < rows; ++r) {
          const int source = flags[static_cast<std::size_t>(s)] ? order[static_cast<std::size_t>(r)] : r;
          for (std::size_t w = 0; w < used_words; ++w) {
            const std::size_t at = (static_cast<std::size_t>(s) * rows + r) * row_words + w;
            wrong += permuted[at] != in[(static_cast<std::size_t>(s) * rows + source) * row_words + w];
            wrong_back += restored[at] != in[at];
          }
          for (std::size_t w = used_words; w < row_words; ++w) wrong += permuted[(static_cast<std::size_t>(s) * rows + r) * row_words + w] != 0xFFFF;
        }
      }
      CHECK(wrong == 0);
      CHECK(wrong_back == 0);
    }
    for (void* b : buffers) cudaFree(b);
    cudaFree(d_order);
    cudaFree(d_inverse);
    cudaFree(d_flags);
  }
}

TEST_CASE("row permute refuses misaligned rows and bad counts", "[kernels]") {
  RowPermuteParams p;
  alignas(16) static char buffer[64];
  std::int32_t order[1] = {0};
  p.in[0] = buffer;
  p.out[0] = buffer + 32;
  p.slices = 1;
  p.rows = 1;
  p.order = order;
  p.head_dim = 4;  // 8 bytes: not a multiple of 16
  p.in_row_stride = p.out_row_stride = 8;
  CHECK_THROWS_AS(row_permute(p, nullptr), std::invalid_argument);
  p.head_dim = 8;
  p.tensors = 4;
  CHECK_THROWS_AS(row_permute(p, nullptr), std::invalid_argument);
  p.tensors = 1;
  p.element_bytes = 8;
  CHECK_THROWS_AS(row_permute(p, nullptr), std::invalid_argument);
}
