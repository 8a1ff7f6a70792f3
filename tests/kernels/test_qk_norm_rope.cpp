// The fused query/key preparation (per-head LayerNorm, then RoPE on the video rows) against a
// double-precision host computation of the same definition on the same 16-bit inputs, with the
// same two roundings to the element type. Inputs, affine parameters, tables and table rows are
// drawn fresh on every run; the output is poisoned with NaN before each launch, so an element the
// kernel skips fails. Skipped when no sm_90 GPU is present.
#include "kernels/kernel_test_support.h"
#include "kernels/qk_norm_rope.h"
#include "support/catch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
  int batch, seq, heads, dim, text;
  bool affine = true;
  bool rope = true;
  int table_len = 0;        // > seq - text: rows picked at random from a longer table
  bool head_major = true;   // else the output keeps the input's [B, S, H, D] order
};

// One unit in the last place of |x| for the element type (normal range).
double ulp(double x, AttentionDtype dtype) {
  const int mantissa = dtype == AttentionDtype::kBf16 ? 7 : 10;
  return std::ldexp(1.0, std::ilogb(std::max(std::abs(x), 1e-3)) - mantissa);
}

double round_to(double x, AttentionDtype dtype) { return from_bits(to_bits(static_cast<float>(x), dtype), dtype); }

void run_case(const Case& c, std::mt19937_64& rng) {
  INFO(c.name);
  const std::int64_t row = static_cast<std::int64_t>(c.heads) * c.dim;
  const std::size_t count = static_cast<std::size_t>(c.batch) * c.seq * row;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<std::uint16_t> x(count);
  // Rows with an offset and a scale of their own, as projections produce.
  for (std::size_t r = 0; r < count / c.dim; ++r) {
    const float shift = 2.f * normal(rng), scale = 0.5f + std::abs(normal(rng));
    for (int d = 0; d < c.dim; ++d) x[r * c.dim + d] = to_bits(shift + scale * normal(rng), c.dtype);
  }
  std::vector<float> weight(c.dim), bias(c.dim);
  for (auto& w : weight) w = 1.f + 0.3f * normal(rng);
  for (auto& b : bias) b = 0.2f * normal(rng);
  const int video = c.seq - c.text;
  const int table_len = std::max(c.table_len, video);
  std::vector<float> cos(static_cast<std::size_t>(table_len) * c.dim), sin(cos.size());
  std::uniform_real_distribution<double> angle(-3.14159, 3.14159);
  for (std::size_t i = 0; i < cos.size(); ++i) {
    const double a = angle(rng);
    cos[i] = static_cast<float>(std::cos(a));
    sin[i] = static_cast<float>(std::sin(a));
  }
  std::vector<std::int64_t> table_rows;
  if (c.table_len > 0) {
    for (int b = 0; b < c.batch; ++b) {
      std::vector<std::int64_t> all(static_cast<std::size_t>(table_len));
      std::iota(all.begin(), all.end(), 0);
      std::shuffle(all.begin(), all.end(), rng);
      table_rows.insert(table_rows.end(), all.begin(), all.begin() + video);
    }
  }

  DeviceBuffer<std::uint16_t> dx(count), dout(count);
  DeviceBuffer<float> dweight(c.dim), dbias(c.dim), dcos(cos.size()), dsin(sin.size());
  DeviceBuffer<std::int64_t> drows(std::max<std::size_t>(1, table_rows.size()));
  check_cuda(cudaMemcpy(dx.data, x.data(), count * 2, cudaMemcpyHostToDevice), "copy x");
  check_cuda(cudaMemcpy(dweight.data, weight.data(), weight.size() * 4, cudaMemcpyHostToDevice), "copy weight");
  check_cuda(cudaMemcpy(dbias.data, bias.data(), bias.size() * 4, cudaMemcpyHostToDevice), "copy bias");
  check_cuda(cudaMemcpy(dcos.data, cos.data(), cos.size() * 4, cudaMemcpyHostToDevice), "copy cos");
  check_cuda(cudaMemcpy(dsin.data, sin.data(), sin.size() * 4, cudaMemcpyHostToDevice), "copy sin");
  if (!table_rows.empty()) check_cuda(cudaMemcpy(drows.data, table_rows.data(), table_rows.size() * 8, cudaMemcpyHostToDevice), "copy rows");
  check_cuda(cudaMemset(dout.data, 0xFF, count * 2), "poison");  // NaN in both types

  QkNormRopeParams p;
  p.x = dx.data;
  p.out = dout.data;
  p.x_strides[0] = c.seq * row;
  p.x_strides[1] = row;
  const std::int64_t out_batch = c.seq * row;
  const std::int64_t out_head = c.head_major ? static_cast<std::int64_t>(c.seq) * c.dim : c.dim;
  const std::int64_t out_row = c.head_major ? c.dim : row;
  p.out_strides[0] = out_batch, p.out_strides[1] = out_head, p.out_strides[2] = out_row;
  p.weight = c.affine ? dweight.data : nullptr;
  p.bias = c.affine ? dbias.data : nullptr;
  p.eps = 1e-6f;
  p.cos = c.rope ? dcos.data : nullptr;
  p.sin = c.rope ? dsin.data : nullptr;
  p.table_rows = table_rows.empty() ? nullptr : drows.data;
  p.table_rows_stride = video;
  p.batch = c.batch, p.seq = c.seq, p.heads = c.heads, p.head_dim = c.dim, p.text_tokens = c.text;
  p.dtype = c.dtype;
  qk_norm_rope(p, nullptr);
  check_cuda(cudaDeviceSynchronize(), "qk_norm_rope");
  std::vector<std::uint16_t> out(count);
  check_cuda(cudaMemcpy(out.data(), dout.data, count * 2, cudaMemcpyDeviceToHost), "copy out");

  std::size_t exact = 0, checked = 0;
  double worst_ulps = 0;
  std::vector<double> y(static_cast<std::size_t>(c.dim));
  for (int b = 0; b < c.batch; ++b) {
    for (int s = 0; s < c.seq; ++s) {
      for (int h = 0; h < c.heads; ++h) {
        const std::size_t in = static_cast<std::size_t>((static_cast<std::int64_t>(b) * c.seq + s) * row + h * c.dim);
        double mean = 0, var = 0;
        for (int d = 0; d < c.dim; ++d) mean += from_bits(x[in + d], c.dtype);
        mean /= c.dim;
        for (int d = 0; d < c.dim; ++d) var += std::pow(from_bits(x[in + d], c.dtype) - mean, 2);
        const double rstd = 1.0 / std::sqrt(var / c.dim + 1e-6);
        for (int d = 0; d < c.dim; ++d) {
          const double n = (from_bits(x[in + d], c.dtype) - mean) * rstd;
          y[static_cast<std::size_t>(d)] = round_to(c.affine ? n * weight[d] + bias[d] : n, c.dtype);
        }
        const bool rotate = c.rope && s >= c.text;
        const std::int64_t t = !rotate ? 0 : table_rows.empty() ? s - c.text : table_rows[static_cast<std::size_t>(b) * video + (s - c.text)];
        const std::size_t at = static_cast<std::size_t>(b * out_batch + h * out_head + s * out_row);
        for (int d = 0; d < c.dim; ++d) {
          double want = y[static_cast<std::size_t>(d)];
          // The units the error is counted in: those of the output, or, for a rotation, of its
          // larger term. A LayerNorm value one unit off its rounding boundary moves the rotated
          // sum by a unit of that term, which is many units of the sum where the terms cancel.
          double scale = want;
          if (rotate) {
            const double partner = d % 2 == 0 ? -y[static_cast<std::size_t>(d + 1)] : y[static_cast<std::size_t>(d - 1)];
            const double a = want * cos[static_cast<std::size_t>(t * c.dim + d)], b = partner * sin[static_cast<std::size_t>(t * c.dim + d)];
            want = round_to(a + b, c.dtype);
            scale = std::max({std::abs(want), std::abs(a), std::abs(b)});
          }
          const double got = from_bits(out[at + d], c.dtype);
          REQUIRE(std::isfinite(got));
          const double ulps = std::abs(got - want) / ulp(scale, c.dtype);
          worst_ulps = std::max(worst_ulps, ulps);
          exact += got == want;
          ++checked;
        }
      }
    }
  }
  INFO("worst " << worst_ulps << " ulp; exact " << exact << " of " << checked);
  // Float32 against double: a value next to a rounding boundary may land one unit away, twice
  // (the LayerNorm's rounding, then the rotation's).
  CHECK(worst_ulps <= 2.0);
  CHECK(static_cast<double>(exact) >= 0.97 * static_cast<double>(checked));
}

}  // namespace

TEST_CASE("qk_norm_rope matches a double-precision LayerNorm and rotation", "[kernels][qk_norm_rope][gpu]") {
  ASTRAEA_REQUIRE_SM90("qk_norm_rope test");
  std::mt19937_64 rng(std::random_device{}());
  const Case cases[] = {
      {"bf16 hd64, 5 text rows, head-major out, table row = video row", AttentionDtype::kBf16, 2, 37, 3, 64, 5},
      {"fp16 hd128, selected rows of a longer table, token-major out, no affine", AttentionDtype::kFp16, 2, 41, 2, 128, 7, false, true, 300, false},
      {"bf16 hd96, no rotation", AttentionDtype::kBf16, 1, 29, 5, 96, 3, true, false},
      {"bf16 hd128, no text, odd sizes", AttentionDtype::kBf16, 3, 19, 7, 128, 0},
      {"fp16 hd64, every row text", AttentionDtype::kFp16, 1, 9, 4, 64, 9},
  };
  for (const auto& c : cases) run_case(c, rng);
}

TEST_CASE("qk_norm_rope refuses what it cannot run", "[kernels][qk_norm_rope]") {
  const std::uint32_t host[4] = {};  // a host buffer the launcher checks but never reads
  QkNormRopeParams p;
  p.x = host, p.out = const_cast<std::uint32_t*>(host + 2);
  p.x_strides[0] = 64, p.x_strides[1] = 64, p.out_strides[0] = 64, p.out_strides[1] = 64, p.out_strides[2] = 64;
  p.batch = 1, p.seq = 1, p.heads = 1, p.head_dim = 80;
  CHECK_THROWS_AS(qk_norm_rope(p, nullptr), std::invalid_argument);  // head dim
  p.head_dim = 64;
  p.text_tokens = 2;
  CHECK_THROWS_AS(qk_norm_rope(p, nullptr), std::invalid_argument);  // more text rows than rows
  p.text_tokens = 0;
  p.x_strides[1] = 63;
  CHECK_THROWS_AS(qk_norm_rope(p, nullptr), std::invalid_argument);  // odd stride
  p.x_strides[1] = 64;
  p.cos = reinterpret_cast<const float*>(host);
  CHECK_THROWS_AS(qk_norm_rope(p, nullptr), std::invalid_argument);  // cos without sin
  p.cos = nullptr;
  p.x = reinterpret_cast<const char*>(host) + 2;
  CHECK_THROWS_AS(qk_norm_rope(p, nullptr), std::invalid_argument);  // misaligned
}
