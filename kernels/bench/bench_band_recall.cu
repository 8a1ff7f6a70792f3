// ARM's fused band recall, as ARM launches it (both samples, each block's share of the slice means
// stored in mapped host memory), against our dense attention at the same shape, timed in one
// process on the same inputs. Samples as ARM draws them (src/attention/arm.h), as progressions:
// the local one is the first frame's tokens after the text, the global one every (T - 1)-th video
// token; each holds H x W tokens and its band half-width is
// floor((1 - sqrt(s)) x n).
//   bench_band_recall [--shape B,H,S,D --layout TEXT,T,H,W]... [--sparsity 0.5] [--iters N]
// Defaults: (2,48,17776,64) with 226+13x30x45 and (1,24,119056,128) with 256+33x45x80.
#include "kernels/band_recall.h"
#include "kernels/bench/bench_support.cuh"
#include "kernels/block_sparse_attention.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using namespace astraea::kernels;

namespace {

struct Case {
  int batch, heads, seq, dim;
  int text, frames, height, width;
};

struct Options {
  std::vector<Case> cases;
  double sparsity = 0.5;
  int iters = 20;
};

Options parse(int argc, char** argv) {
  Options opt;
  std::vector<std::vector<std::string>> shapes, layouts;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(flag + ": needs a value");
    const std::string value = argv[++i];
    if (flag == "--shape") shapes.push_back(bench::split_commas(value));
    else if (flag == "--layout") layouts.push_back(bench::split_commas(value));
    else if (flag == "--sparsity") opt.sparsity = bench::parse_number(flag, value);
    else if (flag == "--iters") opt.iters = bench::parse_int(flag, value);
    else throw std::invalid_argument("unknown flag " + flag + " (--shape, --layout, --sparsity, --iters)");
  }
  if (shapes.size() != layouts.size()) throw std::invalid_argument("give one --layout per --shape");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].size() != 4 || layouts[i].size() != 4) throw std::invalid_argument("--shape is B,H,S,D and --layout TEXT,T,H,W");
    Case c{};
    int* fields[] = {&c.batch, &c.heads, &c.seq, &c.dim, &c.text, &c.frames, &c.height, &c.width};
    for (int f = 0; f < 8; ++f) *fields[f] = bench::parse_int(f < 4 ? "--shape" : "--layout", f < 4 ? shapes[i][f] : layouts[i][f - 4]);
    if (c.text + c.frames * c.height * c.width != c.seq) throw std::invalid_argument("--layout does not add up to the shape's S");
    opt.cases.push_back(c);
  }
  if (opt.cases.empty()) opt.cases = {{2, 48, 17776, 64, 226, 13, 30, 45}, {1, 24, 119056, 128, 256, 33, 45, 80}};
  if (!(opt.sparsity >= 0 && opt.sparsity < 1) || opt.iters < 1) throw std::invalid_argument("--sparsity in [0, 1) and --iters >= 1");
  return opt;
}

template <class Launch>
double median_ms(Launch&& launch, int iters) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  launch();
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) times.push_back(bench::time_launch_ms(launch, start, stop));
  std::sort(times.begin(), times.end());
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("# %s, %d SMs, bf16, sparsity %.2f; median of %d launches each\n", prop.name, prop.multiProcessorCount, opt.sparsity, opt.iters);
  std::printf("%22s %9s %9s %10s %14s %13s %13s\n", "shape", "samples", "dense ms", "recall ms", "% of dense", "local recall", "global recall");
  for (const Case& c : opt.cases) {
    const std::size_t elements = static_cast<std::size_t>(c.batch) * c.heads * c.seq * c.dim;
    __nv_bfloat16 *q, *k, *v, *o;
    float* lse;
    for (auto** t : {&q, &k, &v, &o}) check_cuda(cudaMalloc(t, elements * 2), "cudaMalloc");
    check_cuda(cudaMalloc(&lse, static_cast<std::size_t>(c.batch) * c.heads * c.seq * 4), "cudaMalloc lse");
    bench::fill_random_tensors({q, k, v}, elements, 7);
    const BlockSparseAttentionParams dense = bench::dense_attention_params(q, k, v, o, lse, c.batch, c.heads, c.seq, c.dim);
    const double dense_ms = median_ms([&] { block_sparse_attention(dense, nullptr); }, std::max(5, opt.iters / 2));

    const int n = c.height * c.width;
    const int stride = std::max(1, c.frames - 1);
    const auto half_width = static_cast<std::int64_t>(std::floor((1.0 - std::sqrt(opt.sparsity)) * n));
    // As ARM launches it: each block's share of the means stored in mapped host memory.
    const std::size_t slices = static_cast<std::size_t>(c.batch) * c.heads;
    const std::size_t blocks = static_cast<std::size_t>(band_recall_row_blocks(n));
    float *shares, *device_shares;
    check_cuda(cudaHostAlloc(reinterpret_cast<void**>(&shares), 2 * slices * blocks * 4, cudaHostAllocMapped), "cudaHostAlloc shares");
    check_cuda(cudaHostGetDevicePointer(reinterpret_cast<void**>(&device_shares), shares, 0), "cudaHostGetDevicePointer");
    BandRecallParams p;
    p.q = q, p.k = k;
    p.q_strides[0] = p.k_strides[0] = static_cast<std::int64_t>(c.heads) * c.seq * c.dim;
    p.q_strides[1] = p.k_strides[1] = static_cast<std::int64_t>(c.seq) * c.dim;
    p.q_strides[2] = p.k_strides[2] = c.dim;
    p.batch = c.batch, p.heads = c.heads, p.len = c.seq, p.head_dim = c.dim, p.sample_count = 2;
    for (int s = 0; s < 2; ++s) {
      p.samples[s] = {nullptr, n, half_width, nullptr, nullptr, device_shares + s * slices * blocks};
      p.samples[s].start = c.text;
      p.samples[s].step = s == 0 ? 1 : stride;
    }
    const double ms = median_ms([&] { band_recall(p, nullptr); }, opt.iters);
    // The means of the last launch, averaged over the slices: what ARM would compare, and a check
    // that variants of the kernel agree.
    check_cuda(cudaDeviceSynchronize(), "band_recall");
    double recall[2] = {0, 0};
    for (std::size_t i = 0; i < 2 * slices * blocks; ++i) recall[i / (slices * blocks)] += shares[i] / static_cast<double>(slices);
    char shape[64], samples[32];
    std::snprintf(shape, sizeof shape, "(%d,%d,%d,%d)", c.batch, c.heads, c.seq, c.dim);
    std::snprintf(samples, sizeof samples, "%dx2", n);
    std::printf("%22s %9s %9.3f %10.4f %13.2f%% %13.7f %13.7f\n", shape, samples, dense_ms, ms, 100.0 * ms / dense_ms, recall[0], recall[1]);
    cudaFreeHost(shares);
    for (auto* t : {q, k, v, o}) cudaFree(t);
    cudaFree(lse);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_band_recall: %s\n", e.what());
  return 1;
}
