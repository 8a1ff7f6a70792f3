// The block-sparse attention kernel against a naive fp32 GPU reference on the same inputs and the
// same block mask. Pass: the kernel's largest output error is at most twice that of a reference
// rounded like a 16-bit dense kernel (scores, normalised P and O rounded to the input dtype), and
// its LSE is within 1e-3 of the fp32 LSE. Inputs and masks are drawn fresh on every run; outputs
// are poisoned with NaN before each launch. Skipped when no GPU is present.
#include "kernels/block_sparse_attention.h"
#include "kernels/block_sparse_attention_reference.h"
#include "kernels/launch_check.h"
#include "kernels/kernel_test_support.h"
#include "support/catch.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace astraea::kernels;
using namespace astraea::kernels::testing;

namespace {

struct Case {
  std::string name;
  AttentionDtype dtype;
  int batch, heads, seq, dim;
  double density;            // fraction of key blocks per query block (diagonal always kept); 1 with dense_policy
  bool dense_policy = false;  // kv_indices == nullptr
  bool diagonal_rows = false; // every odd query block keeps only its diagonal block
  bool bshd = false;          // tensors stored [B, S, H, D]
};

// FlexAttention layout: counts [B,H,Mq], indices [B,H,Mq,Nk]; rows in random order, unused
// entries filled with the diagonal block so that reading past the count would double-count it.
void draw_mask(const Case& c, std::mt19937& rng, std::vector<std::int32_t>& counts, std::vector<std::int32_t>& indices) {
  const int blocks = (c.seq + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize;
  const int per_row = std::max(1, static_cast<int>(std::lround(c.density * blocks)));
  counts.assign(static_cast<std::size_t>(c.batch) * c.heads * blocks, 0);
  indices.assign(counts.size() * blocks, 0);
  std::vector<std::int32_t> others(blocks - 1);
  for (std::size_t r = 0; r < counts.size(); ++r) {
    const int q_block = static_cast<int>(r % blocks);
    const int count = c.diagonal_rows && q_block % 2 == 1 ? 1 : per_row;
    std::iota(others.begin(), others.end(), 0);
    for (auto& o : others) o += o >= q_block ? 1 : 0;
    std::shuffle(others.begin(), others.end(), rng);
    std::int32_t* row = indices.data() + r * blocks;
    std::fill(row, row + blocks, q_block);
    std::copy(others.begin(), others.begin() + (count - 1), row + 1);
    std::shuffle(row, row + count, rng);
    counts[r] = count;
  }
}

void run_case(const Case& c) {
  INFO(c.name);
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);

  const std::size_t elements = static_cast<std::size_t>(c.batch) * c.heads * c.seq * c.dim;
  const std::size_t rows = static_cast<std::size_t>(c.batch) * c.heads * c.seq;
  std::vector<std::uint16_t> q(elements), k(elements), v(elements);
  for (auto* t : {&q, &k, &v}) {
    for (auto& x : *t) x = to_bits(normal(rng), c.dtype);
  }
  std::vector<std::int32_t> counts, indices;
  draw_mask(c, rng, counts, indices);

  DeviceBuffer<std::uint16_t> dq(elements), dk(elements), dv(elements), dout(elements);
  DeviceBuffer<float> dlse(rows), ref_out(elements), ref_lse(rows), rounded_out(elements);
  DeviceBuffer<std::int32_t> dcounts(counts.size()), dindices(indices.size());
  check_cuda(cudaMemcpy(dq.data, q.data(), elements * 2, cudaMemcpyHostToDevice), "copy q");
  check_cuda(cudaMemcpy(dk.data, k.data(), elements * 2, cudaMemcpyHostToDevice), "copy k");
  check_cuda(cudaMemcpy(dv.data, v.data(), elements * 2, cudaMemcpyHostToDevice), "copy v");
  check_cuda(cudaMemcpy(dcounts.data, counts.data(), counts.size() * 4, cudaMemcpyHostToDevice), "copy counts");
  check_cuda(cudaMemcpy(dindices.data, indices.data(), indices.size() * 4, cudaMemcpyHostToDevice), "copy indices");
  check_cuda(cudaMemset(dout.data, 0xFF, elements * 2), "poison out");
  check_cuda(cudaMemset(dlse.data, 0xFF, rows * 4), "poison lse");

  BlockSparseAttentionParams p;
  p.q = dq.data;
  p.k = dk.data;
  p.v = dv.data;
  p.o = dout.data;
  p.lse = dlse.data;
  p.dtype = c.dtype;
  p.batch = c.batch;
  p.heads = c.heads;
  p.q_len = p.kv_len = c.seq;
  p.head_dim = c.dim;
  p.softmax_scale = 1.f / std::sqrt(static_cast<float>(c.dim));
  set_contiguous_strides(p);
  if (c.bshd) {
    const std::int64_t row = static_cast<std::int64_t>(c.heads) * c.dim, head = c.dim, batch = row * c.seq;
    p.q_row_stride = p.k_row_stride = p.v_row_stride = p.o_row_stride = row;
    p.q_head_stride = p.k_head_stride = p.v_head_stride = p.o_head_stride = head;
    p.q_batch_stride = p.k_batch_stride = p.v_batch_stride = p.o_batch_stride = batch;
  }
  if (!c.dense_policy) {
    p.kv_num_blocks = dcounts.data;
    p.kv_indices = dindices.data;
  }
  block_sparse_attention(p, nullptr);
  block_sparse_attention_reference(p, ReferencePrecision::kFloat32, ref_out.data, ref_lse.data, nullptr);
  block_sparse_attention_reference(p, ReferencePrecision::kInputRounded, rounded_out.data, nullptr, nullptr);
  check_cuda(cudaDeviceSynchronize(), "kernels");

  std::vector<std::uint16_t> out(elements);
  std::vector<float> lse(rows), expected(elements), expected_lse(rows), rounded(elements);
  check_cuda(cudaMemcpy(out.data(), dout.data, elements * 2, cudaMemcpyDeviceToHost), "copy out");
  check_cuda(cudaMemcpy(lse.data(), dlse.data, rows * 4, cudaMemcpyDeviceToHost), "copy lse");
  check_cuda(cudaMemcpy(expected.data(), ref_out.data, elements * 4, cudaMemcpyDeviceToHost), "copy ref");
  check_cuda(cudaMemcpy(expected_lse.data(), ref_lse.data, rows * 4, cudaMemcpyDeviceToHost), "copy ref lse");
  check_cuda(cudaMemcpy(rounded.data(), rounded_out.data, elements * 4, cudaMemcpyDeviceToHost), "copy rounded");

  double kernel_error = 0, rounded_error = 0, lse_error = 0;
  std::size_t non_finite = 0;
  for (int b = 0; b < c.batch; ++b) {
    for (int h = 0; h < c.heads; ++h) {
      for (int s = 0; s < c.seq; ++s) {
        const std::size_t ref_row = (static_cast<std::size_t>(b) * c.heads + h) * c.seq + s;
        const std::size_t out_row = static_cast<std::size_t>(b * p.o_batch_stride + h * p.o_head_stride + s * p.o_row_stride);
        for (int d = 0; d < c.dim; ++d) {
          const float got = from_bits(out[out_row + d], c.dtype);
          const float want = expected[ref_row * c.dim + d];
          if (!std::isfinite(got)) ++non_finite;
          kernel_error = std::max(kernel_error, static_cast<double>(std::fabs(got - want)));
          rounded_error = std::max(rounded_error, static_cast<double>(std::fabs(rounded[ref_row * c.dim + d] - want)));
        }
        if (!std::isfinite(lse[ref_row])) ++non_finite;
        lse_error = std::max(lse_error, static_cast<double>(std::fabs(lse[ref_row] - expected_lse[ref_row])));
      }
    }
  }
  std::printf("%-52s max|err| %.3e (16-bit reference %.3e), max|lse err| %.3e\n", c.name.c_str(), kernel_error, rounded_error, lse_error);
  INFO("max |out - fp32 ref| " << kernel_error << ", 16-bit reference " << rounded_error << ", max |lse error| " << lse_error);
  CHECK(non_finite == 0);
  CHECK(kernel_error <= 2 * rounded_error + 1e-5);
  CHECK(lse_error <= 1e-3);
}

}  // namespace

TEST_CASE("block-sparse attention matches an fp32 reference", "[kernels][gpu]") {
  ASTRAEA_REQUIRE_SM90("block-sparse attention test");
  const auto bf16 = AttentionDtype::kBf16, fp16 = AttentionDtype::kFp16;
  const std::vector<Case> cases = {
      {"dense policy, S=257, hd64", bf16, 1, 2, 257, 64, 1.0, true},
      {"dense policy, B*H=160 above the SM count, S=1000, hd64 fp16", fp16, 2, 80, 1000, 64, 1.0, true},
      {"dense policy, S=17776, hd64", bf16, 1, 2, 17776, 64, 1.0, true},
      {"dense policy, [B,S,H,D] strides, S=300, hd64", bf16, 1, 6, 300, 64, 1.0, true, false, true},
      {"S=17, one partial block, hd128", bf16, 1, 2, 17, 128, 1.0},
      {"block list at density 1, S=257, hd128 fp16", fp16, 2, 3, 257, 128, 1.0},
      {"text + video S=226+17*20, density 0.5, hd128", bf16, 1, 4, 566, 128, 0.5},
      {"B*H=160 above the SM count, density 0.25, hd64", bf16, 2, 80, 1000, 64, 0.25},
      {"B*H=144, density 0.1, hd128 fp16", fp16, 1, 144, 2600, 128, 0.1},
      {"diagonal-only odd rows, density 0.5, hd64", bf16, 2, 3, 1000, 64, 0.5, false, true},
      {"[B,S,H,D] strides, density 0.5, hd96", bf16, 1, 6, 300, 96, 0.5, false, false, true},
      {"dense policy, S=257, hd96 fp16", fp16, 1, 2, 257, 96, 1.0, true},
      {"S=17776, density 0.1, hd64", bf16, 1, 2, 17776, 64, 0.1},
      {"S=17776, density 0.25, hd128 fp16", fp16, 1, 1, 17776, 128, 0.25},
  };
  for (const Case& c : cases) {
    SECTION(c.name) { run_case(c); }
  }
}

namespace {

struct GatherCase {
  std::string name;
  AttentionDtype dtype;
  int batch, heads, seq, rows, dim;
};

// Query-row gather: the kernel reads rows[b, r] of the full q; the reference runs the dense mask on
// the rows gathered on the host. Same error bounds as run_case.
void run_gather_case(const GatherCase& c) {
  INFO(c.name);
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  const std::size_t row_elems = c.dim;
  const std::size_t full = static_cast<std::size_t>(c.batch) * c.heads * c.seq * c.dim;
  const std::size_t picked = static_cast<std::size_t>(c.batch) * c.heads * c.rows * c.dim;
  const std::size_t out_rows = static_cast<std::size_t>(c.batch) * c.heads * c.rows;
  std::vector<std::uint16_t> q(full), k(full), v(full), q_sel(picked);
  for (auto* t : {&q, &k, &v}) {
    for (auto& x : *t) x = to_bits(normal(rng), c.dtype);
  }
  std::vector<std::int32_t> rows(static_cast<std::size_t>(c.batch) * c.rows);
  for (int b = 0; b < c.batch; ++b) {
    std::vector<std::int32_t> all(c.seq);
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng);
    std::sort(all.begin(), all.begin() + c.rows);
    std::copy(all.begin(), all.begin() + c.rows, rows.begin() + static_cast<std::size_t>(b) * c.rows);
    for (int h = 0; h < c.heads; ++h) {
      for (int r = 0; r < c.rows; ++r) {
        const std::size_t src = ((static_cast<std::size_t>(b) * c.heads + h) * c.seq + all[r]) * row_elems;
        const std::size_t dst = ((static_cast<std::size_t>(b) * c.heads + h) * c.rows + r) * row_elems;
        std::copy(q.begin() + src, q.begin() + src + row_elems, q_sel.begin() + dst);
      }
    }
  }
  DeviceBuffer<std::uint16_t> dq(full), dk(full), dv(full), dq_sel(picked), dout(picked);
  DeviceBuffer<float> dlse(out_rows), ref_out(picked), ref_lse(out_rows), rounded_out(picked);
  DeviceBuffer<std::int32_t> drows(rows.size());
  check_cuda(cudaMemcpy(dq.data, q.data(), full * 2, cudaMemcpyHostToDevice), "copy q");
  check_cuda(cudaMemcpy(dk.data, k.data(), full * 2, cudaMemcpyHostToDevice), "copy k");
  check_cuda(cudaMemcpy(dv.data, v.data(), full * 2, cudaMemcpyHostToDevice), "copy v");
  check_cuda(cudaMemcpy(dq_sel.data, q_sel.data(), picked * 2, cudaMemcpyHostToDevice), "copy q_sel");
  check_cuda(cudaMemcpy(drows.data, rows.data(), rows.size() * 4, cudaMemcpyHostToDevice), "copy rows");
  check_cuda(cudaMemset(dout.data, 0xFF, picked * 2), "poison out");
  check_cuda(cudaMemset(dlse.data, 0xFF, out_rows * 4), "poison lse");

  BlockSparseAttentionParams p;
  p.q = dq_sel.data;  // the reference reads the pre-gathered rows
  p.k = dk.data;
  p.v = dv.data;
  p.o = dout.data;
  p.lse = dlse.data;
  p.dtype = c.dtype;
  p.batch = c.batch;
  p.heads = c.heads;
  p.q_len = c.rows;
  p.kv_len = c.seq;
  p.head_dim = c.dim;
  p.softmax_scale = 1.f / std::sqrt(static_cast<float>(c.dim));
  set_contiguous_strides(p);
  block_sparse_attention_reference(p, ReferencePrecision::kFloat32, ref_out.data, ref_lse.data, nullptr);
  block_sparse_attention_reference(p, ReferencePrecision::kInputRounded, rounded_out.data, nullptr, nullptr);
  BlockSparseAttentionParams g = p;
  g.q = dq.data;
  g.q_rows = drows.data;
  g.q_rows_batch_stride = c.rows;
  g.q_source_len = c.seq;
  g.q_head_stride = static_cast<std::int64_t>(c.seq) * c.dim;
  g.q_batch_stride = c.heads * g.q_head_stride;
  block_sparse_attention(g, nullptr);
  check_cuda(cudaDeviceSynchronize(), "kernels");

  std::vector<std::uint16_t> out(picked);
  std::vector<float> lse(out_rows), expected(picked), expected_lse(out_rows), rounded(picked);
  check_cuda(cudaMemcpy(out.data(), dout.data, picked * 2, cudaMemcpyDeviceToHost), "copy out");
  check_cuda(cudaMemcpy(lse.data(), dlse.data, out_rows * 4, cudaMemcpyDeviceToHost), "copy lse");
  check_cuda(cudaMemcpy(expected.data(), ref_out.data, picked * 4, cudaMemcpyDeviceToHost), "copy ref");
  check_cuda(cudaMemcpy(expected_lse.data(), ref_lse.data, out_rows * 4, cudaMemcpyDeviceToHost), "copy ref lse");
  check_cuda(cudaMemcpy(rounded.data(), rounded_out.data, picked * 4, cudaMemcpyDeviceToHost), "copy rounded");
  double kernel_error = 0, rounded_error = 0, lse_error = 0;
  std::size_t non_finite = 0;
  for (std::size_t i = 0; i < picked; ++i) {
    const float got = from_bits(out[i], c.dtype);
    if (!std::isfinite(got)) ++non_finite;
    kernel_error = std::max(kernel_error, static_cast<double>(std::fabs(got - expected[i])));
    rounded_error = std::max(rounded_error, static_cast<double>(std::fabs(rounded[i] - expected[i])));
  }
  for (std::size_t i = 0; i < out_rows; ++i) {
    if (!std::isfinite(lse[i])) ++non_finite;
    lse_error = std::max(lse_error, static_cast<double>(std::fabs(lse[i] - expected_lse[i])));
  }
  std::printf("%-52s max|err| %.3e (16-bit reference %.3e), max|lse err| %.3e\n", c.name.c_str(), kernel_error, rounded_error, lse_error);
  INFO("max |out - fp32 ref| " << kernel_error << ", 16-bit reference " << rounded_error << ", max |lse error| " << lse_error);
  CHECK(non_finite == 0);
  CHECK(kernel_error <= 2 * rounded_error + 1e-5);
  CHECK(lse_error <= 1e-3);
}

}  // namespace

TEST_CASE("block-sparse attention gathers query rows in its Q load", "[kernels][gpu]") {
  ASTRAEA_REQUIRE_SM90("query-row gather test");
  const auto bf16 = AttentionDtype::kBf16, fp16 = AttentionDtype::kFp16;
  const std::vector<GatherCase> cases = {
      {"gather 100 of 257 rows, hd64", bf16, 2, 3, 257, 100, 64},
      {"gather 1 of 17 rows, hd128 fp16", fp16, 1, 2, 17, 1, 128},
      {"gather 300 of 566 rows (text + video), hd96", bf16, 1, 4, 566, 300, 96},
      {"gather 7000 of 17776 rows, B*H=6, hd64", bf16, 2, 3, 17776, 7000, 64},
      {"gather 3000 of 4000 rows, B*H=140 above the SM count, hd64 fp16", fp16, 2, 70, 4000, 3000, 64},
      {"gather 2600 of 2600 rows, hd128", bf16, 1, 5, 2600, 2600, 128},
  };
  for (const GatherCase& c : cases) {
    SECTION(c.name) { run_gather_case(c); }
  }
}
