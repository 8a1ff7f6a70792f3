#include "eval/optical_flow.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr float kPyramidScale = 2.0F;

// Central differences inside the plane, one-sided at the borders.
void gradients(const Plane& plane, Plane& gx, Plane& gy) {
  int height = static_cast<int>(plane.rows());
  int width = static_cast<int>(plane.cols());
  gx.resize(height, width);
  gy.resize(height, width);
#pragma omp parallel for schedule(static) if (parallel_worth(height, width))
  for (int y = 0; y < height; ++y) {
    int up = std::max(y - 1, 0);
    int down = std::min(y + 1, height - 1);
    for (int x = 0; x < width; ++x) {
      int left = std::max(x - 1, 0);
      int right = std::min(x + 1, width - 1);
      gx(y, x) = right > left ? (plane(y, right) - plane(y, left)) / static_cast<float>(right - left) : 0.0F;
      gy(y, x) = down > up ? (plane(down, x) - plane(up, x)) / static_cast<float>(down - up) : 0.0F;
    }
  }
}

// Tent-weighted window mean (a box filter applied twice): smoother weights than a box, with a
// non-negative frequency response.
Plane window_mean(const Plane& plane, int radius) { return box_mean(box_mean(plane, radius), radius); }

// The flow of the coarser level, brought to this level's shape and pixel units.
FlowField upsample_flow(const FlowField& coarse, int height, int width) {
  FlowField flow{Plane(height, width), Plane(height, width)};
#pragma omp parallel for schedule(static) if (parallel_worth(height, width))
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float cy = static_cast<float>(y) / kPyramidScale;
      float cx = static_cast<float>(x) / kPyramidScale;
      flow.u(y, x) = kPyramidScale * sample_bilinear(coarse.u, cy, cx);
      flow.v(y, x) = kPyramidScale * sample_bilinear(coarse.v, cy, cx);
    }
  }
  return flow;
}

// Gauss-Newton updates of the flow at one pyramid level. Each pixel p fits one translation
// f(p) to its window W(p), with residuals r_p(q) = second(q + f(p)) - first(q). Rather than
// resampling the window at f(p) for every p, the residual of each neighbour q at its own flow
// r(q) is carried over to f(p) to first order:
//   r_p(q) ~ r(q) + g(q)^T (f(p) - f(q)),
// so the normal equations become
//   [sum_W g g^T] f_new(p) = sum_W g g^T f(q) - sum_W g r(q),
// which are window means of per-pixel products (g: the mean of first's and warped second's
// gradients). Without the g g^T f(q) term each pixel would see its neighbours' flows as its
// own and the iteration could amplify flow errors that alternate from pixel to pixel.
void refine_level(const Plane& first, const Plane& second, FlowField& flow, const FlowOptions& options) {
  int height = static_cast<int>(first.rows());
  int width = static_cast<int>(first.cols());
  Plane first_gx;
  Plane first_gy;
  Plane second_gx;
  Plane second_gy;
  gradients(first, first_gx, first_gy);
  gradients(second, second_gx, second_gy);
  Plane ixx(height, width);
  Plane ixy(height, width);
  Plane iyy(height, width);
  Plane ixt(height, width);
  Plane iyt(height, width);
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    Plane warped = warp_plane(second, flow, 1.0F);
    // The mean of first's gradient and second's gradient sampled where the flow points, so the
    // solution is unbiased in the direction of motion. Differentiating the warped image instead
    // would mix in the flow's own gradient and let the iteration drift.
    Plane gx = 0.5F * (first_gx + warp_plane(second_gx, flow, 1.0F));
    Plane gy = 0.5F * (first_gy + warp_plane(second_gy, flow, 1.0F));
    Plane it = warped - first;
    // Samples whose match falls outside `second` carry clamped, meaningless values: they are left
    // out of every window, so they cannot pull the flow of their neighbours.
    Plane inside(height, width);
#pragma omp parallel for schedule(static) if (parallel_worth(height, width))
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        bool valid = inside_plane(height, width, static_cast<float>(y) + flow.v(y, x), static_cast<float>(x) + flow.u(y, x));
        inside(y, x) = valid ? 1.0F : 0.0F;
      }
    }
    gx *= inside;
    gy *= inside;
    ixx = gx * gx;
    ixy = gx * gy;
    iyy = gy * gy;
    ixt = gx * it;
    iyt = gy * it;
    Plane gfu = ixx * flow.u + ixy * flow.v;
    Plane gfv = ixy * flow.u + iyy * flow.v;
    Plane sxx = window_mean(ixx, options.window_radius);
    Plane sxy = window_mean(ixy, options.window_radius);
    Plane syy = window_mean(iyy, options.window_radius);
    Plane rhs_u = window_mean(gfu, options.window_radius) - window_mean(ixt, options.window_radius);
    Plane rhs_v = window_mean(gfv, options.window_radius) - window_mean(iyt, options.window_radius);
#pragma omp parallel for schedule(static) if (parallel_worth(height, width))
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        float a = sxx(y, x) + options.regularization;
        float b = sxy(y, x);
        float d = syy(y, x) + options.regularization;
        float determinant = a * d - b * b;
        if (determinant <= 0.0F) {
          continue;
        }
        // The regularisation pulls an ill-conditioned window towards its current flow.
        float bu = rhs_u(y, x) + options.regularization * flow.u(y, x);
        float bv = rhs_v(y, x) + options.regularization * flow.v(y, x);
        flow.u(y, x) = (d * bu - b * bv) / determinant;
        flow.v(y, x) = (a * bv - b * bu) / determinant;
      }
    }
  }
}

}  // namespace

FlowField dense_flow(const Plane& first, const Plane& second, const FlowOptions& options) {
  if (first.rows() != second.rows() || first.cols() != second.cols()) {
    fail("optical flow: planes differ in shape, {}x{} vs {}x{}", first.rows(), first.cols(), second.rows(),
         second.cols());
  }
  if (first.size() == 0) {
    fail("optical flow: empty planes");
  }
  if (options.window_radius < 1 || options.iterations < 1 || options.max_levels < 1) {
    fail("optical flow: window_radius, iterations and max_levels must be positive, got {}, {}, {}",
         options.window_radius, options.iterations, options.max_levels);
  }
  std::vector<Plane> first_pyramid{first};
  std::vector<Plane> second_pyramid{second};
  while (static_cast<int>(first_pyramid.size()) < options.max_levels) {
    const Plane& top = first_pyramid.back();
    if (std::min(top.rows(), top.cols()) / 2 < options.min_level_side) {
      break;
    }
    first_pyramid.push_back(pyramid_down(top));
    second_pyramid.push_back(pyramid_down(second_pyramid.back()));
  }
  int levels = static_cast<int>(first_pyramid.size());
  const Plane& coarsest = first_pyramid.back();
  FlowField flow{Plane::Zero(coarsest.rows(), coarsest.cols()), Plane::Zero(coarsest.rows(), coarsest.cols())};
  for (int level = levels - 1; level >= 0; --level) {
    const Plane& level_first = first_pyramid[static_cast<std::size_t>(level)];
    if (level != levels - 1) {
      flow = upsample_flow(flow, static_cast<int>(level_first.rows()), static_cast<int>(level_first.cols()));
    }
    refine_level(level_first, second_pyramid[static_cast<std::size_t>(level)], flow, options);
  }
  return flow;
}

FlowField dense_flow(const VideoView& video, int t0, int t1, const FlowOptions& options) {
  return with_context("optical flow", [&] { return dense_flow(luma_plane(video, t0), luma_plane(video, t1), options); });
}

Plane warp_plane(const Plane& plane, const FlowField& flow, float scale) {
  if (plane.rows() != flow.u.rows() || plane.cols() != flow.u.cols()) {
    fail("warp: plane {}x{} and flow {}x{} differ in shape", plane.rows(), plane.cols(), flow.u.rows(),
         flow.u.cols());
  }
  int height = static_cast<int>(plane.rows());
  int width = static_cast<int>(plane.cols());
  Plane out(height, width);
#pragma omp parallel for schedule(static) if (parallel_worth(height, width))
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      out(y, x) = sample_bilinear(plane, static_cast<float>(y) + scale * flow.v(y, x),
                                  static_cast<float>(x) + scale * flow.u(y, x));
    }
  }
  return out;
}

Plane flow_magnitude(const FlowField& flow) { return (flow.u.square() + flow.v.square()).sqrt(); }

}  // namespace astraea::eval
