// Dominance, non-dominated sorting and crowding distance against hand-worked cases and naive
// references computed here: front peeling in O(N^3) and neighbour search without sorting.
#include "core/error.h"
#include "search/pareto.h"
#include "support/catch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using astraea::Error;
using astraea::search::constrained_dominates;
using astraea::search::crowding_distance;
using astraea::search::dominates;
using astraea::search::fast_non_dominated_sort;
using astraea::search::Front;
using astraea::search::Objectives;
using astraea::search::pareto_front_indices;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Sort key with NaN above every number: (is NaN, value), compared lexicographically.
bool key_less(double x, double y) {
  const bool nx = std::isnan(x);
  const bool ny = std::isnan(y);
  if (nx != ny) return ny;
  return !nx && x < y;
}

bool naive_dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool all_no_worse = true;
  bool any_better = false;
  for (std::size_t m = 0; m < a.size(); ++m) {
    all_no_worse = all_no_worse && !key_less(b[m], a[m]);
    any_better = any_better || key_less(a[m], b[m]);
  }
  return all_no_worse && any_better;
}

// Peels fronts: the members of the next front are the remaining candidates that no remaining
// candidate beats under `beats`.
template <typename Beats>
std::vector<Front> peel(std::size_t n, Beats beats) {
  std::vector<bool> removed(n, false);
  std::vector<Front> fronts;
  std::size_t left = n;
  while (left > 0) {
    Front front;
    for (std::size_t p = 0; p < n; ++p) {
      if (removed[p]) continue;
      bool beaten = false;
      for (std::size_t q = 0; q < n && !beaten; ++q) beaten = !removed[q] && beats(q, p);
      if (!beaten) front.push_back(p);
    }
    for (std::size_t p : front) removed[p] = true;
    left -= front.size();
    fronts.push_back(front);
  }
  return fronts;
}

// Objectives drawn from a few integers, so ties and duplicates are common, plus some NaNs.
Objectives random_objectives(std::mt19937_64& rng, std::size_t n, std::size_t m, bool with_nan) {
  std::uniform_int_distribution<int> value(0, 5);
  std::uniform_int_distribution<int> nan_draw(0, 19);
  Objectives objectives(n, std::vector<double>(m));
  for (auto& row : objectives) {
    for (auto& v : row) v = (with_nan && nan_draw(rng) == 0) ? kNaN : value(rng);
  }
  return objectives;
}

}  // namespace

TEST_CASE("dominates compares minimised objectives", "[search][pareto]") {
  CHECK(dominates(std::vector<double>{1, 2}, std::vector<double>{2, 2}));
  CHECK_FALSE(dominates(std::vector<double>{2, 2}, std::vector<double>{1, 2}));
  CHECK_FALSE(dominates(std::vector<double>{1, 2}, std::vector<double>{1, 2}));  // equal: neither
  CHECK_FALSE(dominates(std::vector<double>{1, 3}, std::vector<double>{2, 2}));  // trade-off
  CHECK_FALSE(dominates(std::vector<double>{2, 2}, std::vector<double>{1, 3}));
  CHECK(dominates(std::vector<double>{-kInf, 0}, std::vector<double>{0, 0}));
  CHECK_THROWS_AS(dominates(std::vector<double>{1}, std::vector<double>{1, 2}), Error);
}

TEST_CASE("NaN objectives rank below every number and tie with each other", "[search][pareto]") {
  CHECK(dominates(std::vector<double>{1, 5}, std::vector<double>{1, kNaN}));
  CHECK_FALSE(dominates(std::vector<double>{1, kNaN}, std::vector<double>{1, 5}));
  CHECK(dominates(std::vector<double>{kInf}, std::vector<double>{kNaN}));
  CHECK_FALSE(dominates(std::vector<double>{kNaN}, std::vector<double>{kNaN}));
  CHECK(dominates(std::vector<double>{0, kNaN}, std::vector<double>{1, kNaN}));
  // Trade-off: a is better in objective 0, b in objective 1 (5 beats NaN).
  CHECK_FALSE(dominates(std::vector<double>{0, kNaN}, std::vector<double>{1, 5}));
  CHECK_FALSE(dominates(std::vector<double>{1, 5}, std::vector<double>{0, kNaN}));
}

TEST_CASE("constrained domination follows Deb's three rules", "[search][pareto]") {
  const std::vector<double> good{0, 0};
  const std::vector<double> bad{9, 9};
  const std::vector<double> left{0, 1};
  const std::vector<double> right{1, 0};
  CHECK(constrained_dominates(bad, 0.0, good, 0.5));   // feasible beats infeasible whatever the objectives
  CHECK_FALSE(constrained_dominates(good, 0.5, bad, 0.0));
  CHECK(constrained_dominates(bad, 0.25, good, 0.5));  // smaller violation wins
  CHECK_FALSE(constrained_dominates(good, 0.5, bad, 0.25));
  CHECK_FALSE(constrained_dominates(good, 0.5, bad, 0.5));  // equal violations: neither
  CHECK_FALSE(constrained_dominates(bad, 0.5, good, 0.5));
  CHECK(constrained_dominates(good, 0.0, bad, 0.0));  // both feasible: Pareto
  CHECK_FALSE(constrained_dominates(left, 0.0, right, 0.0));
  CHECK(constrained_dominates(good, -3.0, bad, 0.0));  // a negative violation is feasible
  CHECK_FALSE(constrained_dominates(bad, -3.0, good, 0.0));
  CHECK(constrained_dominates(good, 1e300, good, kNaN));  // NaN violation is the worst
  CHECK_FALSE(constrained_dominates(good, kNaN, good, 1e300));
  CHECK_THROWS_AS(constrained_dominates(good, 0.0, std::vector<double>{0}, 0.0), Error);
}

TEST_CASE("fast non-dominated sort on a hand-worked set", "[search][pareto]") {
  // 0:(1,5) 1:(2,3) 2:(4,1) 3:(3,4) 4:(5,5) 5:(2,3) 6:(4,4)
  // Front 0: 0, 1, 2 and 5 (1 and 5 are duplicates; neither dominates the other).
  // Then (3,4) is beaten only by (2,3); (4,4) also by (3,4); (5,5) by everything.
  const Objectives objectives{{1, 5}, {2, 3}, {4, 1}, {3, 4}, {5, 5}, {2, 3}, {4, 4}};
  const std::vector<Front> expected{{0, 1, 2, 5}, {3}, {6}, {4}};
  CHECK(fast_non_dominated_sort(objectives) == expected);
  CHECK(pareto_front_indices(objectives) == Front{0, 1, 2, 5});
}

TEST_CASE("fast non-dominated sort edge cases", "[search][pareto]") {
  CHECK(fast_non_dominated_sort(Objectives{}).empty());
  CHECK(pareto_front_indices(Objectives{}).empty());
  CHECK(fast_non_dominated_sort(Objectives{{3, 3}}) == std::vector<Front>{{0}});
  // A NaN row is beaten by its finite twin.
  CHECK(fast_non_dominated_sort(Objectives{{1, kNaN}, {1, 2}}) == std::vector<Front>{{1}, {0}});
  CHECK_THROWS_AS(fast_non_dominated_sort(Objectives{{1, 2}, {1}}), Error);
  const std::vector<double> too_few{0.0};
  CHECK_THROWS_AS(fast_non_dominated_sort(Objectives{{1, 2}, {2, 1}}, too_few), Error);
}

TEST_CASE("constrained sort on a hand-worked set", "[search][pareto]") {
  // Feasible: 0:(1,1) 2:(2,2); infeasible: 1:(0,0) v=2, 3:(0,0) v=1, 4:(5,5) v=1.
  // Fronts: {0} then {2} (feasible, Pareto), then {3,4} (violation 1), then {1} (violation 2).
  const Objectives objectives{{1, 1}, {0, 0}, {2, 2}, {0, 0}, {5, 5}};
  const std::vector<double> violations{0.0, 2.0, 0.0, 1.0, 1.0};
  const std::vector<Front> expected{{0}, {2}, {3, 4}, {1}};
  CHECK(fast_non_dominated_sort(objectives, violations) == expected);
}

TEST_CASE("fast non-dominated sort matches naive peeling on random sets", "[search][pareto]") {
  std::mt19937_64 rng(20250117);
  for (std::size_t n : {std::size_t{17}, std::size_t{257}}) {
    for (std::size_t m : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
      for (bool with_nan : {false, true}) {
        const auto objectives = random_objectives(rng, n, m, with_nan);
        const auto expected = peel(n, [&](std::size_t q, std::size_t p) {
          return naive_dominates(objectives[q], objectives[p]);
        });
        INFO("n=" << n << " m=" << m << " nan=" << with_nan);
        CHECK(fast_non_dominated_sort(objectives) == expected);
        CHECK(pareto_front_indices(objectives) == expected.front());
      }
    }
  }
}

TEST_CASE("constrained sort matches naive peeling on random sets", "[search][pareto]") {
  std::mt19937_64 rng(977);
  std::uniform_int_distribution<int> violation_draw(-1, 3);  // <= 0 means feasible
  for (std::size_t n : {std::size_t{17}, std::size_t{257}}) {
    const auto objectives = random_objectives(rng, n, 2, true);
    std::vector<double> violations(n);
    for (auto& v : violations) v = std::max(0, violation_draw(rng));
    const auto expected = peel(n, [&](std::size_t q, std::size_t p) {
      if (violations[q] == 0 && violations[p] == 0) return naive_dominates(objectives[q], objectives[p]);
      return violations[q] < violations[p];
    });
    CHECK(fast_non_dominated_sort(objectives, violations) == expected);
  }
}

TEST_CASE("crowding distance on a hand-worked front", "[search][pareto]") {
  // Points 0:(1,4) 1:(2,2) 2:(3,1.5) 3:(5,0).
  // Objective 0: order 0,1,2,3, range 5-1=4: point 1 gets (3-1)/4 = 0.5, point 2 (5-2)/4 = 0.75.
  // Objective 1: order 3,2,1,0, range 4-0=4: point 2 gets (2-0)/4 = 0.5, point 1 (4-1.5)/4 = 0.625.
  // Sums: point 1: 1.125, point 2: 1.25; points 0 and 3 are extremes: inf.
  const Objectives objectives{{1, 4}, {2, 2}, {3, 1.5}, {5, 0}};
  const auto distance = crowding_distance(Front{0, 1, 2, 3}, objectives);
  REQUIRE(distance.size() == 4);
  CHECK(distance[0] == kInf);
  CHECK(distance[1] == 1.125);
  CHECK(distance[2] == 1.25);
  CHECK(distance[3] == kInf);
  // The result follows the order of the front argument.
  const auto reordered = crowding_distance(Front{2, 3, 0, 1}, objectives);
  CHECK(reordered == std::vector<double>{1.25, kInf, kInf, 1.125});
}

TEST_CASE("crowding distance special cases", "[search][pareto]") {
  // A constant objective contributes nothing; objective 0: range 3, middle gets (4-1)/3 = 1.
  CHECK(crowding_distance(Front{0, 1, 2}, Objectives{{1, 7}, {2, 7}, {4, 7}}) ==
        std::vector<double>{kInf, 1.0, kInf});
  // Identical points have no extremes at all.
  CHECK(crowding_distance(Front{0, 1, 2}, Objectives{{3, 3}, {3, 3}, {3, 3}}) == std::vector<double>{0, 0, 0});
  CHECK(crowding_distance(Front{0}, Objectives{{3, 3}}) == std::vector<double>{0});
  CHECK(crowding_distance(Front{0, 1}, Objectives{{1, 2}, {2, 1}}) == std::vector<double>{kInf, kInf});
  CHECK(crowding_distance(Front{}, Objectives{{1, 2}}).empty());
  // Ties at the minimum: the lower index is the extreme; the other is interior: (1 - 0)/1 = 1.
  CHECK(crowding_distance(Front{0, 1, 2}, Objectives{{0}, {0}, {1}}) == std::vector<double>{kInf, 1.0, kInf});
  // NaN in objective 1 leaves point 1 out of that objective. Objective 0: range 2, point 1 gets
  // (3-1)/2 = 1; objective 1 orders points 2, 0 only, both extremes.
  CHECK(crowding_distance(Front{0, 1, 2}, Objectives{{1, 1}, {2, kNaN}, {3, 0}}) ==
        std::vector<double>{kInf, 1.0, kInf});
  // An infinite value keeps the extremes but gives interior points nothing from that objective.
  CHECK(crowding_distance(Front{0, 1, 2}, Objectives{{0}, {1}, {kInf}}) == std::vector<double>{kInf, 0.0, kInf});
  CHECK_THROWS_AS(crowding_distance(Front{0, 3}, Objectives{{1}, {2}}), Error);
}

TEST_CASE("crowding distance matches a neighbour search on random fronts", "[search][pareto]") {
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<double> value(-10.0, 10.0);
  for (std::size_t n : {std::size_t{17}, std::size_t{257}}) {
    constexpr std::size_t kObjectives = 3;
    Objectives objectives(n + 2, std::vector<double>(kObjectives));  // two rows stay out of the front
    for (auto& row : objectives) {
      for (auto& v : row) v = value(rng);  // distinct with probability 1
    }
    Front front(n);
    for (std::size_t k = 0; k < n; ++k) front[k] = (k * 5 + 1) % (n + 2);  // scrambled subset
    std::vector<double> expected(n, 0.0);
    for (std::size_t m = 0; m < kObjectives; ++m) {
      double low = kInf;
      double high = -kInf;
      for (std::size_t i : front) {
        low = std::min(low, objectives[i][m]);
        high = std::max(high, objectives[i][m]);
      }
      for (std::size_t k = 0; k < n; ++k) {
        const double x = objectives[front[k]][m];
        double below = -kInf;  // nearest value under x in the front
        double above = kInf;   // nearest value over x
        for (std::size_t i : front) {
          const double y = objectives[i][m];
          if (y < x) below = std::max(below, y);
          if (y > x) above = std::min(above, y);
        }
        if (below == -kInf || above == kInf) {
          expected[k] = kInf;
        } else {
          expected[k] += (above - below) / (high - low);
        }
      }
    }
    const auto distance = crowding_distance(front, objectives);
    REQUIRE(distance.size() == n);
    for (std::size_t k = 0; k < n; ++k) {
      if (expected[k] == kInf) {
        CHECK(distance[k] == kInf);
      } else {
        CHECK(distance[k] == Approx(expected[k]).epsilon(1e-12));
      }
    }
  }
}
