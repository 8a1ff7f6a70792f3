#include "attention/pattern_reuse.h"

#include "core/error.h"

#include <utility>

namespace astraea::attention {

PatternReuse::PatternReuse(int interval) : interval_(interval) {
  if (interval < 1) fail("pattern reuse: interval {} must be at least 1 step", interval);
}

const at::Tensor* PatternReuse::reusable(int layer, int step, std::int64_t batch, std::int64_t heads) const {
  const auto found = decided_.find(layer);
  if (found == decided_.end()) return nullptr;
  const Decision& d = found->second;
  if (d.expired) return nullptr;
  // A step before the decision means a new generation that did not clear: decide again.
  if (step < d.step || step - d.step >= interval_) return nullptr;
  if (d.patterns.dim() != 2 || d.patterns.size(0) != batch || d.patterns.size(1) != heads) return nullptr;
  return &d.patterns;
}

const at::Tensor* PatternReuse::latest(int layer) const {
  const auto found = decided_.find(layer);
  return found == decided_.end() ? nullptr : &found->second.patterns;
}

void PatternReuse::expire() {
  for (auto& [layer, decision] : decided_) decision.expired = true;
}

void PatternReuse::store(int layer, int step, at::Tensor patterns) { decided_[layer] = Decision{step, std::move(patterns)}; }

}  // namespace astraea::attention
