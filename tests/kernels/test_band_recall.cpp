// The fused band-recall kernel (ARM's pattern statistics) against a double-precision host
// computation of the same definition on the same 16-bit inputs: per sampled row, the softmax mass
// over the sampled keys inside |i - j| <= w divided by the whole. Inputs and samples are drawn
// fresh on every run; the output is poisoned with NaN before each launch, so a row the kernel skips
// fails. Each slice's mean is checked too, both as the kernel sums it and as the blocks' stored
// shares (poisoned the same way) add up to it. Every case runs with its
// samples listed and as progressions (start + i * step, as ARM draws them). Skipped when no sm_90
// GPU is present.
#include "kernels/band_recall.h"
#include "kernels/kernel_test_support.h"
#include "support/catch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
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
  int batch, heads, len, n, dim;
  std::int64_t half_width;
  bool bshd = false;  // tensors stored [B, S, H, D]
  float q_scale = 1.f;  // > 1 spreads the scores (trained models' logits reach tens)
  // Scores that climb along the keys, past what one shift of the exponentials can hold: q's
  // entries have mean q_mean, and a key at position j gets key_ramp * j / len added to every
  // entry, plus key_step from len / 2 on.
  float q_mean = 0.f;
  float key_ramp = 0.f;
  float key_step = 0.f;
};

// Largest |recall - reference| allowed: float32 exponentials and sums.
constexpr double kTolerance = 2e-4;

// Recall of every sampled row of every slice, by definition, in double precision.
std::vector<double> reference(const Case& c, const std::vector<std::uint16_t>& q, const std::vector<std::uint16_t>& k,
                              const std::int64_t (&strides)[3], const std::vector<std::int64_t>& sample) {
  std::vector<double> out;
  std::vector<double> scores(static_cast<std::size_t>(c.n));
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.dim));
  for (int b = 0; b < c.batch; ++b) {
    for (int h = 0; h < c.heads; ++h) {
      const std::int64_t base = b * strides[0] + h * strides[1];
      for (int i = 0; i < c.n; ++i) {
        for (int j = 0; j < c.n; ++j) {
          double dot = 0;
          for (int d = 0; d < c.dim; ++d) {
            dot += static_cast<double>(from_bits(q[static_cast<std::size_t>(base + sample[i] * strides[2] + d)], c.dtype)) *
                   static_cast<double>(from_bits(k[static_cast<std::size_t>(base + sample[j] * strides[2] + d)], c.dtype));
          }
          scores[static_cast<std::size_t>(j)] = dot * scale;
        }
        const double top = *std::max_element(scores.begin(), scores.end());
        double whole = 0, band = 0;
        for (int j = 0; j < c.n; ++j) {
          const double w = std::exp(scores[static_cast<std::size_t>(j)] - top);
          whole += w;
          if (std::abs(i - j) <= c.half_width) band += w;
        }
        out.push_back(band / whole);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("band recall matches the definition in double precision", "[kernels][gpu]") {
  ASTRAEA_REQUIRE_SM90("band recall test");
  const auto bf16 = AttentionDtype::kBf16, fp16 = AttentionDtype::kFp16;
  const std::vector<Case> cases = {
      {"n=300 of 500, w=40, hd64", bf16, 2, 3, 500, 300, 64, 40},
      {"n=17, one partial tile, w=0, hd128 fp16", fp16, 1, 2, 100, 17, 128, 0},
      {"n=257, w >= n (recall 1), hd96", bf16, 1, 4, 700, 257, 96, 1000},
      {"B*H=160 above the SM count, n=130, hd64 fp16", fp16, 2, 80, 300, 130, 64, 10},
      {"[B,S,H,D] strides, n=200, hd128", bf16, 2, 3, 400, 200, 128, 25, true},
      {"5B local sample: n=1350 of 17776, w=391, hd64", bf16, 1, 2, 17776, 1350, 64, 391},
      // Whole key tiles only: the steady part of the key loop runs up to the last tile but two.
      {"n=384, six whole key tiles, w=70, hd64 fp16", fp16, 1, 3, 1000, 384, 64, 70},
      {"large scores (q x 4), n=600 of 900, w=150, hd64", bf16, 1, 3, 900, 600, 64, 150, false, 4.f},
      // About 185 doublings of climb spread over the row: tiles keep passing 2^100 against the shift,
      // so the shift is raised (by the refusal path) again and again along the row.
      {"scores climbing ~128 nats along the keys, n=900 of 1000, w=100, hd64", bf16, 1, 2, 1000, 900, 64, 100, false, 1.f, 1.f, 16.f},
      // A jump of about 147 doublings halfway: the tile after it overflows the shift and is redone.
      {"a ~102-nat jump halfway along the keys, n=500 of 800, w=60, hd128", bf16, 1, 2, 800, 500, 128, 60, false, 1.f, 1.f, 0.f, 9.f},
  };
  std::random_device seed;
  std::mt19937_64 rng(seed());
  for (const auto& c : cases) {
    for (const bool listed : {true, false}) {
      SECTION(c.name + (listed ? ", listed samples" : ", progression samples")) {
        const std::int64_t elements = static_cast<std::int64_t>(c.batch) * c.heads * c.len * c.dim;
        std::int64_t strides[3];
        if (c.bshd) {
          strides[0] = static_cast<std::int64_t>(c.len) * c.heads * c.dim, strides[1] = c.dim, strides[2] = static_cast<std::int64_t>(c.heads) * c.dim;
        } else {
          strides[0] = static_cast<std::int64_t>(c.heads) * c.len * c.dim, strides[1] = static_cast<std::int64_t>(c.len) * c.dim, strides[2] = c.dim;
        }
        std::normal_distribution<float> normal(0.f, 1.f);
        std::vector<std::uint16_t> q(static_cast<std::size_t>(elements)), k(q.size());
        for (auto& x : q) x = to_bits(c.q_mean + c.q_scale * normal(rng), c.dtype);
        for (int b = 0; b < c.batch; ++b) {
          for (int h = 0; h < c.heads; ++h) {
            for (int j = 0; j < c.len; ++j) {
              const float climb = c.key_ramp * static_cast<float>(j) / static_cast<float>(c.len) + (j >= c.len / 2 ? c.key_step : 0.f);
              for (int d = 0; d < c.dim; ++d) {
                k[static_cast<std::size_t>(b * strides[0] + h * strides[1] + j * strides[2] + d)] = to_bits(climb + normal(rng), c.dtype);
              }
            }
          }
        }
        // Two samples in one launch, as ARM runs them: the case's, and a smaller one with a narrower band.
        Case second = c;
        second.n = std::min(c.len, c.n * 2 / 3 + 5);
        second.half_width = c.half_width / 2 + 3;
        const auto draw = [&](int n) {
          if (!listed) {  // a progression with a random start and step that fits in [0, len)
            const std::int64_t longest = n > 1 ? (c.len - 1) / (n - 1) : 1;
            const std::int64_t step = std::uniform_int_distribution<std::int64_t>(1, longest)(rng);
            const std::int64_t start = std::uniform_int_distribution<std::int64_t>(0, c.len - 1 - (n - 1) * step)(rng);
            std::vector<std::int64_t> sample(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) sample[static_cast<std::size_t>(i)] = start + i * step;
            return sample;
          }
          std::vector<std::int64_t> positions(static_cast<std::size_t>(c.len));
          std::iota(positions.begin(), positions.end(), 0);
          std::shuffle(positions.begin(), positions.end(), rng);
          std::vector<std::int64_t> sample(positions.begin(), positions.begin() + n);
          std::sort(sample.begin(), sample.end());
          return sample;
        };
        const std::vector<std::vector<std::int64_t>> samples{draw(c.n), draw(second.n)};
        const std::vector<const Case*> bands{&c, &second};

        DeviceBuffer<std::uint16_t> dq(q.size()), dk(k.size());
        check_cuda(cudaMemcpy(dq.data, q.data(), q.size() * 2, cudaMemcpyHostToDevice), "copy q");
        check_cuda(cudaMemcpy(dk.data, k.data(), k.size() * 2, cudaMemcpyHostToDevice), "copy k");
        std::deque<DeviceBuffer<std::int64_t>> dsamples;  // a deque: the buffers cannot move
        std::deque<DeviceBuffer<float>> drecalls, dmeans, dshares;
        BandRecallParams p;
        p.q = dq.data, p.k = dk.data;
        for (int i = 0; i < 3; ++i) p.q_strides[i] = p.k_strides[i] = strides[i];
        p.batch = c.batch, p.heads = c.heads, p.len = c.len, p.head_dim = c.dim, p.dtype = c.dtype;
        p.sample_count = 2;
        for (std::size_t i = 0; i < 2; ++i) {
          const std::size_t rows = static_cast<std::size_t>(c.batch) * c.heads * bands[i]->n;
          dsamples.emplace_back(samples[i].size());
          drecalls.emplace_back(rows);
          dmeans.emplace_back(static_cast<std::size_t>(c.batch) * c.heads);
          dshares.emplace_back(static_cast<std::size_t>(c.batch) * c.heads * band_recall_row_blocks(bands[i]->n));
          check_cuda(cudaMemcpy(dsamples.back().data, samples[i].data(), samples[i].size() * 8, cudaMemcpyHostToDevice), "copy sample");
          check_cuda(cudaMemset(drecalls.back().data, 0xff, rows * sizeof(float)), "poison");
          p.samples[i] = {dsamples.back().data, bands[i]->n, bands[i]->half_width, drecalls.back().data, dmeans.back().data, dshares.back().data};
          if (!listed) {
            const auto& sample = samples[i];
            p.samples[i].positions = nullptr;
            p.samples[i].start = sample[0];
            p.samples[i].step = sample.size() > 1 ? sample[1] - sample[0] : 1;
          }
        }
        {
          for (std::size_t i = 0; i < 2; ++i) {
            const std::size_t rows = static_cast<std::size_t>(c.batch) * c.heads * bands[i]->n;
            check_cuda(cudaMemset(drecalls[i].data, 0xff, rows * sizeof(float)), "poison");
            check_cuda(cudaMemset(dmeans[i].data, 0, static_cast<std::size_t>(c.batch) * c.heads * sizeof(float)), "zero the means");
            check_cuda(cudaMemset(dshares[i].data, 0xff, static_cast<std::size_t>(c.batch) * c.heads * band_recall_row_blocks(bands[i]->n) * sizeof(float)),
                       "poison the shares");
          }
          band_recall(p, nullptr);
          check_cuda(cudaDeviceSynchronize(), "band_recall");
          for (std::size_t i = 0; i < 2; ++i) {
            const Case& band = *bands[i];
            std::vector<float> got(static_cast<std::size_t>(c.batch) * c.heads * band.n);
            check_cuda(cudaMemcpy(got.data(), drecalls[i].data, got.size() * sizeof(float), cudaMemcpyDeviceToHost), "copy recall");
            const auto expected = reference(band, q, k, strides, samples[i]);
            double worst = 0;
            for (std::size_t r = 0; r < got.size(); ++r) {
              REQUIRE(std::isfinite(got[r]));
              worst = std::max(worst, std::abs(static_cast<double>(got[r]) - expected[r]));
            }
            INFO("sample " << i << " (n " << band.n << ", half width " << band.half_width << "): largest |recall - reference| " << worst);
            CHECK(worst <= kTolerance);
            // Each slice's mean against the mean of the reference rows, twice: summed by the kernel's
            // atomics, and as the blocks' stored shares added here (every share written: the buffer
            // was poisoned with NaN).
            std::vector<float> means(static_cast<std::size_t>(c.batch) * c.heads);
            check_cuda(cudaMemcpy(means.data(), dmeans[i].data, means.size() * sizeof(float), cudaMemcpyDeviceToHost), "copy means");
            const int blocks = band_recall_row_blocks(band.n);
            std::vector<float> shares(means.size() * blocks);
            check_cuda(cudaMemcpy(shares.data(), dshares[i].data, shares.size() * sizeof(float), cudaMemcpyDeviceToHost), "copy shares");
            for (std::size_t slice = 0; slice < means.size(); ++slice) {
              const auto first = expected.begin() + static_cast<std::ptrdiff_t>(slice * band.n);
              const double mean = std::accumulate(first, first + band.n, 0.0) / band.n;
              CHECK(std::abs(static_cast<double>(means[slice]) - mean) <= kTolerance);
              const auto own = shares.begin() + static_cast<std::ptrdiff_t>(slice * blocks);
              const double added = std::accumulate(own, own + blocks, 0.0);
              REQUIRE(std::isfinite(added));
              CHECK(std::abs(added - mean) <= kTolerance);
            }
            if (band.half_width >= band.n) CHECK(*std::min_element(got.begin(), got.end()) >= 1.f - 1e-6f);
          }
        }
      }
    }
  }
}

TEST_CASE("band recall refuses what it cannot run", "[kernels]") {
  // Valid parameters, each broken in one way; every refusal comes before a launch, so the host
  // buffer the pointers name is never read.
  alignas(16) static std::int64_t host_buffer[8] = {};
  const auto valid = [] {
    BandRecallParams p;
    p.q = p.k = host_buffer;
    p.samples[0] = {host_buffer, 4, 1, reinterpret_cast<float*>(host_buffer)};
    p.batch = p.heads = 1, p.len = 8, p.head_dim = 64;
    p.q_strides[0] = p.k_strides[0] = 512, p.q_strides[1] = p.k_strides[1] = 512, p.q_strides[2] = p.k_strides[2] = 64;
    return p;
  };
  auto p = valid();
  p.samples[0].n = 0;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("must be positive"));
  p = valid();
  p.samples[0].half_width = -1;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("half_width"));
  p = valid();
  p.sample_count = 2;  // the second sample is unset
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("must be positive"));
  p = valid();
  p.samples[0].row_recall = nullptr;  // and no slice_mean: nowhere to write
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("null pointer"));
  p = valid();
  p.sample_count = 3;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("sample_count"));
  p = valid();
  p.k_strides[2] = 60;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("multiples of 8"));
  p = valid();
  p.k = reinterpret_cast<const char*>(host_buffer) + 4;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("16-byte"));
  p = valid();
  p.q = reinterpret_cast<const char*>(host_buffer) + 8;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("16-byte"));
  p = valid();
  p.q_strides[2] = 66;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("multiples of 8"));
  p = valid();
  p.k_strides[2] = std::int64_t{1} << 31;  // row offsets are 32-bit byte counts in the kernel
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("below 2^31"));
  p = valid();
  p.head_dim = 80;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("head_dim 80"));
  p = valid();
  p.heads = 65536;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("65535"));
  p = valid();
  p.sample_count = 2;
  p.samples[1] = {nullptr, 4, 1, reinterpret_cast<float*>(host_buffer)};  // a progression beside a listed sample
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("both listed or both progressions"));
  p = valid();
  p.samples[0].positions = nullptr;
  p.samples[0].start = 2, p.samples[0].step = 2;  // positions 2, 4, 6, 8: the last is past len 8
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("below len"));
  p.samples[0].start = 0, p.samples[0].step = 0;
  CHECK_THROWS_WITH(band_recall(p, nullptr), Catch::Contains("step >= 1"));
}
