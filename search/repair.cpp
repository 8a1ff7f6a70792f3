#include "search/repair.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace astraea::search {
namespace {

// Relative slack for turning real bounds into integer totals: absorbs the rounding in
// (1 +- tol) * target * steps * L, so that a bound which is a grid total in exact arithmetic
// (0.45 * 40 = 18) counts as reachable. Also the slack for 1/g being an integer.
constexpr double kGridSlack = 1e-9;

double slack_for(double value) { return kGridSlack * std::max(1.0, std::abs(value)); }

void check_target(const BudgetTarget& target) {
  if (!std::isfinite(target.target) || target.target < 0.0 || target.target > 1.0) {
    fail("budget repair: target mean budget {} is outside [0, 1]", target.target);
  }
  if (!std::isfinite(target.tolerance) || target.tolerance < 0.0) {
    fail("budget repair: tolerance {} must be a finite number >= 0", target.tolerance);
  }
}

}  // namespace

int grid_level_count(double grid_step) {
  if (!std::isfinite(grid_step) || grid_step <= 0.0 || grid_step > 1.0) {
    fail("budget grid: step {} must lie in (0, 1]", grid_step);
  }
  const double inverse = 1.0 / grid_step;
  const double rounded = std::round(inverse);
  if (std::abs(rounded * grid_step - 1.0) > kGridSlack || rounded > static_cast<double>(kMaxApportionValue)) {
    fail("budget grid: step {} does not divide 1 into at most {} whole levels", grid_step, kMaxApportionValue);
  }
  return static_cast<int>(rounded);
}

double mean_budget(std::span<const int> levels, double grid_step) {
  if (levels.empty()) fail("mean_budget: the genome has no steps");
  const std::int64_t total = std::accumulate(levels.begin(), levels.end(), std::int64_t{0});
  return grid_step * static_cast<double>(total) / static_cast<double>(levels.size());
}

TotalRange admissible_totals(std::size_t steps, const BudgetTarget& target) {
  check_target(target);
  const int top = grid_level_count(target.grid_step);
  if (steps == 0) fail("budget repair: the genome has no steps");
  if (steps > static_cast<std::size_t>(kMaxApportionValue)) {
    fail("budget repair: {} steps exceed the limit of {}", steps, kMaxApportionValue);
  }
  const double units = static_cast<double>(steps) * top;  // total of an all-ones genome
  const double low_mean = std::max(0.0, (1.0 - target.tolerance) * target.target);
  const double high_mean = std::min(1.0, (1.0 + target.tolerance) * target.target);
  const double low = low_mean * units;
  const double high = high_mean * units;
  const auto lowest = static_cast<std::int64_t>(std::ceil(low - slack_for(low)));
  const auto highest = static_cast<std::int64_t>(std::floor(high + slack_for(high)));
  if (lowest <= highest) return {lowest, highest, true};
  // The band lies strictly between the grid totals `highest` and `lowest` = highest + 1.
  const std::int64_t nearest = (low - static_cast<double>(highest) <= static_cast<double>(lowest) - high) ? highest
                                                                                                          : lowest;
  return {nearest, nearest, false};
}

std::vector<std::int64_t> apportion(std::span<const std::int64_t> weights, std::int64_t total, std::int64_t cap) {
  const auto n = static_cast<std::int64_t>(weights.size());
  if (n > kMaxApportionValue || cap < 0 || cap > kMaxApportionValue) {
    fail("apportion: {} entries with cap {} exceed the limit of {}", n, cap, kMaxApportionValue);
  }
  if (total < 0 || total > cap * n) fail("apportion: total {} is outside [0, {} * {}]", total, cap, n);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < 0 || weights[i] > kMaxApportionValue) {
      fail("apportion: weight {} of entry {} is outside [0, {}]", weights[i], i, kMaxApportionValue);
    }
  }
  std::vector<bool> capped(weights.size(), false);
  std::int64_t capped_count = 0;
  std::int64_t remaining = total;  // units left for the uncapped entries
  bool equal_shares = false;       // only zero-weight entries remain: share equally
  std::int64_t denominator = 1;    // share of entry i = weight(i) * remaining / denominator
  auto weight = [&](std::size_t i) { return equal_shares ? std::int64_t{1} : weights[i]; };
  for (;;) {
    remaining = total - cap * capped_count;
    std::int64_t weight_sum = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (!capped[i]) weight_sum += weights[i];
    }
    equal_shares = weight_sum == 0;
    denominator = equal_shares ? n - capped_count : weight_sum;
    if (denominator == 0) break;  // every entry is capped, so remaining == 0
    bool newly_capped = false;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (!capped[i] && weight(i) * remaining > cap * denominator) {
        capped[i] = true;
        ++capped_count;
        newly_capped = true;
      }
    }
    if (!newly_capped) break;
  }
  std::vector<std::int64_t> result(weights.size(), cap);
  std::vector<std::int64_t> remainder(weights.size(), 0);
  std::vector<std::size_t> open;  // uncapped entries, ascending
  std::int64_t handed_out = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (capped[i]) continue;
    const std::int64_t numerator = weight(i) * remaining;
    result[i] = numerator / denominator;
    remainder[i] = numerator % denominator;
    handed_out += result[i];
    open.push_back(i);
  }
  std::stable_sort(open.begin(), open.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  const auto left_over = static_cast<std::size_t>(remaining - handed_out);
  for (std::size_t k = 0; k < left_over; ++k) ++result[open[k]];
  return result;
}

std::vector<int> repair_budget(std::span<const int> levels, const BudgetTarget& target) {
  const TotalRange range = admissible_totals(levels.size(), target);
  const int top = grid_level_count(target.grid_step);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] < 0 || levels[i] > top) fail("budget repair: step {} has level {} outside [0, {}]", i, levels[i], top);
    total += levels[i];
  }
  std::vector<int> repaired(levels.begin(), levels.end());
  if (total >= range.lowest && total <= range.highest) return repaired;
  const std::int64_t wanted = total < range.lowest ? range.lowest : range.highest;
  const std::vector<std::int64_t> weights(levels.begin(), levels.end());
  const auto shares = apportion(weights, wanted, top);
  std::transform(shares.begin(), shares.end(), repaired.begin(), [](std::int64_t s) { return static_cast<int>(s); });
  return repaired;
}

}  // namespace astraea::search
