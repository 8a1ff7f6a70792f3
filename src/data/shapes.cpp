#include "data/shapes.h"

#include "core/error.h"

#include <cmath>

namespace astraea::data {
namespace {

// The cross's arms are a third of the bounding box wide.
constexpr double kCrossArmFraction = 1.0 / 3.0;

}  // namespace

bool shape_contains(Shape shape, double dx, double dy, double half_size) {
  const double h = half_size;
  const double ax = std::abs(dx);
  const double ay = std::abs(dy);
  switch (shape) {
    case Shape::kSquare:
      return ax <= h && ay <= h;
    case Shape::kCircle:
      return dx * dx + dy * dy <= h * h;
    case Shape::kTriangle:
      return dy <= h && 2.0 * ax <= dy + h;
    case Shape::kDiamond:
      return ax + ay <= h;
    case Shape::kCross: {
      const double arm = kCrossArmFraction * h;
      return (ax <= arm && ay <= h) || (ay <= arm && ax <= h);
    }
  }
  fail("shape id {} is out of range [0, {})", static_cast<int>(shape), kShapeCount);
}

}  // namespace astraea::data
