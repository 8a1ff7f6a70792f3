#include "attention/dense_accelerator.h"

#include "attention/kernel_bridge.h"
#include "core/error.h"

#include <ATen/ATen.h>

namespace astraea::attention {

at::Tensor DenseAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout&,
                                       const RowSelection& rows) {
  TORCH_CHECK(rows.all(), "dense attention (layer ", layer, ") computes every row; got a row selection");
  if (kernel_ == DenseKernel::kAstraea && attention_kernels_available(q, k, v)) {
    return block_sparse_attention(q, k, v, at::Tensor(), at::Tensor()).out;
  }
  return at::scaled_dot_product_attention(q, k, v);
}

at::Tensor DenseAccelerator::finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) {
  TORCH_CHECK(rows.all(), "dense finish_block (layer ", layer, ") expects every row");
  return video_out;
}

}  // namespace astraea::attention
