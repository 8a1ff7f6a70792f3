// Budget repair for ASTRAEA genomes. A genome holds one compute budget per timestep on the grid
// {0, g, 2g, ..., 1}, stored as integer levels 0..L with L = 1/g. Repair moves a genome whose
// mean budget has left [(1 - tol) * target, (1 + tol) * target] (clamped to [0, 1]) back inside,
// keeping its shape: the repaired genome is the Hamilton (largest remainder) apportionment of the
// nearest admissible total over the steps, in proportion to the original levels and capped at L.
//
// "Closest" therefore means: the total moves to the nearest admissible total, and among genomes
// with that total the result minimises the squared distance to the capped proportional quotas
// (ties go to the lower step index). Everything is integer arithmetic, so results are exact and
// identical on every platform; repair is idempotent and leaves an in-range genome unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace astraea::search {

inline constexpr double kDefaultBudgetTolerance = 0.1;
// Largest weight, cap and entry count `apportion` accepts, so its products stay within 64 bits.
inline constexpr std::int64_t kMaxApportionValue = std::int64_t{1} << 20;

struct BudgetTarget {
  double grid_step = 0.0;                         // g: spacing of budget levels; 1/g must be an integer
  double target = 0.0;                            // wanted mean budget, in [0, 1]
  double tolerance = kDefaultBudgetTolerance;     // relative half-width of the admissible band, >= 0
};

// Totals (sums of levels) a repaired genome may have. When no grid total lies inside the band
// (`feasible` false), both ends are the achievable total nearest to the band (ties: the lower).
struct TotalRange {
  std::int64_t lowest = 0;
  std::int64_t highest = 0;
  bool feasible = true;
};

// L, the top level of the grid (levels run 0..L). Throws unless 0 < g <= 1 and 1/g is an integer.
int grid_level_count(double grid_step);

// Mean budget of a genome: grid_step * sum(levels) / steps. Throws for an empty genome.
double mean_budget(std::span<const int> levels, double grid_step);

// The admissible totals for a genome of `steps` timesteps.
TotalRange admissible_totals(std::size_t steps, const BudgetTarget& target);

// Hamilton apportionment of `total` units over the entries in proportion to `weights`, no entry
// above `cap`. Entries whose share exceeds the cap are fixed at the cap and the rest is shared
// again among the others, until none exceeds it; if only zero-weight entries remain, they share
// equally. Each entry then gets the floor of its share, and the units left go one each to the
// largest fractional parts, lower index first among equal parts. Requires 0 <= total <=
// cap * size and weights, cap and size at most kMaxApportionValue.
std::vector<std::int64_t> apportion(std::span<const std::int64_t> weights, std::int64_t total, std::int64_t cap);

// Repairs `levels` (each in 0..L) as described above; unchanged if already admissible.
std::vector<int> repair_budget(std::span<const int> levels, const BudgetTarget& target);

}  // namespace astraea::search
