// Pareto dominance, non-dominated sorting and crowding distance for minimised objectives, as in
// NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002). One row of `Objectives` per candidate; every row
// must have the same length, or the functions throw astraea::Error.
//
// NaN: an objective value that is NaN is worse than every number, +inf included, and equal to
// another NaN. So a candidate whose evaluation failed is dominated by any otherwise-equal candidate
// with a finite value, and two failed candidates tie on that objective. A NaN constraint violation
// counts as infinitely infeasible.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace astraea::search {

using Objectives = std::vector<std::vector<double>>;
using Front = std::vector<std::size_t>;  // candidate indices, ascending

// True if `a` is no worse than `b` in every objective and strictly better in at least one.
bool dominates(std::span<const double> a, std::span<const double> b);

// Deb's constrained domination. `violation_*` is the total constraint violation: a value <= 0 is
// feasible, larger is worse. A feasible candidate dominates an infeasible one; of two infeasible
// ones the smaller violation dominates (equal violations: neither); two feasible ones compare by
// `dominates`.
bool constrained_dominates(std::span<const double> a, double violation_a, std::span<const double> b,
                           double violation_b);

// Fronts in rank order: front 0 is non-dominated, front k is non-dominated once fronts < k are
// removed. Every index appears exactly once; each front is sorted ascending. O(M N^2).
std::vector<Front> fast_non_dominated_sort(const Objectives& objectives);

// As above with constrained domination; `violations` has one entry per row.
std::vector<Front> fast_non_dominated_sort(const Objectives& objectives, std::span<const double> violations);

// The first front of fast_non_dominated_sort (empty for no candidates).
Front pareto_front_indices(const Objectives& objectives);

// Crowding distance of each member of `front` (result[k] belongs to front[k]). Per objective the
// members are ordered by value (ties: lower index first); the first and last get +inf and each
// interior member gets (next - prev) / (max - min); the terms are summed over objectives.
// An objective contributes nothing to any member when:
// - max == min over the front (no extremes to keep), or
// - the member's value is NaN (such members are left out of that objective's ordering);
// and contributes nothing to interior members when max - min is not finite (an infinite value).
std::vector<double> crowding_distance(const Front& front, const Objectives& objectives);

}  // namespace astraea::search
