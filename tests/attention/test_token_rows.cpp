// gather_rows / scatter_rows against at::gather / at::scatter with the index expanded over the
// row width (the obvious formulation they replace), with and without the selection's cached flat
// index, for [B, N] and [B, N, D] tensors, a strided input, and an empty selection.
#include "attention/token_rows.h"
#include "support/catch.h"

#include <ATen/ATen.h>

using namespace astraea;
using attention::RowSelection;

namespace {

// [B, k] ascending distinct indices below n.
at::Tensor random_indices(std::int64_t batch, std::int64_t k, std::int64_t n) {
  std::vector<at::Tensor> rows;
  for (std::int64_t b = 0; b < batch; ++b) rows.push_back(std::get<0>(at::randperm(n).slice(0, 0, k).sort()));
  return at::stack(rows);
}

at::Tensor expanded(const at::Tensor& idx, const at::Tensor& x) {
  auto index = idx;
  std::vector<std::int64_t> sizes{idx.size(0), idx.size(1)};
  for (std::int64_t d = 2; d < x.dim(); ++d) {
    index = index.unsqueeze(-1);
    sizes.push_back(x.size(d));
  }
  return index.expand(sizes);
}

}  // namespace

TEST_CASE("gather_rows and scatter_rows match gather and scatter along the token dimension", "[attention][token_rows]") {
  at::manual_seed(3);
  constexpr std::int64_t kBatch = 3, kTokens = 29, kWidth = 5;
  for (const std::int64_t k : {0, 1, 11, 29}) {
    const auto idx = random_indices(kBatch, k, kTokens);
    for (const bool cached : {false, true}) {
      INFO("k = " << k << ", cached flat index " << cached);
      const RowSelection rows = cached ? attention::selection_of(idx, kTokens) : RowSelection{idx};
      for (const auto& x : {at::randn({kBatch, kTokens, kWidth}), at::randn({kBatch, kTokens}),
                            at::randn({kBatch, kWidth, kTokens}).transpose(1, 2)}) {  // the last one strided
        const auto gathered = attention::gather_rows(x, rows);
        CHECK(at::equal(gathered, at::gather(x, 1, expanded(idx, x))));
        const auto values = at::randn_like(gathered).to(at::kDouble);  // cast to x's dtype on the way in
        const auto before = x.clone();
        const auto merged = attention::scatter_rows(x, rows, values);
        CHECK(at::equal(merged, x.scatter(1, expanded(idx, x), values.to(x.scalar_type()))));
        CHECK(at::equal(x, before));  // out of place
      }
    }
  }
  // A flat index made for another N is not used.
  const auto idx = random_indices(kBatch, 4, kTokens);
  const auto x = at::randn({kBatch, kTokens + 3, kWidth});
  CHECK(at::equal(attention::gather_rows(x, attention::selection_of(idx, kTokens)), at::gather(x, 1, expanded(idx, x))));
}
