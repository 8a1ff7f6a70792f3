// The torch bridges to kernels/ (kernel_bridge.h, band_recall_bridge.h). CPU: the reference and the fallbacks against a
// masked softmax in double precision written out here. GPU ([gpu], skipped without an sm_90
// device): the kernels through the bridge against the float32 reference on the same 16-bit
// inputs; pass when the error is at most twice that of a reference that rounds P and O to the
// input dtype like a 16-bit kernel does, and the LSE is within 1e-3.
#include "attention/arm.h"
#include "attention/band_recall_bridge.h"
#include "attention/dense_accelerator.h"
#include "attention/kernel_bridge.h"
#include "attention/layout_permutation.h"
#include "support/catch.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#ifdef SKIP
#define ASTRAEA_GPU_SKIP(message) SKIP(message)
#else
#define ASTRAEA_GPU_SKIP(message) \
  do {                            \
    WARN(message);                \
    return;                       \
  } while (0)
#endif

using namespace astraea::attention;

namespace {

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) { return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>(); }

// Random FlexAttention block list [B, H, Mq, Nk]: each query block keeps `per_row` distinct key
// blocks (or none for every third one when `empty_rows`), in random order; unused entries repeat
// the first kept block so that reading past the count would be caught.
std::pair<at::Tensor, at::Tensor> random_block_list(std::int64_t b, std::int64_t h, std::int64_t sq, std::int64_t skv, double density,
                                                    bool empty_rows, const at::Device& device) {
  const std::int64_t mq = (sq + 127) / 128, nk = (skv + 127) / 128;
  const auto per_row = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::lround(density * static_cast<double>(nk))));
  at::Tensor idx = at::argsort(at::rand({b, h, mq, nk}), /*dim=*/-1, /*descending=*/false).to(at::kInt);
  at::Tensor num = at::full({b, h, mq}, per_row, at::kInt);
  if (empty_rows) num.slice(2, 0, mq, 3).zero_();
  idx.slice(3, per_row).copy_(idx.slice(3, 0, 1).expand({b, h, mq, nk - per_row}));
  return {num.to(device), idx.to(device)};
}

// Element mask [B, H, Sq, Skv] of a block list, built independently of the bridge.
at::Tensor element_mask(const at::Tensor& num, const at::Tensor& idx, std::int64_t sq, std::int64_t skv) {
  const at::Tensor n = num.cpu(), i = idx.cpu();
  at::Tensor mask = at::zeros({n.size(0), n.size(1), sq, skv}, at::kBool);
  for (std::int64_t b = 0; b < n.size(0); ++b) {
    for (std::int64_t h = 0; h < n.size(1); ++h) {
      for (std::int64_t qb = 0; qb < n.size(2); ++qb) {
        for (std::int64_t j = 0; j < n[b][h][qb].item<int>(); ++j) {
          const std::int64_t kb = i[b][h][qb][j].item<int>();
          mask[b][h].slice(0, qb * 128, std::min(sq, qb * 128 + 128)).slice(1, kb * 128, std::min(skv, kb * 128 + 128)).fill_(true);
        }
      }
    }
  }
  return mask;
}

// softmax(q k^T / sqrt(d)) v under an element mask, in double; empty rows give 0 and -inf.
AttentionWithLse masked_double(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const at::Tensor s = at::matmul(q.cpu().to(at::kDouble), k.cpu().to(at::kDouble).transpose(-2, -1)) / std::sqrt(double(q.size(3)));
  const at::Tensor masked = s.masked_fill(mask.logical_not(), -INFINITY);
  const at::Tensor lse = at::logsumexp(masked, -1, true);
  const at::Tensor p = (masked - lse.masked_fill(at::isinf(lse), 0.0)).exp();
  return {at::matmul(p, v.cpu().to(at::kDouble)), lse.squeeze(-1)};
}

// Like a 16-bit kernel: P rounded to the input dtype before P V, O rounded at the end.
at::Tensor rounded_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const auto dtype = q.scalar_type();
  const at::Tensor s = at::matmul(q.to(at::kFloat), k.to(at::kFloat).transpose(-2, -1)) / std::sqrt(float(q.size(3)));
  const at::Tensor masked = s.masked_fill(mask.logical_not(), -INFINITY);
  const at::Tensor max = std::get<0>(masked.max(-1, true));
  const at::Tensor e = (masked - max.masked_fill(at::isinf(max), 0.0)).exp();
  const at::Tensor sum = e.sum(-1, true);
  const at::Tensor p = e.to(dtype).to(at::kFloat);
  return (at::matmul(p, v.to(at::kFloat)) / sum.clamp_min(1e-30)).to(dtype).to(at::kFloat);
}

bool sm90_available() {
  if (!at::hasCUDA()) return false;
  const at::Tensor probe = at::zeros({1, 1, 1, 64}, at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16));
  return attention_kernels_available(probe, probe, probe);
}

struct GpuCase {
  std::string name;
  at::ScalarType dtype;
  std::int64_t b, h, s, d;
  double density;  // 0: dense (no block list)
  bool bshd;       // q, k, v are [B, S, H, D] in memory
};

void check_against_reference(const AttentionWithLse& got, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const auto want = masked_double(q, k, v, mask);
  const double error = max_abs_diff(got.out.cpu(), want.out);
  const double rounded = max_abs_diff(rounded_reference(q.cpu(), k.cpu(), v.cpu(), mask), want.out);
  const at::Tensor finite = at::isfinite(want.lse);
  const double lse_error =
      finite.any().item<bool>() ? max_abs_diff(got.lse.cpu().masked_select(finite), want.lse.masked_select(finite)) : 0.0;
  INFO("max |out - fp64| " << error << ", 16-bit reference " << rounded << ", max |lse err| " << lse_error);
  CHECK(at::isfinite(got.out.cpu().to(at::kFloat)).all().item<bool>());
  CHECK(error <= 2 * rounded + 1e-5);
  CHECK(lse_error <= 1e-3);
  CHECK(at::equal(at::isinf(got.lse.cpu()), at::isinf(want.lse)));
}

}  // namespace

TEST_CASE("block_sparse_attention_reference equals a masked softmax", "[kernel_bridge]") {
  at::manual_seed(11);
  const std::int64_t b = 2, h = 3, s = 257, d = 16;
  const at::Tensor q = at::randn({b, h, s, d}), k = at::randn({b, h, s, d}), v = at::randn({b, h, s, d});
  const auto [num, idx] = random_block_list(b, h, s, s, 0.5, /*empty_rows=*/true, at::kCPU);
  const auto got = block_sparse_attention_reference(q, k, v, num, idx);
  const auto want = masked_double(q, k, v, element_mask(num, idx, s, s));
  CHECK(max_abs_diff(got.out, want.out) <= 1e-5);
  const at::Tensor finite = at::isfinite(want.lse);
  CHECK(max_abs_diff(got.lse.masked_select(finite), want.lse.masked_select(finite)) <= 1e-5);
  CHECK(at::equal(at::isinf(got.lse), at::isinf(want.lse)));
  // The bridge falls back to the same reference on the CPU, and a 2-D mask broadcasts.
  const auto fallback = block_sparse_attention(q, k, v, num, idx);
  CHECK(at::equal(fallback.out, got.out));
  const auto shared = block_sparse_attention(q, k, v, num[0][0], idx[0][0]);
  const auto shared_want = masked_double(q, k, v, element_mask(num[0][0].view({1, 1, -1}), idx[0][0].unsqueeze(0).unsqueeze(0), s, s));
  CHECK(max_abs_diff(shared.out, shared_want.out) <= 1e-5);
}

TEST_CASE("row_subset_attention on the CPU equals dense attention at the selected rows", "[kernel_bridge]") {
  at::manual_seed(12);
  const std::int64_t b = 2, h = 3, s = 226 + 51, d = 16, n = 100;
  const at::Tensor q = at::randn({b, h, s, d}), k = at::randn({b, h, s, d}), v = at::randn({b, h, s, d});
  const at::Tensor rows = std::get<0>(at::randperm(s).slice(0, 0, n).sort()).unsqueeze(0).repeat({b, 1});
  const auto dense = masked_double(q, k, v, at::ones({b, h, s, s}, at::kBool));
  const at::Tensor index = rows.view({b, 1, n, 1}).expand({b, h, n, d});
  for (const auto& r : {rows, rows.to(at::kInt)}) {
    const auto got = row_subset_attention(q, k, v, r);
    REQUIRE(got.out.sizes() == at::IntArrayRef({b, h, n, d}));
    CHECK(max_abs_diff(got.out, dense.out.gather(2, index)) <= 1e-5);
    CHECK(max_abs_diff(got.lse, dense.lse.gather(2, rows.view({b, 1, n}).expand({b, h, n}))) <= 1e-5);
  }
  const auto selected = row_subset_attention(q.gather(2, index), k, v, at::Tensor());
  CHECK(max_abs_diff(selected.out, dense.out.gather(2, index)) <= 1e-5);
  CHECK_THROWS(row_subset_attention(q.slice(2, 0, 7), k, v, rows));
}

TEST_CASE("block_sparse_attention on sm_90 matches the fp32 reference", "[kernel_bridge][gpu]") {
  if (!sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: bridge test skipped");
  const std::vector<GpuCase> cases = {
      {"dense, S=257, hd64 bf16", at::kBFloat16, 1, 2, 257, 64, 0.0, false},
      {"block list 0.5, S=17, hd128 fp16", at::kHalf, 2, 2, 17, 128, 0.5, false},
      {"block list 0.5, text 226 + video 340, hd96 bf16", at::kBFloat16, 1, 4, 566, 96, 0.5, false},
      {"[B,S,H,D] memory, block list 0.25, S=1000, hd64 bf16", at::kBFloat16, 2, 3, 1000, 64, 0.25, true},
      {"[B,S,H,D] memory, dense, S=777, hd128 bf16", at::kBFloat16, 1, 4, 777, 128, 0.0, true},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const auto options = at::TensorOptions().device(at::kCUDA).dtype(c.dtype);
      auto make = [&] {
        return c.bshd ? at::randn({c.b, c.s, c.h, c.d}, options).transpose(1, 2) : at::randn({c.b, c.h, c.s, c.d}, options);
      };
      const at::Tensor q = make(), k = make(), v = make();
      at::Tensor num, idx, mask;
      if (c.density > 0) {
        std::tie(num, idx) = random_block_list(c.b, c.h, c.s, c.s, c.density, /*empty_rows=*/true, at::kCUDA);
        mask = element_mask(num, idx, c.s, c.s);
      } else {
        mask = at::ones({c.b, c.h, c.s, c.s}, at::kBool);
      }
      const auto got = block_sparse_attention(q, k, v, num, idx);
      REQUIRE(got.out.is_cuda());
      check_against_reference(got, q, k, v, mask);
    }
  }
}

TEST_CASE("row_subset_attention on sm_90 equals dense attention at the gathered rows", "[kernel_bridge][gpu]") {
  if (!sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: row-subset test skipped");
  for (const std::int64_t d : {64, 128}) {
    const std::int64_t b = 2, h = 3, s = 226 + 17 * 20, n = 201;
    const auto options = at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16);
    const at::Tensor q = at::randn({b, h, s, d}, options), k = at::randn({b, h, s, d}, options), v = at::randn({b, h, s, d}, options);
    const at::Tensor rows = at::stack({std::get<0>(at::randperm(s).slice(0, 0, n).sort()), std::get<0>(at::randperm(s).slice(0, 0, n).sort())})
                                .to(at::kCUDA);
    const at::Tensor index = rows.view({b, 1, n, 1}).expand({b, h, n, d});
    const at::Tensor picked = q.gather(2, index);
    const at::Tensor mask = at::ones({b, h, n, s}, at::kBool);
    INFO("head dim " << d);
    check_against_reference(row_subset_attention(q, k, v, rows), picked, k, v, mask);            // gather fused into the Q load
    check_against_reference(row_subset_attention(q, k, v, rows.to(at::kInt)), picked, k, v, mask);
    check_against_reference(row_subset_attention(picked, k, v, at::Tensor()), picked, k, v, mask);  // rows selected by the caller
  }
}

TEST_CASE("sampled_band_recall on sm_90 equals the float32 reference on ARM's samples", "[kernel_bridge][gpu]") {
  if (!sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: band recall test skipped");
  const VideoLayout layout{226, 13, 12, 20};  // local sample 240 tokens, global 240 (every 12th)
  for (const std::int64_t d : {64, 128}) {
    for (const bool bshd : {false, true}) {
      const std::int64_t b = 2, h = 3, s = layout.total_tokens();
      const auto options = at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16);
      auto make = [&] { return bshd ? at::randn({b, s, h, d}, options).transpose(1, 2) : at::randn({b, h, s, d}, options); };
      const at::Tensor q = make(), k = make();
      REQUIRE(attention_kernels_available(q, k, k));  // the fused kernel runs, not the reference it is compared with
      for (const auto& sample : {arm_local_sample(layout, true, at::kCUDA), arm_global_sample(layout, true)}) {
        for (const std::int64_t width : {0, 37, 1000}) {
          INFO("head dim " << d << (bshd ? ", [B,S,H,D]" : "") << ", sample of " << sample.size(0) << ", half width " << width);
          const at::Tensor got = sampled_band_recall(q, k, sample, width);
          REQUIRE(got.is_cuda());
          REQUIRE(got.sizes() == at::IntArrayRef({b, h}));
          CHECK(max_abs_diff(got, sampled_band_recall_reference(q, k, sample, width)) <= 1e-4);
        }
      }
      // ARM's call: both samples in one launch, each with its own band.
      const at::Tensor local = arm_local_sample(layout, true, at::kCUDA), global = arm_global_sample(layout, true, at::kCUDA);
      const at::Tensor both = sampled_band_recalls(q, k, {local, global}, {60, 7});
      REQUIRE(both.sizes() == at::IntArrayRef({2, b, h}));
      CHECK(max_abs_diff(both[0], sampled_band_recall_reference(q, k, local, 60)) <= 1e-4);
      CHECK(max_abs_diff(both[1], sampled_band_recall_reference(q, k, global, 7)) <= 1e-4);
      // The host delivery (blocks' shares in mapped host memory, added on the host): the same
      // recalls, on the CPU. The widths change between calls, so shares left over from the call
      // before would show; the third call repeats the first and must give the same bits (no
      // atomics reorder the sums).
      const std::vector<std::vector<std::int64_t>> widths{{60, 7}, {7, 60}, {60, 7}};
      std::vector<at::Tensor> calls;
      for (const auto& w : widths) {
        const at::Tensor host = sampled_band_recalls_on_host(q, k, {local, global}, w);
        REQUIRE(host.is_cpu());
        REQUIRE(host.scalar_type() == at::kFloat);
        REQUIRE(host.sizes() == at::IntArrayRef({2, b, h}));
        CHECK(max_abs_diff(host[0], sampled_band_recall_reference(q, k, local, w[0]).cpu()) <= 1e-4);
        CHECK(max_abs_diff(host[1], sampled_band_recall_reference(q, k, global, w[1]).cpu()) <= 1e-4);
        calls.push_back(host);
      }
      CHECK(at::equal(calls[2], calls[0]));
      // ARM's own call: the samples as progressions, whose rows the kernel addresses without loads.
      const at::Tensor progressions =
          sampled_band_recalls_on_host(q, k, {arm_local_progression(layout, true), arm_global_progression(layout, true)}, {60, 7});
      REQUIRE(progressions.sizes() == at::IntArrayRef({2, b, h}));
      CHECK(max_abs_diff(progressions[0], sampled_band_recall_reference(q, k, local, 60).cpu()) <= 1e-4);
      CHECK(max_abs_diff(progressions[1], sampled_band_recall_reference(q, k, global, 7).cpu()) <= 1e-4);
    }
  }
}

TEST_CASE("sampled_band_recalls_on_host on sm_90: samples of unequal sizes, and a buffer that grows between calls", "[kernel_bridge][gpu]") {
  if (!sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: band recall test skipped");
  const auto options = at::TensorOptions().device(at::kCUDA).dtype(at::kHalf);
  struct Case {
    std::int64_t b, h, s, n_small, n_large;
  };
  // Slices x row blocks grows from call to call: 1 x 1 + 1 x 1 shares, then 6 x 2 + 6 x 4.
  for (const Case& c : {Case{1, 1, 300, 5, 128}, Case{2, 3, 1501, 129, 500}}) {
    const auto [b, h, s, n_small, n_large] = c;
    const at::Tensor q = at::randn({b, h, s, std::int64_t{64}}, options), k = at::randn({b, h, s, std::int64_t{64}}, options);
    REQUIRE(attention_kernels_available(q, k, k));  // the fused kernel runs, not the reference it is compared with
    const TokenProgression small{s - n_small, 1, n_small}, large{0, 2, n_large};
    INFO("B " << b << ", H " << h << ", S " << s << ", samples of " << n_small << " and " << n_large);
    const at::Tensor host = sampled_band_recalls_on_host(q, k, {small, large}, {2, 40});
    REQUIRE(host.sizes() == at::IntArrayRef({2, b, h}));
    CHECK(max_abs_diff(host[0], sampled_band_recall_reference(q, k, small.positions(at::kCUDA), 2).cpu()) <= 1e-4);
    CHECK(max_abs_diff(host[1], sampled_band_recall_reference(q, k, large.positions(at::kCUDA), 40).cpu()) <= 1e-4);
  }
}

TEST_CASE("sampled_band_recalls_on_host off sm_90 is the reference, on the CPU", "[kernel_bridge]") {
  const VideoLayout layout{6, 3, 4, 5};
  const at::Tensor q = at::randn({2, 3, layout.total_tokens(), 8}, at::kDouble), k = at::randn({2, 3, layout.total_tokens(), 8}, at::kDouble);
  const at::Tensor local = arm_local_sample(layout, true), global = arm_global_sample(layout, true);
  const at::Tensor host = sampled_band_recalls_on_host(q, k, {local, global}, {3, 1});
  REQUIRE(host.scalar_type() == at::kFloat);
  REQUIRE(host.sizes() == at::IntArrayRef({2, 2, 3}));
  CHECK(max_abs_diff(host[0], sampled_band_recall_reference(q, k, local, 3)) <= 1e-6);
  CHECK(max_abs_diff(host[1], sampled_band_recall_reference(q, k, global, 1)) <= 1e-6);
  CHECK_THROWS_WITH(sampled_band_recalls_on_host(q, k, std::vector<at::Tensor>{}, {}), Catch::Contains("takes one or two samples"));
}

TEST_CASE("band recall of progression samples is the recall of their positions listed", "[kernel_bridge]") {
  const VideoLayout layout{6, 3, 4, 5};  // S = 66
  const at::Tensor q = at::randn({1, 2, layout.total_tokens(), 8}, at::kDouble), k = at::randn({1, 2, layout.total_tokens(), 8}, at::kDouble);
  // Positions 6, 9, ..., 63 by hand: 20 of them, every third token from the first video token.
  const TokenProgression every_third{6, 3, 20};
  const at::Tensor listed = at::arange(6, 66, 3, at::kLong);
  REQUIRE(at::equal(every_third.positions(), listed));
  const at::Tensor host = sampled_band_recalls_on_host(q, k, std::vector<TokenProgression>{every_third}, {4});
  CHECK(max_abs_diff(host[0], sampled_band_recall_reference(q, k, listed, 4)) <= 1e-6);
  // Progressions that leave [0, S) or do not advance are refused in one line, before any launch.
  const auto refused = [&](TokenProgression p) { return sampled_band_recalls_on_host(q, k, std::vector<TokenProgression>{p}, {4}); };
  CHECK_THROWS_WITH(refused({6, 3, 21}), Catch::Contains("positions in [0, 66)"));
  CHECK_THROWS_WITH(refused({6, 0, 5}), Catch::Contains("step >= 1"));
  CHECK_THROWS_WITH(refused({-1, 1, 5}), Catch::Contains("start -1"));
  CHECK_THROWS_WITH(refused({0, 1, 0}), Catch::Contains("count >= 1"));
}

TEST_CASE("qk_norm_rope is a bf16 LayerNorm per head then a float32 rotation, head-major", "[kernel_bridge][gpu]") {
  CHECK_FALSE(qk_norm_rope_available(at::zeros({1, 4, 128}), 64));  // a CPU tensor: the model keeps its LibTorch path
  if (!sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: qk_norm_rope test skipped");
  {
    const at::Tensor x = at::zeros({1, 4, 128}, at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16));
    const at::AutoGradMode grad(true);
    CHECK_FALSE(qk_norm_rope_available(x, 64));  // the kernel has no backward: training keeps the LibTorch path
  }
  const at::NoGradGuard inference;
  const std::int64_t b = 2, h = 3, d = 64, text = 11, video = 150, table = 400;
  const auto options = at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16);
  const at::Tensor weight = 1 + 0.3 * at::randn({d}), bias = 0.2 * at::randn({d});
  const at::Tensor angles = at::rand({table, d}, at::kDouble) * 6.28;
  const at::Tensor cos = angles.cos().to(at::kFloat).to(at::kCUDA), sin = angles.sin().to(at::kFloat).to(at::kCUDA);
  for (const bool selected : {false, true}) {
    const std::int64_t rows = selected ? 37 : video;
    const at::Tensor x = (at::randn({b, text + rows, h * d}) * 1.5 + 0.7).to(options);
    const at::Tensor table_rows =
        selected ? at::stack({at::randperm(table).slice(0, 0, rows), at::randperm(table).slice(0, 0, rows)}).to(at::kCUDA) : at::Tensor();
    const at::Tensor got = qk_norm_rope(x, h, weight, bias, 1e-6, text, cos, sin, table_rows);
    REQUIRE(got.sizes() == at::IntArrayRef({b, h, text + rows, d}));
    CHECK(got.is_contiguous());

    // The definition, in LibTorch: LayerNorm in bf16, then the rotation of the video rows in float32.
    const at::Tensor normed =
        at::layer_norm(x.view({b, text + rows, h, d}), {d}, weight.to(options), bias.to(options), 1e-6).transpose(1, 2).to(at::kFloat);
    const at::Tensor index = selected ? table_rows : at::arange(rows, options.dtype(at::kLong)).expand({b, rows});
    const at::Tensor c = cos.index_select(0, index.flatten()).view({b, 1, rows, d}), s = sin.index_select(0, index.flatten()).view({b, 1, rows, d});
    const at::Tensor vid = normed.slice(2, text);
    const at::Tensor pairs = vid.reshape({b, h, rows, d / 2, 2});
    const at::Tensor rotated = at::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(3);
    const at::Tensor want = at::cat({normed.slice(2, 0, text), vid * c + rotated * s}, 2).to(at::kBFloat16).to(at::kFloat);
    const at::Tensor diff = (got.to(at::kFloat) - want).abs();
    // A LayerNorm output one bf16 unit away (float32 against LibTorch's reduction order) moves a
    // rotated value by up to a unit of its pair's magnitude, before the output's own rounding.
    const at::Tensor pair_size = pairs.abs().sum(-1, true).expand_as(pairs).flatten(3);
    const at::Tensor input_size = at::cat({normed.slice(2, 0, text).abs(), pair_size}, 2);
    const at::Tensor bound = input_size * (1.0 / 128) + want.abs() * (1.0 / 256) + 1e-6;
    INFO((selected ? "selected rows" : "every row") << ": max |diff| " << diff.max().item<double>() << ", max |diff| / bound "
                                                    << (diff / bound).max().item<double>());
    CHECK((diff <= bound).all().item<bool>());
    CHECK((diff == 0).to(at::kFloat).mean().item<double>() >= 0.97);
  }
}

TEST_CASE("row_distance equals the float32 norm of the difference", "[kernel_bridge]") {
  for (const bool gpu : {false, true}) {
    if (gpu && !sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: row_distance bridge test skipped");
    const auto options = at::TensorOptions().device(gpu ? at::kCUDA : at::kCPU).dtype(at::kBFloat16);
    const at::Tensor a = at::randn({2, 50, 3072}, options), b = at::randn({2, 50, 3072}, options);
    const at::Tensor want = (a.to(at::kDouble) - b.to(at::kDouble)).norm(2, -1);
    for (const auto& [x, y] : {std::pair{a, b}, std::pair{a.slice(1, 7, 31), b.slice(1, 7, 31)}}) {
      const at::Tensor got = row_distance(x, y);
      REQUIRE(got.scalar_type() == at::kFloat);
      const at::Tensor expected = x.size(1) == 50 ? want : want.slice(1, 7, 31);
      INFO((gpu ? "cuda" : "cpu") << ", " << x.size(1) << " rows");
      CHECK(((got.cpu().to(at::kDouble) - expected.cpu()).abs() / expected.cpu()).max().item<double>() <= 1e-5);
    }
  }
}

TEST_CASE("permute_rows gathers the flagged slices' rows by the order, Q, K and V in one call", "[kernel_bridge]") {
  // A tile-major band order with 226 text tokens and a sink frame; slices 1 and 4 of 6 permuted.
  const VideoLayout layout{226, 5, 6, 10};
  const at::Tensor order = band_order(layout, TokenOrder::kTileMajor, 16, true);
  const std::int64_t s = layout.total_tokens();
  const at::Tensor flags = at::tensor({0, 1, 0, 0, 1, 0}).to(at::kBool);
  REQUIRE_THROWS_WITH(permute_rows({at::zeros({2, 5, 8})}, at::arange(4), at::Tensor()), Catch::Contains("order must be int64/int32 [5]"));
  for (const bool gpu : {false, true}) {
    if (gpu && !sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: permute_rows bridge test skipped");
    const auto options = at::TensorOptions().device(gpu ? at::kCUDA : at::kCPU).dtype(at::kBFloat16);
    const std::vector<at::Tensor> xs{at::randn({6, s, 64}, options), at::randn({6, s, 64}, options), at::randn({6, s, 64}, options)};
    const auto ys = permute_rows(xs, order.to(options.device()), flags.to(options.device()));
    const auto back = permute_rows(ys, inverse_permutation(order).to(options.device()), flags.to(options.device()));
    REQUIRE(ys.size() == 3);
    for (std::size_t t = 0; t < 3; ++t) {
      INFO((gpu ? "cuda" : "cpu") << ", tensor " << t);
      const at::Tensor x = xs[t].cpu(), y = ys[t].cpu();
      for (std::int64_t slice = 0; slice < 6; ++slice) {
        const at::Tensor expected = flags[slice].item<bool>() ? x[slice].index_select(0, order) : x[slice];
        CHECK(at::equal(y[slice], expected));
      }
      CHECK(at::equal(back[t].cpu(), x));
    }
    // Without flags every slice is permuted.
    CHECK(at::equal(permute_rows({xs[0]}, order.to(options.device()), at::Tensor())[0].cpu(), xs[0].cpu().index_select(1, order)));
  }
}

TEST_CASE("the dense accelerator's kernel option: the project's kernel on sm_90, SDPA elsewhere", "[kernel_bridge]") {
  at::NoGradGuard inference;
  const VideoLayout layout{/*text_tokens=*/3, /*frames=*/2, /*height=*/4, /*width=*/5};
  for (const bool gpu : {false, true}) {
    if (gpu && !sm90_available()) ASTRAEA_GPU_SKIP("no sm_90 GPU: dense kernel option on the GPU skipped");
    const auto options = at::TensorOptions().device(gpu ? at::kCUDA : at::kCPU).dtype(gpu ? at::kBFloat16 : at::kFloat);
    const at::Tensor q = at::randn({2, 3, layout.total_tokens(), 64}, options), k = at::randn_like(q), v = at::randn_like(q);
    const at::Tensor sdpa = DenseAccelerator(DenseKernel::kSdpa).attention(0, q, k, v, layout, {});
    const at::Tensor ours = DenseAccelerator(DenseKernel::kAstraea).attention(0, q, k, v, layout, {});
    INFO((gpu ? "cuda bf16" : "cpu float32"));
    if (!gpu) {
      CHECK(at::equal(ours, sdpa));  // no kernel on the CPU: the option falls back to SDPA itself
      continue;
    }
    CHECK(at::equal(ours, block_sparse_attention(q, k, v, at::Tensor(), at::Tensor()).out));  // the option reached the kernel
    const at::Tensor exact = at::scaled_dot_product_attention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat));
    // Both 16-bit results stay within a few bf16 units of the float32 attention.
    CHECK(max_abs_diff(ours, exact) <= 2 * std::max(max_abs_diff(sdpa, exact), 1.0 / 256));
  }
}
