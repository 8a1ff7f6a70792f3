// The row-distance kernel (ASTRAEA's per-token change) against a double-precision host sum over
// the same 16-bit inputs, including strided (sliced) inputs. Inputs are drawn fresh on every run
// and the output is poisoned with NaN before each launch. Skipped when no sm_90 GPU is present.
#include "kernels/kernel_test_support.h"
#include "kernels/row_distance.h"
#include "support/catch.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace astraea::kernels;
using namespace astraea::kernels::testing;

TEST_CASE("row_distance matches a double-precision Euclidean distance per row", "[kernels][row_distance][gpu]") {
  ASTRAEA_REQUIRE_SM90("row_distance test");
  std::mt19937_64 rng(std::random_device{}());
  std::normal_distribution<float> normal(0.f, 1.f);
  struct Case {
    AttentionDtype dtype;
    int batch, rows, dim, stored_rows, first_row;  // a slice [first_row, first_row + rows) of stored_rows
  };
  for (const Case c : {Case{AttentionDtype::kBf16, 2, 333, 3072, 333, 0}, Case{AttentionDtype::kFp16, 3, 17, 64, 40, 11},
                       Case{AttentionDtype::kBf16, 1, 5, 1928, 9, 4}}) {
    INFO("dim " << c.dim << ", rows " << c.rows);
    const std::size_t count = static_cast<std::size_t>(c.batch) * c.stored_rows * c.dim;
    std::vector<std::uint16_t> a(count), b(count);
    for (std::size_t i = 0; i < count; ++i) {
      const float x = 3.f * normal(rng);
      a[i] = to_bits(x, c.dtype);
      b[i] = to_bits(x + (i % 3 == 0 ? 0.f : normal(rng)), c.dtype);  // some elements unchanged
    }
    DeviceBuffer<std::uint16_t> da(count), db(count);
    DeviceBuffer<float> dout(static_cast<std::size_t>(c.batch) * c.rows);
    check_cuda(cudaMemcpy(da.data, a.data(), count * 2, cudaMemcpyHostToDevice), "copy a");
    check_cuda(cudaMemcpy(db.data, b.data(), count * 2, cudaMemcpyHostToDevice), "copy b");
    check_cuda(cudaMemset(dout.data, 0xFF, static_cast<std::size_t>(c.batch) * c.rows * 4), "poison");
    RowDistanceParams p;
    const std::int64_t offset = static_cast<std::int64_t>(c.first_row) * c.dim;
    p.a = da.data + offset, p.b = db.data + offset;
    p.a_strides[0] = p.b_strides[0] = static_cast<std::int64_t>(c.stored_rows) * c.dim;
    p.a_strides[1] = p.b_strides[1] = c.dim;
    p.out = dout.data, p.batch = c.batch, p.rows = c.rows, p.dim = c.dim, p.dtype = c.dtype;
    REQUIRE(row_distance_supported(p));
    row_distance(p, nullptr);
    check_cuda(cudaDeviceSynchronize(), "row_distance");
    std::vector<float> out(static_cast<std::size_t>(c.batch) * c.rows);
    check_cuda(cudaMemcpy(out.data(), dout.data, out.size() * 4, cudaMemcpyDeviceToHost), "copy out");
    double worst = 0;
    for (int bi = 0; bi < c.batch; ++bi) {
      for (int n = 0; n < c.rows; ++n) {
        double sum = 0;
        const std::size_t base = (static_cast<std::size_t>(bi) * c.stored_rows + c.first_row + n) * c.dim;
        for (int d = 0; d < c.dim; ++d) sum += std::pow(double(from_bits(a[base + d], c.dtype)) - from_bits(b[base + d], c.dtype), 2);
        const double got = out[static_cast<std::size_t>(bi) * c.rows + n];
        REQUIRE(std::isfinite(got));
        worst = std::max(worst, std::abs(got - std::sqrt(sum)) / std::sqrt(sum));
      }
    }
    INFO("worst relative error " << worst);
    CHECK(worst <= 1e-5);  // float32 accumulation of up to 3072 terms
  }
}

TEST_CASE("row_distance refuses inputs it cannot load in 16-byte pieces", "[kernels][row_distance]") {
  alignas(16) static std::uint16_t host[64] = {};  // never read: every check fails before a launch
  float out[1] = {};
  RowDistanceParams p;
  p.a = host, p.b = host, p.out = out, p.batch = 1, p.rows = 1, p.dim = 12;
  p.a_strides[0] = p.b_strides[0] = p.a_strides[1] = p.b_strides[1] = 16;
  CHECK_FALSE(row_distance_supported(p));  // dim not a multiple of 8
  CHECK_THROWS_AS(row_distance(p, nullptr), std::invalid_argument);
  p.dim = 16;
  CHECK(row_distance_supported(p));
  p.a_strides[1] = 12;
  CHECK_FALSE(row_distance_supported(p));  // row stride of 24 bytes
  p.a_strides[1] = 16;
  p.b = host + 1;
  CHECK_FALSE(row_distance_supported(p));  // misaligned base
}
