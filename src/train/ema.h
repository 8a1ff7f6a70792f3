// An exponential moving average of a module's parameters, the weights the trained model ships
// with. The decay warms up as min(decay, (1 + n) / (10 + n)) after n updates, so early averages
// are not dominated by the random initialisation.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace astraea::train {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class ExponentialMovingAverage {
 public:
  // Starts as a copy of `parameters` (detached), tracking them in this order.
  ExponentialMovingAverage(const NamedTensors& parameters, double decay);

  // ema = d * ema + (1 - d) * parameter, with the warmed-up d; returns the d used.
  double update(const NamedTensors& parameters);

  double decay_at(std::int64_t updates) const;
  std::int64_t updates() const { return updates_; }
  void set_updates(std::int64_t updates) { updates_ = updates; }
  const NamedTensors& averages() const { return averages_; }
  // Replaces the averages by `values` of the same names and shapes (a resumed checkpoint's);
  // throws naming the first missing or mismatched tensor.
  void load(const NamedTensors& values);

 private:
  NamedTensors averages_;
  double decay_;
  std::int64_t updates_ = 0;
};

}  // namespace astraea::train
