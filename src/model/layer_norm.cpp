#include "model/layer_norm.h"

#include <ATen/ATen.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

namespace astraea::model {

at::Tensor layer_norm_in_dtype(torch::nn::LayerNormImpl& norm, const at::Tensor& x) {
  const c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
  const auto& options = norm.options;
  auto in_dtype = [&](const at::Tensor& t) { return t.defined() ? t.to(x.scalar_type()) : t; };
  const auto weight = in_dtype(norm.weight), bias = in_dtype(norm.bias);
  if (!at::GradMode::is_enabled() || !weight.defined()) return at::layer_norm(x, options.normalized_shape(), weight, bias, options.eps());
  const auto normalized = at::layer_norm(x, options.normalized_shape(), {}, {}, options.eps());
  return bias.defined() ? at::addcmul(bias, normalized, weight) : normalized * weight;
}

}  // namespace astraea::model
