#include "train/v_prediction.h"

#include <ATen/ATen.h>

#include <vector>

namespace astraea::train {

at::Tensor alpha_bar_table(const pipeline::NoiseSchedule& schedule) {
  std::vector<double> values;
  for (int t = 0; t < schedule.train_timesteps(); ++t) values.push_back(schedule.alpha_bar(t));
  return at::tensor(values, at::kDouble);
}

NoisedSample v_prediction_sample(const at::Tensor& table, const at::Tensor& x0, const at::Tensor& eps, const at::Tensor& timesteps) {
  TORCH_CHECK(x0.sizes() == eps.sizes(), "v-prediction: x0 ", x0.sizes(), " and noise ", eps.sizes(), " differ in shape");
  TORCH_CHECK(timesteps.dim() == 1 && timesteps.size(0) == x0.size(0), "v-prediction: timesteps must be [", x0.size(0), "], got ",
              timesteps.sizes());
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x0.dim()), 1);
  shape[0] = x0.size(0);
  const auto a = table.index_select(0, timesteps);
  const auto signal = a.sqrt().to(at::kFloat).view(shape);
  const auto noise = (1.0 - a).sqrt().to(at::kFloat).view(shape);
  return {signal * x0 + noise * eps, signal * eps - noise * x0};
}

}  // namespace astraea::train
