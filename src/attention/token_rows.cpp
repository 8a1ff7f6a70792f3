#include "attention/token_rows.h"

#include <ATen/ATen.h>

#include <vector>

namespace astraea::attention {
namespace {

// [B, N, ...] -> [B * N, ...] sizes.
std::vector<std::int64_t> flat_sizes(const at::Tensor& x) {
  std::vector<std::int64_t> sizes{x.size(0) * x.size(1)};
  for (std::int64_t d = 2; d < x.dim(); ++d) sizes.push_back(x.size(d));
  return sizes;
}

}  // namespace

RowSelection selection_of(const at::Tensor& indices, std::int64_t tokens) {
  RowSelection rows{indices};
  rows.flat = flat_rows(rows, tokens);
  rows.tokens = tokens;
  return rows;
}

at::Tensor flat_rows(const RowSelection& rows, std::int64_t tokens) {
  TORCH_CHECK(!rows.all(), "flat_rows: the selection holds every row");
  if (rows.flat.defined() && rows.tokens == tokens) return rows.flat;
  const auto batch = rows.indices.size(0);
  return (rows.indices + at::arange(batch, rows.indices.options()).unsqueeze(1) * tokens).reshape({-1});
}

at::Tensor gather_rows(const at::Tensor& x, const RowSelection& rows) {
  TORCH_CHECK(x.dim() >= 2 && x.size(0) == rows.indices.size(0), "gather_rows: x ", x.sizes(), " for a selection of ", rows.indices.sizes());
  auto sizes = x.sizes().vec();
  sizes[1] = rows.indices.size(1);
  return x.reshape(flat_sizes(x)).index_select(0, flat_rows(rows, x.size(1))).view(sizes);
}

at::Tensor scatter_rows(const at::Tensor& base, const RowSelection& rows, const at::Tensor& values) {
  TORCH_CHECK(base.dim() >= 2 && values.dim() == base.dim() && values.size(0) == base.size(0) && values.size(1) == rows.indices.size(1),
              "scatter_rows: base ", base.sizes(), ", values ", values.sizes(), " for a selection of ", rows.indices.sizes());
  auto out = base.clone(at::MemoryFormat::Contiguous);
  out.view(flat_sizes(out)).index_copy_(0, flat_rows(rows, base.size(1)), values.to(base.scalar_type()).reshape(flat_sizes(values)));
  return out;
}

}  // namespace astraea::attention
