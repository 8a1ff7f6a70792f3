// Midpoint frame interpolation by optical-flow warping: the classical stand-in for the AMT
// network that VBench's motion_smoothness uses.
#pragma once

#include "eval/optical_flow.h"
#include "eval/video.h"

#include <vector>

namespace astraea::eval {

// The frame halfway between frames t0 and t1, [H][W][C] like a video frame. With F the flow
// from t0 to t1 (on luma), the midpoint at pixel q averages frame t0 sampled at q - F(q)/2 and
// frame t1 sampled at q + F(q)/2 (bilinear), the linear-motion model. A sample point outside
// its frame is dropped in favour of the other one (both are kept, clamped, when both fall
// outside), so content entering or leaving the frame does not smear the border.
std::vector<float> interpolate_midpoint(const VideoView& video, int t0, int t1, const FlowOptions& options = {});

}  // namespace astraea::eval
