// Times block_sparse_attention() on vDiT shapes: the dense policy, then the block-list policy at
// each density on the masks of bench_masks.h. Prints a table (median of N launches, effective
// TF/s = 4*B*H*S*S*D*density / time) and optionally writes JSON and the masks for the baselines.
//
//   bench_block_sparse_attention [--shape B,H,S,D]... [--density 1,0.5,0.25,0.1] [--dtype bf16|fp16]
//                                [--iters N] [--warmup-ms 2000] [--seed N] [--json out.json] [--mask-dir dir]
#include "kernels/bench/bench_support.cuh"
#include "kernels/bench/bench_masks.h"
#include "kernels/block_sparse_attention.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace astraea::kernels;

namespace {

struct Shape {
  int batch, heads, seq, dim;
};

struct Options {
  std::vector<Shape> shapes;
  std::vector<double> densities{1.0, 0.5, 0.25, 0.1};
  AttentionDtype dtype = AttentionDtype::kBf16;
  int max_iters = 20;
  double warmup_ms = 2000;
  std::uint64_t seed = 0;
  std::string json, mask_dir;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--shape") {
      const auto f = bench::split_commas(value);
      if (f.size() != 4) throw std::invalid_argument("--shape wants B,H,S,D, got " + value);
      o.shapes.push_back({std::stoi(f[0]), std::stoi(f[1]), std::stoi(f[2]), std::stoi(f[3])});
    } else if (flag == "--density") {
      o.densities.clear();
      for (const auto& d : bench::split_commas(value)) o.densities.push_back(std::stod(d));
    } else if (flag == "--dtype") {
      if (value != "bf16" && value != "fp16") throw std::invalid_argument("--dtype wants bf16 or fp16");
      o.dtype = value == "bf16" ? AttentionDtype::kBf16 : AttentionDtype::kFp16;
    } else if (flag == "--iters") {
      o.max_iters = std::stoi(value);
    } else if (flag == "--warmup-ms") {
      o.warmup_ms = std::stod(value);
    } else if (flag == "--seed") {
      o.seed = std::stoull(value);
    } else if (flag == "--json") {
      o.json = value;
    } else if (flag == "--mask-dir") {
      o.mask_dir = value;
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (o.shapes.empty()) o.shapes = {{2, 48, 17776, 64}, {1, 24, 119056, 128}};
  return o;
}

template <typename Element>
__global__ void count_non_finite(const Element* data, std::size_t count, unsigned long long* result) {
  unsigned long long local = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count; i += gridDim.x * static_cast<std::size_t>(blockDim.x)) {
    float x;
    if constexpr (std::is_same_v<Element, __half>) x = __half2float(data[i]);
    else x = __bfloat162float(data[i]);
    local += isfinite(x) ? 0 : 1;
  }
  if (local) atomicAdd(result, local);
}

struct Timing {
  double median_ms;
  int iters;
};

// Runs untimed launches for about `milliseconds`, so that clocks and power have settled before
// the first timed point of a shape.
void warm_up(const BlockSparseAttentionParams& p, double milliseconds) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  check_cuda(cudaEventRecord(start), "record");
  block_sparse_attention(p, nullptr);
  check_cuda(cudaEventRecord(stop), "record");
  check_cuda(cudaEventSynchronize(stop), "sync");
  float once = 0;
  check_cuda(cudaEventElapsedTime(&once, start, stop), "elapsed");
  for (int i = 1; i * static_cast<double>(once) < milliseconds; ++i) block_sparse_attention(p, nullptr);
  check_cuda(cudaDeviceSynchronize(), "warm-up");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

Timing time_launches(const BlockSparseAttentionParams& p, int max_iters) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  auto one = [&] {
    check_cuda(cudaEventRecord(start), "record");
    block_sparse_attention(p, nullptr);
    check_cuda(cudaEventRecord(stop), "record");
    check_cuda(cudaEventSynchronize(stop), "sync");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start, stop), "elapsed");
    return static_cast<double>(ms);
  };
  const double first = one();
  one();
  const int iters = std::clamp(static_cast<int>(4000.0 / std::max(first, 1e-3)), 5, std::max(5, max_iters));
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) times.push_back(one());
  std::sort(times.begin(), times.end());
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return {times[times.size() / 2], iters};
}

template <typename Element>
void fill(void* data, std::size_t count, std::uint32_t salt) {
  bench::fill_random<Element><<<1024, 256>>>(static_cast<Element*>(data), count, salt);
  check_launch("fill_random");
}

template <typename Element>
unsigned long long non_finite(const void* data, std::size_t count) {
  unsigned long long* device = nullptr;
  check_cuda(cudaMalloc(&device, sizeof(*device)), "cudaMalloc");
  check_cuda(cudaMemset(device, 0, sizeof(*device)), "memset");
  count_non_finite<Element><<<1024, 256>>>(static_cast<const Element*>(data), count, device);
  check_launch("count_non_finite");
  unsigned long long host = 0;
  check_cuda(cudaMemcpy(&host, device, sizeof(host), cudaMemcpyDeviceToHost), "copy");
  cudaFree(device);
  return host;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("# %s, %d SMs, %s\n", prop.name, prop.multiProcessorCount, opt.dtype == AttentionDtype::kBf16 ? "bf16" : "fp16");
  std::printf("%22s %8s %8s %10s %6s %9s\n", "shape", "policy", "density", "ms", "iters", "eff TF/s");
  std::ofstream json;
  if (!opt.json.empty()) json.open(opt.json), json << "[\n";
  bool first_row = true;
  const bool bf16 = opt.dtype == AttentionDtype::kBf16;

  for (const Shape& s : opt.shapes) {
    const std::size_t elements = static_cast<std::size_t>(s.batch) * s.heads * s.seq * s.dim;
    void *q, *k, *v, *o;
    float* lse;
    for (void** t : {&q, &k, &v, &o}) check_cuda(cudaMalloc(t, elements * 2), "cudaMalloc qkvo");
    check_cuda(cudaMalloc(&lse, static_cast<std::size_t>(s.batch) * s.heads * s.seq * 4), "cudaMalloc lse");
    std::uint32_t salt = 1;
    for (void* t : {q, k, v}) bf16 ? fill<__nv_bfloat16>(t, elements, salt++) : fill<__half>(t, elements, salt++);

    BlockSparseAttentionParams p = bench::dense_attention_params(q, k, v, o, lse, s.batch, s.heads, s.seq, s.dim, opt.dtype);
    warm_up(p, opt.warmup_ms);
    const double dense_flops = 4.0 * s.batch * s.heads * static_cast<double>(s.seq) * s.seq * s.dim;

    std::vector<double> densities = {-1.0};  // the dense policy first
    densities.insert(densities.end(), opt.densities.begin(), opt.densities.end());
    for (const double requested : densities) {
      const bool dense = requested < 0;
      bench::BlockMaskHost mask;
      std::int32_t *counts = nullptr, *indices = nullptr;
      double density = 1.0;
      if (!dense) {
        mask = bench::draw_block_mask(s.batch, s.heads, s.seq, requested, opt.seed);
        density = mask.density();
        check_cuda(cudaMalloc(&counts, mask.counts.size() * 4), "cudaMalloc counts");
        check_cuda(cudaMalloc(&indices, mask.indices.size() * 4), "cudaMalloc indices");
        check_cuda(cudaMemcpy(counts, mask.counts.data(), mask.counts.size() * 4, cudaMemcpyHostToDevice), "copy counts");
        check_cuda(cudaMemcpy(indices, mask.indices.data(), mask.indices.size() * 4, cudaMemcpyHostToDevice), "copy indices");
        if (!opt.mask_dir.empty()) {
          char name[160];
          std::snprintf(name, sizeof(name), "/mask_%d_%d_%d_%d_%g.bin", s.batch, s.heads, s.seq, s.dim, requested);
          bench::write_block_mask(mask, opt.mask_dir + name);
        }
      }
      p.kv_num_blocks = counts;
      p.kv_indices = indices;
      check_cuda(cudaMemset(o, 0xFF, elements * 2), "poison o");
      const Timing t = time_launches(p, opt.max_iters);
      const unsigned long long bad = bf16 ? non_finite<__nv_bfloat16>(o, elements) : non_finite<__half>(o, elements);
      const double tflops = dense_flops * density / t.median_ms / 1e9;
      char shape[64];
      std::snprintf(shape, sizeof(shape), "(%d,%d,%d,%d)", s.batch, s.heads, s.seq, s.dim);
      std::printf("%22s %8s %8.3f %10.3f %6d %9.1f%s\n", shape, dense ? "dense" : "list", density, t.median_ms, t.iters, tflops,
                  bad ? "  NON-FINITE OUTPUT" : "");
      if (json.is_open()) {
        json << (first_row ? "" : ",\n") << "{\"shape\": [" << s.batch << ", " << s.heads << ", " << s.seq << ", " << s.dim
             << "], \"kernel\": \"astraea\", \"policy\": \"" << (dense ? "dense" : "list") << "\", \"requested_density\": "
             << (dense ? 1.0 : requested) << ", \"density\": " << density << ", \"ms\": " << t.median_ms << ", \"iters\": " << t.iters
             << ", \"tflops\": " << tflops << ", \"non_finite\": " << bad << "}";
        first_row = false;
      }
      cudaFree(counts);
      cudaFree(indices);
    }
    for (void* t : {q, k, v, o}) cudaFree(t);
    cudaFree(lse);
  }
  if (json.is_open()) json << "\n]\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_block_sparse_attention: %s\n", e.what());
  return 1;
}
