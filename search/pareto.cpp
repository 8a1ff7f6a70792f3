#include "search/pareto.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace astraea::search {
namespace {

// x < y in the order where NaN sits above every number and equals itself.
bool better(double x, double y) {
  if (std::isnan(x)) return false;
  if (std::isnan(y)) return true;
  return x < y;
}

// Violation as used for comparison: <= 0 is feasible (0), NaN is infinitely infeasible.
double effective_violation(double violation) {
  if (std::isnan(violation)) return std::numeric_limits<double>::infinity();
  return std::max(violation, 0.0);
}

bool dominates_unchecked(std::span<const double> a, std::span<const double> b) {
  bool strictly_better = false;
  for (std::size_t m = 0; m < a.size(); ++m) {
    if (better(b[m], a[m])) return false;
    if (better(a[m], b[m])) strictly_better = true;
  }
  return strictly_better;
}

bool constrained_dominates_unchecked(std::span<const double> a, double violation_a, std::span<const double> b,
                                     double violation_b) {
  const double va = effective_violation(violation_a);
  const double vb = effective_violation(violation_b);
  if (va == 0.0 && vb == 0.0) return dominates_unchecked(a, b);
  return va < vb;
}

// Number of objectives shared by every row; throws if the rows disagree.
std::size_t objective_count(const Objectives& objectives) {
  if (objectives.empty()) return 0;
  const std::size_t m = objectives.front().size();
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    if (objectives[i].size() != m) {
      fail("objectives: row {} has {} values but row 0 has {}", i, objectives[i].size(), m);
    }
  }
  return m;
}

using Dominance = std::function<bool(std::size_t, std::size_t)>;

// Deb et al.'s bookkeeping: for each candidate, whom it dominates and by how many it is dominated.
std::vector<Front> sort_by(std::size_t n, const Dominance& dom) {
  std::vector<std::vector<std::size_t>> dominated(n);
  std::vector<std::size_t> dominator_count(n, 0);
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      if (dom(p, q)) {
        dominated[p].push_back(q);
        ++dominator_count[q];
      } else if (dom(q, p)) {
        dominated[q].push_back(p);
        ++dominator_count[p];
      }
    }
  }
  std::vector<Front> fronts;
  Front current;
  for (std::size_t p = 0; p < n; ++p) {
    if (dominator_count[p] == 0) current.push_back(p);
  }
  while (!current.empty()) {
    Front next;
    for (std::size_t p : current) {
      for (std::size_t q : dominated[p]) {
        if (--dominator_count[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    current = std::move(next);
  }
  return fronts;
}

}  // namespace

bool dominates(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) fail("dominates: candidates have {} and {} objectives", a.size(), b.size());
  return dominates_unchecked(a, b);
}

bool constrained_dominates(std::span<const double> a, double violation_a, std::span<const double> b,
                           double violation_b) {
  if (a.size() != b.size()) {
    fail("constrained_dominates: candidates have {} and {} objectives", a.size(), b.size());
  }
  return constrained_dominates_unchecked(a, violation_a, b, violation_b);
}

std::vector<Front> fast_non_dominated_sort(const Objectives& objectives) {
  objective_count(objectives);
  return sort_by(objectives.size(), [&](std::size_t p, std::size_t q) {
    return dominates_unchecked(objectives[p], objectives[q]);
  });
}

std::vector<Front> fast_non_dominated_sort(const Objectives& objectives, std::span<const double> violations) {
  objective_count(objectives);
  if (violations.size() != objectives.size()) {
    fail("fast_non_dominated_sort: {} violations for {} candidates", violations.size(), objectives.size());
  }
  return sort_by(objectives.size(), [&](std::size_t p, std::size_t q) {
    return constrained_dominates_unchecked(objectives[p], violations[p], objectives[q], violations[q]);
  });
}

Front pareto_front_indices(const Objectives& objectives) {
  auto fronts = fast_non_dominated_sort(objectives);
  if (fronts.empty()) return {};
  return std::move(fronts.front());
}

std::vector<double> crowding_distance(const Front& front, const Objectives& objectives) {
  const std::size_t m_count = objective_count(objectives);
  for (std::size_t index : front) {
    if (index >= objectives.size()) {
      fail("crowding_distance: front names candidate {} but there are {}", index, objectives.size());
    }
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> distance(front.size(), 0.0);
  std::vector<std::size_t> order;  // positions in `front`
  for (std::size_t m = 0; m < m_count; ++m) {
    order.clear();
    for (std::size_t k = 0; k < front.size(); ++k) {
      if (!std::isnan(objectives[front[k]][m])) order.push_back(k);
    }
    if (order.empty()) continue;
    auto value = [&](std::size_t k) { return objectives[front[k]][m]; };
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      if (value(x) != value(y)) return value(x) < value(y);
      return front[x] < front[y];
    });
    const double low = value(order.front());
    const double high = value(order.back());
    if (low == high) continue;
    distance[order.front()] = kInf;
    distance[order.back()] = kInf;
    const double range = high - low;
    if (!std::isfinite(range)) continue;
    for (std::size_t j = 1; j + 1 < order.size(); ++j) {
      distance[order[j]] += (value(order[j + 1]) - value(order[j - 1])) / range;
    }
  }
  return distance;
}

}  // namespace astraea::search
