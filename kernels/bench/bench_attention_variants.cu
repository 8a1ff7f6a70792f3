// A/B timing of compile-time variants of the attention kernel on identical inputs: each variant is
// the shipped mainloop instantiated with different Traits (today: how many consumer warpgroups
// share a tile and the producer's register count; see block_sparse_attention_traits.h). An experiment adds
// its Traits here, measures, and leaves the winner as the default (kernels/NOTES.md).
// Launches are interleaved round by round, so clock and thermal drift fall on every variant alike;
// each variant's output and LSE are compared with the first variant's (the shipped default).
//
//   bench_attention_variants [--shape B,H,Sq,Skv,D]... [--rounds N] [--warmup-ms 2000] [--json out.json]
//
// Dense mask, head-major bf16 inputs (q [B,H,Sq,D], k and v [B,H,Skv,D]); D is 64 or 128.
#include "kernels/bench/bench_support.cuh"
#include "kernels/block_sparse_attention_launch.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace astraea::kernels;

namespace {

struct Shape {
  int batch, heads, q_len, kv_len, dim;
};

struct Options {
  std::vector<Shape> shapes;
  int rounds = 15;
  double warmup_ms = 2000;
  std::string json;
};

struct Variant {
  const char* name;
  void (*launch)(const BlockSparseAttentionParams&, cudaStream_t);
};

template <int kDim, int kConsumers, int kProducerRegisters = BlockSparseAttentionTraits<__nv_bfloat16, kDim, kConsumers>::kProducerRegisters>
void launch_dense(const BlockSparseAttentionParams& p, cudaStream_t stream) {
  using Traits = BlockSparseAttentionTraits<__nv_bfloat16, kDim, kConsumers, kProducerRegisters>;
  launch_block_sparse_attention<Traits, DenseMask, TmaQueryRows>(p, stream);
}

// The shipped configuration first; the others are compared with it.
std::vector<Variant> variants_for(int dim) {
  if (dim == 64) {
    return {{"shipped", launch_dense<64, dense_consumer_warpgroups(64)>},
            {"3 wg, prod 32", launch_dense<64, 3, 32>},
            {"2 warpgroups", launch_dense<64, 2>}};
  }
  if (dim == 128) return {{"shipped", launch_dense<128, dense_consumer_warpgroups(128)>}};
  throw std::invalid_argument("head dim must be 64 or 128, got " + std::to_string(dim));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--shape") {
      const auto f = bench::split_commas(value);
      if (f.size() != 5) throw std::invalid_argument("--shape wants B,H,Sq,Skv,D, got " + value);
      std::vector<int> n;
      for (const auto& field : f) n.push_back(bench::parse_int("--shape", field));
      o.shapes.push_back({n[0], n[1], n[2], n[3], n[4]});
    } else if (flag == "--rounds") {
      o.rounds = bench::parse_int("--rounds", value);
    } else if (flag == "--warmup-ms") {
      o.warmup_ms = bench::parse_number("--warmup-ms", value);
    } else if (flag == "--json") {
      o.json = value;
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (o.rounds < 1) throw std::invalid_argument("--rounds must be at least 1");
  // ASTRAEA's attention per rank at the long shape on 4 GPUs (half the rows), and the 5B shape dense.
  if (o.shapes.empty()) o.shapes = {{2, 12, 43066, 85906, 64}, {2, 48, 17776, 17776, 64}};
  return o;
}

double time_once(const Variant& v, const BlockSparseAttentionParams& p, cudaEvent_t start, cudaEvent_t stop) {
  return bench::time_launch_ms([&] { v.launch(p, nullptr); }, start, stop);
}

// Largest absolute differences; a non-finite value on either side (a row left poisoned, a NaN)
// counts as an infinite difference.
struct Difference {
  double out = 0, lse = 0;
};

void widen(double& largest, double a, double b) {
  const double d = std::fabs(a - b);
  if (!(d <= largest)) largest = std::isfinite(d) ? d : INFINITY;
}

Difference max_difference(const std::vector<__nv_bfloat16>& o, const std::vector<__nv_bfloat16>& o_ref, const std::vector<float>& lse,
                          const std::vector<float>& lse_ref) {
  Difference d;
  for (std::size_t i = 0; i < o.size(); ++i) widen(d.out, __bfloat162float(o[i]), __bfloat162float(o_ref[i]));
  for (std::size_t i = 0; i < lse.size(); ++i) widen(d.lse, lse[i], lse_ref[i]);
  return d;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("# %s, %d SMs, bf16, dense mask, head-major; median of %d interleaved rounds\n", prop.name, prop.multiProcessorCount, opt.rounds);
  std::printf("%30s %14s %10s %9s %8s %11s %11s\n", "shape", "variant", "ms", "TF/s", "vs first", "max|dO|", "max|dLSE|");
  std::ofstream json;
  if (!opt.json.empty()) json.open(opt.json), json << "[\n";
  bool first_row = true;

  for (const Shape& s : opt.shapes) {
    const auto variants = variants_for(s.dim);
    const std::size_t q_elements = static_cast<std::size_t>(s.batch) * s.heads * s.q_len * s.dim;
    const std::size_t kv_elements = static_cast<std::size_t>(s.batch) * s.heads * s.kv_len * s.dim;
    const std::size_t rows = static_cast<std::size_t>(s.batch) * s.heads * s.q_len;
    __nv_bfloat16 *q, *k, *v, *o;
    float* lse;
    check_cuda(cudaMalloc(&q, q_elements * 2), "cudaMalloc q");
    check_cuda(cudaMalloc(&o, q_elements * 2), "cudaMalloc o");
    check_cuda(cudaMalloc(&k, kv_elements * 2), "cudaMalloc k");
    check_cuda(cudaMalloc(&v, kv_elements * 2), "cudaMalloc v");
    check_cuda(cudaMalloc(&lse, rows * 4), "cudaMalloc lse");
    bench::fill_random<<<1024, 256>>>(q, q_elements, 1);
    bench::fill_random<<<1024, 256>>>(k, kv_elements, 2);
    bench::fill_random<<<1024, 256>>>(v, kv_elements, 3);
    check_launch("fill_random");

    BlockSparseAttentionParams p;
    p.q = q, p.k = k, p.v = v, p.o = o, p.lse = lse;
    p.batch = s.batch, p.heads = s.heads, p.q_len = s.q_len, p.kv_len = s.kv_len, p.head_dim = s.dim;
    p.softmax_scale = 1.f / std::sqrt(static_cast<float>(s.dim));
    set_contiguous_strides(p);

    // Outputs of each variant, for the comparison with the first.
    std::vector<std::vector<__nv_bfloat16>> outputs(variants.size(), std::vector<__nv_bfloat16>(q_elements));
    std::vector<std::vector<float>> lses(variants.size(), std::vector<float>(rows));
    for (std::size_t i = 0; i < variants.size(); ++i) {
      check_cuda(cudaMemset(o, 0xFF, q_elements * 2), "poison o");
      check_cuda(cudaMemset(lse, 0xFF, rows * 4), "poison lse");
      variants[i].launch(p, nullptr);
      check_cuda(cudaDeviceSynchronize(), variants[i].name);
      check_cuda(cudaMemcpy(outputs[i].data(), o, q_elements * 2, cudaMemcpyDeviceToHost), "copy o");
      check_cuda(cudaMemcpy(lses[i].data(), lse, rows * 4, cudaMemcpyDeviceToHost), "copy lse");
    }

    cudaEvent_t start, stop;
    check_cuda(cudaEventCreate(&start), "event");
    check_cuda(cudaEventCreate(&stop), "event");
    for (double spent = 0; spent < opt.warmup_ms;) {
      for (const auto& variant : variants) spent += time_once(variant, p, start, stop);
    }
    std::vector<std::vector<double>> times(variants.size());
    for (int r = 0; r < opt.rounds; ++r) {
      for (std::size_t i = 0; i < variants.size(); ++i) times[i].push_back(time_once(variants[i], p, start, stop));
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);

    const double flops = 4.0 * s.batch * s.heads * static_cast<double>(s.q_len) * s.kv_len * s.dim;
    char shape[64];
    std::snprintf(shape, sizeof(shape), "(%d,%d,%d,%d,%d)", s.batch, s.heads, s.q_len, s.kv_len, s.dim);
    double first_ms = 0;
    for (std::size_t i = 0; i < variants.size(); ++i) {
      std::sort(times[i].begin(), times[i].end());
      const double ms = times[i][times[i].size() / 2];
      if (i == 0) first_ms = ms;
      const Difference d = max_difference(outputs[i], outputs[0], lses[i], lses[0]);
      std::printf("%30s %14s %10.3f %9.1f %8.3f %11.3g %11.3g\n", shape, variants[i].name, ms, flops / ms / 1e9, first_ms / ms, d.out, d.lse);
      if (json.is_open()) {
        json << (first_row ? "" : ",\n") << "{\"shape\": [" << s.batch << ", " << s.heads << ", " << s.q_len << ", " << s.kv_len << ", "
             << s.dim << "], \"variant\": \"" << variants[i].name << "\", \"ms\": " << ms << ", \"rounds\": " << opt.rounds
             << ", \"tflops\": " << flops / ms / 1e9 << ", \"speedup_vs_first\": " << first_ms / ms << ", \"max_abs_diff_o\": " << d.out
             << ", \"max_abs_diff_lse\": " << d.lse << "}";
        first_row = false;
      }
    }
    for (auto* t : {q, k, v, o}) cudaFree(t);
    cudaFree(lse);
  }
  if (json.is_open()) json << "\n]\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_attention_variants: %s\n", e.what());
  return 1;
}
