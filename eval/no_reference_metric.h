// The Metric every no-reference score shares: higher is better, the output video alone is
// scored and the reference argument is ignored (it may be an empty view). Each metric file
// supplies only its name, its scoring function and, when not [0, 1], its range.
#pragma once

#include "eval/metric.h"
#include "eval/video.h"

#include <functional>
#include <string>
#include <utility>

namespace astraea::eval {

class NoReferenceMetric final : public Metric {
 public:
  using Score = std::function<double(const VideoView& output)>;

  NoReferenceMetric(std::string name, Score score, MetricRange range = {0.0, 1.0})
      : name_(std::move(name)), score_(std::move(score)), range_(range) {}

  std::string name() const override { return name_; }
  bool higher_is_better() const override { return true; }
  bool needs_reference() const override { return false; }
  MetricRange range() const override { return range_; }
  double evaluate(const VideoView& output, const VideoView& /*reference*/) const override { return score_(output); }

 private:
  std::string name_;
  Score score_;
  MetricRange range_;
};

}  // namespace astraea::eval
