// The metric interface. A metric compares an output video (sparse attention, caching, ...)
// with the reference (dense output of the same model, prompt and seed) and returns one number.
#pragma once

#include "eval/video.h"

#include <limits>
#include <string>

namespace astraea::eval {

// The values a metric can take, bounds included.
struct MetricRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

struct MetricValue {
  std::string name;
  double value = 0.0;
  bool higher_is_better = true;
};

class Metric {
 public:
  virtual ~Metric() = default;

  virtual std::string name() const = 0;
  virtual bool higher_is_better() const = 0;
  // A no-reference metric scores `output` alone and ignores the reference argument, which may
  // then be an empty view.
  virtual bool needs_reference() const { return true; }
  // Unbounded unless the metric says otherwise; tests check every registered metric against it.
  virtual MetricRange range() const { return {}; }
  // Throws astraea::Error on an invalid video, a shape mismatch or a video too small for the
  // metric; the message names the metric.
  virtual double evaluate(const VideoView& output, const VideoView& reference) const = 0;
};

}  // namespace astraea::eval
