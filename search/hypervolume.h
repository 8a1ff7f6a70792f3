// Exact hypervolume of minimised objectives in 2 or 3 dimensions: the measure of the region that
// some point dominates and that the reference point bounds, i.e. the union of the boxes
// [p, reference] over the points p.
//
// A point takes part only if it is strictly below the reference in every objective; any other
// point (a NaN or +inf value included) adds nothing. A taking-part point with a -inf value would
// make the volume unbounded and is an error. The reference must be finite. Other dimensions, or a
// point whose length differs from the reference's, throw astraea::Error.
#pragma once

#include <span>
#include <vector>

namespace astraea::search {

// 2-D: sort by the first objective and sum rectangles, O(N log N).
// 3-D: sweep the third objective and sum slabs, each slab's area by the 2-D routine, O(N^2 log N).
double hypervolume(const std::vector<std::vector<double>>& points, std::span<const double> reference);

// Exclusive contribution of each point: hypervolume(all) - hypervolume(all but that point), by
// recomputation, floored at 0 to absorb cancellation. A point that another point weakly dominates
// (a duplicate included) contributes exactly 0, as does a point that does not take part.
std::vector<double> hypervolume_contributions(const std::vector<std::vector<double>>& points,
                                              std::span<const double> reference);

}  // namespace astraea::search
