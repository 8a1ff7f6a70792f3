// A RowSelection's rows of token-major tensors ([B, N, ...]): gathered, and merged back out of
// place. Both go through a [B * N, ...] view with one index_select or index_copy_, which on the
// CPU is several times faster than gather/scatter with an index expanded over the row width.
#pragma once

#include "attention/accelerator.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::attention {

// `indices` [B, k] with the flat index made for N tokens.
RowSelection selection_of(const at::Tensor& indices, std::int64_t tokens);

// The selection's rows of a [B * tokens] view, int64 [B * k]: rows.flat when it was made for
// `tokens`, else computed.
at::Tensor flat_rows(const RowSelection& rows, std::int64_t tokens);

// x [B, N, ...] -> [B, k, ...]: the selected rows of every batch element, in selection order.
at::Tensor gather_rows(const at::Tensor& x, const RowSelection& rows);

// A copy of `base` [B, N, ...] with the selected rows replaced by `values` [B, k, ...] (cast to
// base's dtype); `base` itself is not written.
at::Tensor scatter_rows(const at::Tensor& base, const RowSelection& rows, const at::Tensor& values);

}  // namespace astraea::attention
