#include "search/budget_ga.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace astraea::search {
namespace {

// Orders members best first: feasible before infeasible (smaller violation first), then by
// fitness with NaN last, then by age so ties keep the older genome.
bool better(const Member& a, const Member& b) {
  const double va = std::isnan(a.evaluation.violation) ? INFINITY : std::max(0.0, a.evaluation.violation);
  const double vb = std::isnan(b.evaluation.violation) ? INFINITY : std::max(0.0, b.evaluation.violation);
  if (va != vb) return va < vb;
  const double fa = a.evaluation.objectives.front();
  const double fb = b.evaluation.objectives.front();
  if (std::isnan(fa) != std::isnan(fb)) return !std::isnan(fa);
  if (!std::isnan(fa) && fa != fb) return fa < fb;
  if (a.candidate.generation != b.candidate.generation) return a.candidate.generation < b.candidate.generation;
  return a.candidate.index < b.candidate.index;
}

}  // namespace

BudgetGa::BudgetGa(SearchSettings settings) : Search(std::move(settings)) {
  if (this->settings().objectives != 1) {
    fail(ErrorKind::kConfig, "search.algorithm=ga optimises one objective, got {}; use nsga2 for several", this->settings().objectives);
  }
}

std::vector<Member> BudgetGa::survive(std::vector<Member> pool) const {
  std::stable_sort(pool.begin(), pool.end(), better);
  if (pool.size() > static_cast<std::size_t>(settings().parents)) pool.resize(static_cast<std::size_t>(settings().parents));
  for (std::size_t i = 0; i < pool.size(); ++i) {
    pool[i].rank = static_cast<int>(i);
    pool[i].crowding = 0.0;
  }
  return pool;
}

const Member& BudgetGa::select_parent(RandomStream& rng) const {
  const auto& members = population();
  return members[rng.below(members.size())];
}

}  // namespace astraea::search
