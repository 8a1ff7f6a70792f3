#include "train/ema.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>

namespace astraea::train {

ExponentialMovingAverage::ExponentialMovingAverage(const NamedTensors& parameters, double decay) : decay_(decay) {
  for (const auto& [name, p] : parameters) averages_.emplace_back(name, p.detach().clone());
}

double ExponentialMovingAverage::decay_at(std::int64_t updates) const {
  return std::min(decay_, (1.0 + static_cast<double>(updates)) / (10.0 + static_cast<double>(updates)));
}

double ExponentialMovingAverage::update(const NamedTensors& parameters) {
  if (parameters.size() != averages_.size()) fail("EMA: tracking {} tensors, given {}", averages_.size(), parameters.size());
  const double d = decay_at(updates_);
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < averages_.size(); ++i) averages_[i].second.mul_(d).add_(parameters[i].second.detach(), 1.0 - d);
  ++updates_;
  return d;
}

void ExponentialMovingAverage::load(const NamedTensors& values) {
  std::map<std::string, at::Tensor> by_name(values.begin(), values.end());
  at::NoGradGuard no_grad;
  for (auto& [name, average] : averages_) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) fail("EMA: the checkpoint has no average for '{}'", name);
    if (it->second.sizes() != average.sizes()) fail("EMA: '{}' has shape {} in the checkpoint, {} in the model", name, c10::str(it->second.sizes()), c10::str(average.sizes()));
    average.copy_(it->second);
  }
}

}  // namespace astraea::train
