// Times row-subset attention (ASTRAEA): k = fraction * S query rows over all S keys, with the
// rows gathered inside the kernel's Q load (q_rows) and, for comparison, with the rows already
// contiguous (the caller gathered them), against dense attention over all S rows measured in the
// same run. Target: time(k rows) <= 1.1 * (k / S) * time(dense). Rows are a uniform random sorted
// subset per batch element (ASTRAEA's top-k is scattered over the video).
//
// With --token-major, q, k and v are laid out as the model's projections leave them, [B, S, H, D]
// (a row stride of H * D), instead of [B, H, S, D]; the output stays [B, H, S, D].
//
//   bench_row_subset_attention [--shape B,H,S,D]... [--fraction 0.4,0.5,0.7] [--iters N]
//                              [--warmup-ms 2000] [--seed N] [--token-major] [--json out.json]
#include "kernels/bench/bench_support.cuh"
#include "kernels/block_sparse_attention.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
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
  std::vector<double> fractions{0.4, 0.5, 0.7};
  int max_iters = 20;
  double warmup_ms = 2000;
  std::uint64_t seed = 0;
  bool token_major = false;
  std::string json;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--token-major") {
      o.token_major = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--shape") {
      const auto f = bench::split_commas(value);
      if (f.size() != 4) throw std::invalid_argument("--shape wants B,H,S,D, got " + value);
      o.shapes.push_back({std::stoi(f[0]), std::stoi(f[1]), std::stoi(f[2]), std::stoi(f[3])});
    } else if (flag == "--fraction") {
      o.fractions.clear();
      for (const auto& f : bench::split_commas(value)) o.fractions.push_back(std::stod(f));
    } else if (flag == "--iters") {
      o.max_iters = std::stoi(value);
    } else if (flag == "--warmup-ms") {
      o.warmup_ms = std::stod(value);
    } else if (flag == "--seed") {
      o.seed = std::stoull(value);
    } else if (flag == "--json") {
      o.json = value;
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (o.shapes.empty()) o.shapes = {{2, 48, 17776, 64}, {1, 40, 32760, 128}};
  return o;
}

// q, k and v as [B, S, H, D] (token-major), each with its own row count.
void set_token_major_strides(BlockSparseAttentionParams& p) {
  const std::int64_t row = static_cast<std::int64_t>(p.heads) * p.head_dim;
  p.q_row_stride = p.k_row_stride = p.v_row_stride = row;
  p.q_head_stride = p.k_head_stride = p.v_head_stride = p.head_dim;
  p.q_batch_stride = row * p.q_len;
  p.k_batch_stride = p.v_batch_stride = row * p.kv_len;
}

// Copies rows[b, r] of src [B, H, S, D] to dst [B, H, k, D] (the caller-side gather).
__global__ void gather_rows(const __nv_bfloat16* src, __nv_bfloat16* dst, const std::int32_t* rows, int batch, int heads, int seq, int k,
                            int dim) {
  const std::size_t total = static_cast<std::size_t>(batch) * heads * k * dim;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < total; i += gridDim.x * static_cast<std::size_t>(blockDim.x)) {
    const int d = static_cast<int>(i % dim);
    const int r = static_cast<int>((i / dim) % k);
    const std::size_t bh = i / dim / k;
    const int b = static_cast<int>(bh / heads);
    dst[i] = src[(bh * seq + rows[static_cast<std::size_t>(b) * k + r]) * dim + d];
  }
}

double time_once(const BlockSparseAttentionParams& p, cudaEvent_t start, cudaEvent_t stop) {
  return bench::time_launch_ms([&] { block_sparse_attention(p, nullptr); }, start, stop);
}

struct Timing {
  double median_ms;
  int iters;
};

Timing time_launches(const BlockSparseAttentionParams& p, int max_iters) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  const double first = time_once(p, start, stop);
  time_once(p, start, stop);
  const int iters = std::clamp(static_cast<int>(4000.0 / std::max(first, 1e-3)), 5, std::max(5, max_iters));
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) times.push_back(time_once(p, start, stop));
  std::sort(times.begin(), times.end());
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return {times[times.size() / 2], iters};
}

void warm_up(const BlockSparseAttentionParams& p, double milliseconds) {
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "event");
  check_cuda(cudaEventCreate(&stop), "event");
  const double once = time_once(p, start, stop);
  for (int i = 1; i * once < milliseconds; ++i) block_sparse_attention(p, nullptr);
  check_cuda(cudaDeviceSynchronize(), "warm-up");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

}  // namespace

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("# %s, %d SMs, bf16; ratio = ms / (k/S * dense ms), target <= 1.10\n", prop.name, prop.multiProcessorCount);
  std::printf("%22s %6s %9s %10s %6s %9s %7s\n", "shape", "k/S", "rows", "ms", "iters", "eff TF/s", "ratio");
  std::ofstream json;
  if (!opt.json.empty()) json.open(opt.json), json << "[\n";
  bool first_row = true;
  std::mt19937_64 rng(opt.seed);

  for (const Shape& s : opt.shapes) {
    const std::size_t elements = static_cast<std::size_t>(s.batch) * s.heads * s.seq * s.dim;
    __nv_bfloat16 *q, *k, *v, *o, *q_selected;
    float* lse;
    for (auto** t : {&q, &k, &v, &o, &q_selected}) check_cuda(cudaMalloc(t, elements * 2), "cudaMalloc");
    check_cuda(cudaMalloc(&lse, static_cast<std::size_t>(s.batch) * s.heads * s.seq * 4), "cudaMalloc lse");
    bench::fill_random_tensors({q, k, v}, elements, 1);
    BlockSparseAttentionParams dense = bench::dense_attention_params(q, k, v, o, lse, s.batch, s.heads, s.seq, s.dim);
    if (opt.token_major) set_token_major_strides(dense);
    warm_up(dense, opt.warmup_ms);
    const double dense_flops = 4.0 * s.batch * s.heads * static_cast<double>(s.seq) * s.seq * s.dim;
    char shape[64];
    std::snprintf(shape, sizeof(shape), "(%d,%d,%d,%d)%s", s.batch, s.heads, s.seq, s.dim, opt.token_major ? " BSHD" : "");
    auto row = [&](double fraction, const char* variant, const Timing& t, double ratio) {
      const double tflops = dense_flops * fraction / t.median_ms / 1e9;
      std::printf("%22s %6.2f %9s %10.3f %6d %9.1f %7.3f\n", shape, fraction, variant, t.median_ms, t.iters, tflops, ratio);
      if (json.is_open()) {
        json << (first_row ? "" : ",\n") << "{\"shape\": [" << s.batch << ", " << s.heads << ", " << s.seq << ", " << s.dim
             << "], \"token_major\": " << (opt.token_major ? "true" : "false") << ", \"fraction\": " << fraction << ", \"variant\": \"" << variant << "\", \"ms\": " << t.median_ms
             << ", \"iters\": " << t.iters << ", \"tflops\": " << tflops << ", \"ratio\": " << ratio << "}";
        first_row = false;
      }
    };
    const Timing full = time_launches(dense, opt.max_iters);
    row(1.0, "dense", full, 1.0);

    for (const double fraction : opt.fractions) {
      const int rows_count = std::max(1, static_cast<int>(std::lround(fraction * s.seq)));
      std::vector<std::int32_t> rows(static_cast<std::size_t>(s.batch) * rows_count);
      for (int b = 0; b < s.batch; ++b) {
        std::vector<std::int32_t> all(s.seq);
        std::iota(all.begin(), all.end(), 0);
        std::shuffle(all.begin(), all.end(), rng);
        std::sort(all.begin(), all.begin() + rows_count);
        std::copy(all.begin(), all.begin() + rows_count, rows.begin() + static_cast<std::size_t>(b) * rows_count);
      }
      std::int32_t* device_rows = nullptr;
      check_cuda(cudaMalloc(&device_rows, rows.size() * 4), "cudaMalloc rows");
      check_cuda(cudaMemcpy(device_rows, rows.data(), rows.size() * 4, cudaMemcpyHostToDevice), "copy rows");
      const double exact = static_cast<double>(rows_count) / s.seq;

      if (!opt.token_major) {
        BlockSparseAttentionParams gathered = dense;
        gathered.q_len = rows_count;
        set_contiguous_strides(gathered);  // o and lse: [B, H, k, D]; q strides fixed below
        gathered.q_head_stride = static_cast<std::int64_t>(s.seq) * s.dim;
        gathered.q_batch_stride = s.heads * gathered.q_head_stride;
        gathered.q_rows = device_rows;
        gathered.q_rows_batch_stride = rows_count;
        gathered.q_source_len = s.seq;
        const Timing tg = time_launches(gathered, opt.max_iters);
        row(exact, "gather", tg, tg.median_ms / (exact * full.median_ms));
      }

      gather_rows<<<1024, 256>>>(q, q_selected, device_rows, s.batch, s.heads, s.seq, rows_count, s.dim);
      check_launch("gather_rows");
      BlockSparseAttentionParams selected = dense;
      selected.q = q_selected;
      selected.q_len = rows_count;
      set_contiguous_strides(selected);
      if (opt.token_major) set_token_major_strides(selected);  // the values are random either way
      const Timing ts = time_launches(selected, opt.max_iters);
      row(exact, "selected", ts, ts.median_ms / (exact * full.median_ms));
      cudaFree(device_rows);
    }
    for (auto* t : {q, k, v, o, q_selected}) cudaFree(t);
    cudaFree(lse);
  }
  if (json.is_open()) json << "\n]\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_row_subset_attention: %s\n", e.what());
  return 1;
}
