// The shapes' outlines, as inside tests in the object's own frame: (dx, dy) is the offset from
// the object's centre in pixels (x right, y down) and h is half the bounding-box side. Every
// shape fits the box [-h, h] x [-h, h] and touches all four of its sides.
//
//   square    |dx| <= h and |dy| <= h                                  area 4 h^2
//   circle    dx^2 + dy^2 <= h^2                                       area pi h^2
//   triangle  apex up at (0, -h), base from (-h, h) to (h, h):
//             dy <= h and 2 |dx| <= dy + h                             area 2 h^2
//   diamond   |dx| + |dy| <= h                                         area 2 h^2
//   cross     an upright plus of arm width 2h/3:
//             (|dx| <= h/3 and |dy| <= h) or (|dy| <= h/3 and |dx| <= h)   area 20 h^2 / 9
//
// The triangle's centroid lies h/3 below the box centre; the others' lie on it.
#pragma once

#include "data/scene_labels.h"

namespace astraea::data {

bool shape_contains(Shape shape, double dx, double dy, double half_size);

}  // namespace astraea::data
