// When a layer's head patterns are decided again (METHODS.md section 2.6, question 6: "every
// step and layer after warm-up; optionally cache assignments for r steps"). A layer decides at its
// first call, then again at the first call at least `interval` steps after its last decision;
// the calls between reuse that decision. interval 1 decides at every step (the default).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>

namespace astraea::attention {

class PatternReuse {
 public:
  explicit PatternReuse(int interval = 1);

  // The patterns `layer` decided fewer than `interval` steps before `step`, when they are
  // [batch, heads]; nullptr when the layer must decide (first call, due, or another shape).
  const at::Tensor* reusable(int layer, int step, std::int64_t batch, std::int64_t heads) const;
  // The layer's last decision whatever its age, or nullptr.
  const at::Tensor* latest(int layer) const;
  void store(int layer, int step, at::Tensor patterns);
  // Forgets every decision (a new generation).
  void clear() { decided_.clear(); }
  // Makes every decision due, keeping each as latest() (the first sparse step after a warm-up
  // whose decisions only served row-subset calls).
  void expire();

 private:
  struct Decision {
    int step = 0;
    at::Tensor patterns;
    bool expired = false;
  };
  int interval_;
  std::map<int, Decision> decided_;
};

}  // namespace astraea::attention
