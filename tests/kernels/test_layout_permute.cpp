// The permute kernel against a host loop over the same index map, on odd shapes; and the
// inverse permute restores the input. Skipped when no GPU is present.
#include "kernels/launch_check.h"
#include "kernels/layout_permute.h"
#include "support/catch.h"

#include <cuda_runtime_api.h>

#include <cstdint>
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

// Reference by definition: out[text + p*T + t] = in[text + t*P + p], text rows unchanged.
std::vector<std::uint16_t> reference(const std::vector<std::uint16_t>& in, int slices, int text, int frames, int frame_tokens, int dim) {
  const int rows = text + frames * frame_tokens;
  std::vector<std::uint16_t> out(in.size());
  for (int s = 0; s < slices; ++s) {
    for (int r = 0; r < rows; ++r) {
      int target = r;
      if (r >= text) {
        const int t = (r - text) / frame_tokens, p = (r - text) % frame_tokens;
        target = text + p * frames + t;
      }
      for (int d = 0; d < dim; ++d) out[(static_cast<std::size_t>(s) * rows + target) * dim + d] = in[(static_cast<std::size_t>(s) * rows + r) * dim + d];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("layout permute matches the index map and inverts", "[kernels][gpu]") {
  if (!gpu_present()) {
    WARN("no GPU: layout permute test skipped");
    return;
  }
  struct Shape { int slices, text, frames, frame_tokens, dim; };
  for (const Shape shape : {Shape{3, 226, 13, 17, 64}, Shape{2, 0, 5, 257, 128}, Shape{1, 7, 1, 9, 96}}) {
    const int rows = shape.text + shape.frames * shape.frame_tokens;
    const std::size_t count = static_cast<std::size_t>(shape.slices) * rows * shape.dim;
    std::vector<std::uint16_t> host(count);
    std::mt19937 rng(std::random_device{}());
    for (auto& v : host) v = static_cast<std::uint16_t>(rng());
    void *in = nullptr, *out = nullptr, *back = nullptr;
    check_cuda(cudaMalloc(&in, count * 2), "cudaMalloc");
    check_cuda(cudaMalloc(&out, count * 2), "cudaMalloc");
    check_cuda(cudaMalloc(&back, count * 2), "cudaMalloc");
    check_cuda(cudaMemcpy(in, host.data(), count * 2, cudaMemcpyHostToDevice), "copy in");
    check_cuda(cudaMemset(out, 0xFF, count * 2), "poison");
    check_cuda(cudaMemset(back, 0xFF, count * 2), "poison");
    PermuteParams p;
    p.in = in;
    p.out = out;
    p.slices = shape.slices;
    p.slice_stride = static_cast<std::int64_t>(rows) * shape.dim;
    p.row_stride = shape.dim;
    p.text_tokens = shape.text;
    p.frames = shape.frames;
    p.frame_tokens = shape.frame_tokens;
    p.head_dim = shape.dim;
    p.element_bytes = 2;
    layout_permute(p, nullptr);
    p.in = out;
    p.out = back;
    p.direction = PermuteDirection::kTokenToFrame;
    layout_permute(p, nullptr);
    std::vector<std::uint16_t> permuted(count), restored(count);
    check_cuda(cudaMemcpy(permuted.data(), out, count * 2, cudaMemcpyDeviceToHost), "copy out");
    check_cuda(cudaMemcpy(restored.data(), back, count * 2, cudaMemcpyDeviceToHost), "copy back");
    cudaFree(in);
    cudaFree(out);
    cudaFree(back);
    CHECK(permuted == reference(host, shape.slices, shape.text, shape.frames, shape.frame_tokens, shape.dim));
    CHECK(restored == host);
  }
}
