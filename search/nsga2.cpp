#include "search/nsga2.h"

#include "core/error.h"
#include "search/pareto.h"

#include <algorithm>
#include <numeric>

namespace astraea::search {

Nsga2::Nsga2(SearchSettings settings) : Search(std::move(settings)) {
  if (this->settings().objectives < 2) {
    fail(ErrorKind::kConfig, "search.algorithm=nsga2 needs at least two objectives, got {}", this->settings().objectives);
  }
}

std::vector<Member> Nsga2::survive(std::vector<Member> pool) const {
  Objectives objectives;
  std::vector<double> violations;
  for (const auto& m : pool) {
    objectives.push_back(m.evaluation.objectives);
    violations.push_back(m.evaluation.violation);
  }
  const auto fronts = fast_non_dominated_sort(objectives, violations);
  const auto capacity = static_cast<std::size_t>(settings().parents);
  std::vector<Member> survivors;
  for (std::size_t rank = 0; rank < fronts.size() && survivors.size() < capacity; ++rank) {
    const auto& front = fronts[rank];
    const auto crowding = crowding_distance(front, objectives);
    std::vector<std::size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    // Within a front: larger crowding first; the sort is stable, so ties keep pool order.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return crowding[a] > crowding[b]; });
    for (std::size_t k : order) {
      if (survivors.size() == capacity) break;
      Member m = pool[front[k]];
      m.rank = static_cast<int>(rank);
      m.crowding = crowding[k];
      survivors.push_back(std::move(m));
    }
  }
  return survivors;
}

const Member& Nsga2::select_parent(RandomStream& rng) const {
  const auto& members = population();
  const Member& a = members[rng.below(members.size())];
  const Member& b = members[rng.below(members.size())];
  if (a.rank != b.rank) return a.rank < b.rank ? a : b;
  if (a.crowding != b.crowding) return a.crowding > b.crowding ? a : b;
  return rng.chance(0.5) ? a : b;
}

}  // namespace astraea::search
