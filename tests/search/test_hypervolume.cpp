// Hypervolume against hand-worked boxes and two exact references computed here: inclusion-
// exclusion over the boxes [p, reference] for up to 8 points, and counting unit cells for points
// on an integer lattice (any number of points).
#include "core/error.h"
#include "search/hypervolume.h"
#include "support/catch.h"

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

using astraea::Error;
using astraea::search::hypervolume;
using astraea::search::hypervolume_contributions;

namespace {

using Points = std::vector<std::vector<double>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Volume of the union of the boxes [p, reference]: sum over non-empty subsets S of
// (-1)^(|S|+1) * volume(intersection of S), the intersection being [max over S of p, reference].
double inclusion_exclusion(const Points& points, const std::vector<double>& reference) {
  const std::size_t n = points.size();
  double volume = 0.0;
  for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
    std::vector<double> corner(reference.size(), -kInf);
    int members = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!(mask & (std::size_t{1} << i))) continue;
      ++members;
      for (std::size_t m = 0; m < reference.size(); ++m) corner[m] = std::max(corner[m], points[i][m]);
    }
    double box = 1.0;
    for (std::size_t m = 0; m < reference.size(); ++m) box *= std::max(0.0, reference[m] - corner[m]);
    volume += (members % 2 == 1) ? box : -box;
  }
  return volume;
}

// For integer points and an integer reference, with every coordinate in [0, side]: how many unit
// cells [c, c+1) each point covers, split into the total covered and those covered by one point only.
struct CellCount {
  double covered = 0;
  std::vector<double> only_by;  // per point
};

CellCount count_cells(const Points& points, int side, std::size_t dimensions) {
  CellCount count;
  count.only_by.assign(points.size(), 0.0);
  std::size_t cells = 1;
  for (std::size_t m = 0; m < dimensions; ++m) cells *= static_cast<std::size_t>(side);
  for (std::size_t cell = 0; cell < cells; ++cell) {
    std::vector<double> corner(dimensions);
    std::size_t rest = cell;
    for (std::size_t m = 0; m < dimensions; ++m) {
      corner[m] = static_cast<double>(rest % static_cast<std::size_t>(side));
      rest /= static_cast<std::size_t>(side);
    }
    std::size_t coverers = 0;
    std::size_t last = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
      bool covers = true;
      for (std::size_t m = 0; m < dimensions && covers; ++m) covers = points[i][m] <= corner[m];
      if (covers) {
        ++coverers;
        last = i;
      }
    }
    if (coverers > 0) count.covered += 1;
    if (coverers == 1) count.only_by[last] += 1;
  }
  return count;
}

}  // namespace

TEST_CASE("2-D hypervolume of a hand-worked staircase", "[search][hypervolume]") {
  // Reference (4,4). Sweeping by the first objective: (1,3) adds 3*1 = 3, (2,2) adds 2*1 = 2,
  // (3,1) adds 1*1 = 1: total 6. (3,3) is dominated, (5,0) and (4,1) are not strictly inside,
  // (NaN,0) never takes part.
  const std::vector<double> reference{4, 4};
  const Points staircase{{1, 3}, {2, 2}, {3, 1}};
  const Points extended{{1, 3}, {2, 2}, {3, 1}, {3, 3}, {5, 0}, {4, 1}, {kNaN, 0}, {kInf, 0}};
  CHECK(hypervolume(staircase, reference) == 6.0);
  CHECK(hypervolume(extended, reference) == 6.0);
  CHECK(hypervolume(Points{}, reference) == 0.0);
  // Dropping any staircase point loses exactly its 1x1 corner: 6 - 5 = 1 each.
  CHECK(hypervolume_contributions(extended, reference) == std::vector<double>{1, 1, 1, 0, 0, 0, 0, 0});
  // Duplicates cover nothing on their own.
  CHECK(hypervolume_contributions(Points{{1, 1}, {1, 1}}, reference) == std::vector<double>{0, 0});
}

TEST_CASE("3-D hypervolume of two hand-worked boxes", "[search][hypervolume]") {
  // Reference (4,4,4). Box A from (1,1,3): 3*3*1 = 9. Box B from (2,2,1): 2*2*3 = 12.
  // Overlap [2,4]x[2,4]x[3,4] = 4. Union 9 + 12 - 4 = 17; A alone 17 - 12 = 5, B alone 17 - 9 = 8.
  const std::vector<double> reference{4, 4, 4};
  const Points points{{1, 1, 3}, {2, 2, 1}, {3, 3, 3}, {1, 1, 4}};
  CHECK(hypervolume(points, reference) == 17.0);
  CHECK(hypervolume_contributions(points, reference) == std::vector<double>{5, 8, 0, 0});
}

TEST_CASE("hypervolume rejects what it cannot measure", "[search][hypervolume]") {
  CHECK_THROWS_AS(hypervolume(Points{{1}}, std::vector<double>{2}), Error);
  CHECK_THROWS_AS(hypervolume(Points{{1, 1, 1, 1}}, std::vector<double>{2, 2, 2, 2}), Error);
  CHECK_THROWS_AS(hypervolume(Points{{1, 1, 1}}, std::vector<double>{2, 2}), Error);
  CHECK_THROWS_AS(hypervolume(Points{{1, 1}}, std::vector<double>{2, kInf}), Error);
  CHECK_THROWS_AS(hypervolume(Points{{1, 1}}, std::vector<double>{kNaN, 2}), Error);
  CHECK_THROWS_AS(hypervolume(Points{{-kInf, 1}}, std::vector<double>{2, 2}), Error);
  CHECK_THROWS_AS(hypervolume_contributions(Points{{1, 1}, {1}}, std::vector<double>{2, 2}), Error);
  // A -inf point outside the reference takes no part, so it is no error.
  CHECK(hypervolume(Points{{-kInf, 3}}, std::vector<double>{2, 2}) == 0.0);
}

TEST_CASE("hypervolume matches inclusion-exclusion on random real points", "[search][hypervolume]") {
  std::mt19937_64 rng(31337);
  std::uniform_real_distribution<double> coordinate(0.0, 1.1);  // some points fall outside
  constexpr std::size_t kPoints = 7;
  constexpr int kRepeats = 25;
  for (std::size_t dimensions : {std::size_t{2}, std::size_t{3}}) {
    const std::vector<double> reference(dimensions, 1.0);
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
      Points points(kPoints, std::vector<double>(dimensions));
      for (auto& p : points) {
        for (auto& v : p) v = coordinate(rng);
      }
      // Inclusion-exclusion needs only the points that take part.
      Points inside;
      for (const auto& p : points) {
        if (std::all_of(p.begin(), p.end(), [](double v) { return v < 1.0; })) inside.push_back(p);
      }
      const double expected = inclusion_exclusion(inside, reference);
      INFO("dimensions=" << dimensions << " repeat=" << repeat);
      CHECK(hypervolume(points, reference) == Approx(expected).epsilon(1e-12).margin(1e-15));
      const auto contributions = hypervolume_contributions(points, reference);
      for (std::size_t i = 0; i < kPoints; ++i) {
        Points others = points;
        others.erase(others.begin() + static_cast<std::ptrdiff_t>(i));
        Points others_inside;
        for (const auto& p : others) {
          if (std::all_of(p.begin(), p.end(), [](double v) { return v < 1.0; })) others_inside.push_back(p);
        }
        const double exclusive = expected - inclusion_exclusion(others_inside, reference);
        CHECK(contributions[i] == Approx(exclusive).epsilon(1e-9).margin(1e-12));
      }
    }
  }
}

TEST_CASE("hypervolume matches cell counting on integer lattices", "[search][hypervolume]") {
  // Coordinates in 0..side+1 against a reference of (side, ..., side): points on or beyond the
  // reference cover no cell. All areas are whole numbers, so the comparison is exact.
  std::mt19937_64 rng(8675309);
  constexpr int kSide = 16;
  std::uniform_int_distribution<int> coordinate(0, kSide + 1);
  for (std::size_t dimensions : {std::size_t{2}, std::size_t{3}}) {
    for (std::size_t n : {std::size_t{17}, std::size_t{257}}) {
      Points points(n, std::vector<double>(dimensions));
      for (auto& p : points) {
        for (auto& v : p) v = coordinate(rng);
      }
      const std::vector<double> reference(dimensions, kSide);
      const auto count = count_cells(points, kSide, dimensions);
      INFO("dimensions=" << dimensions << " n=" << n);
      CHECK(hypervolume(points, reference) == count.covered);
      CHECK(hypervolume_contributions(points, reference) == count.only_by);
    }
  }
}
