// Dense optical flow by pyramidal, iterative Lucas-Kanade (Bouguet's coarse-to-fine scheme,
// applied at every pixel), and backward warping with bilinear sampling. Classical and
// weight-free: it stands in for RAFT (dynamic_degree) and for AMT's interpolation
// (motion_smoothness) in the quality proxy.
#pragma once

#include "eval/plane.h"
#include "eval/video.h"

namespace astraea::eval {

// Flow from `first` to `second`, in pixels: first(y, x) ~ second(y + v(y, x), x + u(y, x)).
struct FlowField {
  Plane u;  // (H, W) horizontal component
  Plane v;  // (H, W) vertical component

  int height() const { return static_cast<int>(u.rows()); }
  int width() const { return static_cast<int>(u.cols()); }
};

struct FlowOptions {
  int window_radius = 3;        // Lucas-Kanade window (2r+1)^2, box weights
  int iterations = 6;           // Gauss-Newton updates per pyramid level
  int max_levels = 6;           // pyramid levels, the full resolution included
  int min_level_side = 12;      // stop coarsening before a side drops below this
  float regularization = 1e-6F;  // added to the structure tensor's diagonal (per-window means, [0,1] units)
};

// Flow between two planes of equal shape. Throws astraea::Error on a shape mismatch.
FlowField dense_flow(const Plane& first, const Plane& second, const FlowOptions& options = {});

// Flow between frames t0 and t1 of a video, on their luma.
FlowField dense_flow(const VideoView& video, int t0, int t1, const FlowOptions& options = {});

// plane sampled at (y + scale * v, x + scale * u) for every pixel (bilinear, clamped borders).
Plane warp_plane(const Plane& plane, const FlowField& flow, float scale);

// Per-pixel flow magnitude sqrt(u^2 + v^2).
Plane flow_magnitude(const FlowField& flow);

}  // namespace astraea::eval
