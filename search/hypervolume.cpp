#include "search/hypervolume.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace astraea::search {
namespace {

constexpr std::size_t kTwoObjectives = 2;
constexpr std::size_t kThreeObjectives = 3;

using Point2 = std::array<double, kTwoObjectives>;
using Point3 = std::array<double, kThreeObjectives>;

void check_reference(std::span<const double> reference) {
  if (reference.size() != kTwoObjectives && reference.size() != kThreeObjectives) {
    fail("hypervolume: {} objectives given, only 2 or 3 are supported", reference.size());
  }
  for (std::size_t m = 0; m < reference.size(); ++m) {
    if (!std::isfinite(reference[m])) fail("hypervolume: reference value {} is {}", m, reference[m]);
  }
}

void check_points(const std::vector<std::vector<double>>& points, std::span<const double> reference) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].size() != reference.size()) {
      fail("hypervolume: point {} has {} objectives but the reference has {}", i, points[i].size(),
           reference.size());
    }
  }
}

// True if the point lies strictly below the reference everywhere (false for NaN).
bool takes_part(const std::vector<double>& point, std::span<const double> reference) {
  for (std::size_t m = 0; m < reference.size(); ++m) {
    if (!(point[m] < reference[m])) return false;
  }
  return true;
}

// Area of the union of [p, reference] over points strictly below the reference, sorted ascending.
double sorted_area_2d(const std::vector<Point2>& points, const Point2& reference) {
  double area = 0.0;
  double ceiling = reference[1];  // lowest second objective seen so far
  for (const auto& p : points) {
    if (p[1] < ceiling) {
      area += (reference[0] - p[0]) * (ceiling - p[1]);
      ceiling = p[1];
    }
  }
  return area;
}

// Between consecutive distinct third-objective values z_k < z_{k+1} (the last slab ends at the
// reference), the cross-section is the 2-D union of every point with z <= z_k; `active` holds
// those points in sorted order, so each slab costs O(N).
double volume_3d(std::vector<Point3> points, const Point3& reference) {
  std::sort(points.begin(), points.end(), [](const Point3& a, const Point3& b) { return a[2] < b[2]; });
  const Point2 reference_2d{reference[0], reference[1]};
  std::vector<Point2> active;
  double volume = 0.0;
  std::size_t i = 0;
  while (i < points.size()) {
    const double z = points[i][2];
    while (i < points.size() && points[i][2] == z) {
      const Point2 p{points[i][0], points[i][1]};
      active.insert(std::upper_bound(active.begin(), active.end(), p), p);
      ++i;
    }
    const double next_z = i < points.size() ? points[i][2] : reference[2];
    volume += sorted_area_2d(active, reference_2d) * (next_z - z);
  }
  return volume;
}

// Hypervolume of the points named by `selected` (already validated).
double volume_of(const std::vector<std::vector<double>>& points, std::span<const double> reference,
                 const std::vector<std::size_t>& selected) {
  if (reference.size() == kTwoObjectives) {
    std::vector<Point2> kept;
    for (std::size_t i : selected) kept.push_back({points[i][0], points[i][1]});
    std::sort(kept.begin(), kept.end());
    return sorted_area_2d(kept, {reference[0], reference[1]});
  }
  std::vector<Point3> kept;
  for (std::size_t i : selected) kept.push_back({points[i][0], points[i][1], points[i][2]});
  return volume_3d(std::move(kept), {reference[0], reference[1], reference[2]});
}

// Indices of the points that take part; throws on an unbounded (-inf) one.
std::vector<std::size_t> participants(const std::vector<std::vector<double>>& points,
                                      std::span<const double> reference) {
  check_reference(reference);
  check_points(points, reference);
  std::vector<std::size_t> selected;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!takes_part(points[i], reference)) continue;
    for (std::size_t m = 0; m < reference.size(); ++m) {
      if (std::isinf(points[i][m])) fail("hypervolume: point {} has -inf in objective {}", i, m);
    }
    selected.push_back(i);
  }
  return selected;
}

// True if another participant is no worse than point `index` everywhere (a duplicate included):
// then the point's exclusive region is empty and its contribution is exactly 0.
bool weakly_dominated(const std::vector<std::vector<double>>& points, const std::vector<std::size_t>& selected,
                      std::size_t index, std::size_t dimensions) {
  for (std::size_t other : selected) {
    if (other == index) continue;
    bool no_worse = true;
    for (std::size_t m = 0; m < dimensions && no_worse; ++m) no_worse = points[other][m] <= points[index][m];
    if (no_worse) return true;
  }
  return false;
}

}  // namespace

double hypervolume(const std::vector<std::vector<double>>& points, std::span<const double> reference) {
  return volume_of(points, reference, participants(points, reference));
}

std::vector<double> hypervolume_contributions(const std::vector<std::vector<double>>& points,
                                              std::span<const double> reference) {
  const auto selected = participants(points, reference);
  const double total = volume_of(points, reference, selected);
  std::vector<double> contributions(points.size(), 0.0);
  std::vector<std::size_t> others;
  for (std::size_t left_out : selected) {
    if (weakly_dominated(points, selected, left_out, reference.size())) continue;
    others.clear();
    for (std::size_t i : selected) {
      if (i != left_out) others.push_back(i);
    }
    contributions[left_out] = std::max(0.0, total - volume_of(points, reference, others));
  }
  return contributions;
}

}  // namespace astraea::search
