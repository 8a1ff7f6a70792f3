// VBench's dynamic_degree rule with classical optical flow (optical_flow.h) in place of RAFT.
//
// VBench samples frames at about 8 fps (every round(fps/8)-th frame); per consecutive sampled
// pair it takes the mean of the largest 5% of flow magnitudes (int(H*W*0.05) of them); the video
// is dynamic when at least round(4*N/16) pairs exceed the threshold
// max(1, 8/fps) * 6 * min(H, W) / 256, N being the number of sampled frames. Python's round
// (ties to even) is kept: 2 frames need 0 moving pairs, 6 need 2, 10 need 2.
//
// The threshold scales with min(H, W) / 256 exactly as in VBench, small videos included: a
// 64x64 video needs a top-5% motion above 1.5 px per sampled frame. Frames too small to hold
// 20 pixels use their single largest magnitude instead of an empty top 5%.
#pragma once

#include "eval/optical_flow.h"
#include "eval/video.h"

#include <vector>

namespace astraea::eval {

inline constexpr double kDynamicTopFraction = 0.05;
inline constexpr double kDynamicThresholdPx = 6.0;       // at the reference side
inline constexpr double kDynamicReferenceSide = 256.0;   // pixels
inline constexpr double kDynamicReferenceFps = 8.0;
inline constexpr double kDynamicMovingPairsPer16Frames = 4.0;

struct DynamicDegreeOptions {
  double fps = kDynamicReferenceFps;  // of the video as given; the default uses every frame
  FlowOptions flow;
};

struct DynamicDegreeResult {
  std::vector<int> frames;          // the sampled frame indices
  std::vector<double> pair_scores;  // per consecutive sampled pair: mean of the top 5% magnitudes, px
  double threshold = 0.0;           // px
  int required_pairs = 0;           // round(4 * frames.size() / 16)
  int moving_pairs = 0;             // pairs whose score exceeds the threshold
  bool dynamic = false;
};

// Python's round(): to the nearest integer, ties to even.
int round_half_even(double value);

// Mean of the largest max(1, int(H*W*kDynamicTopFraction)) magnitudes of the flow.
double top_flow_magnitude(const FlowField& flow);

// VBench's thresholds for a video of this size and frame rate.
double dynamic_degree_threshold(int height, int width, double fps);
int dynamic_degree_required_pairs(int sampled_frames);

// VBench's check_move: true once `required_pairs` scores have exceeded `threshold`, scanning in
// order (so 0 required pairs is true as soon as there is one pair); false without pairs.
bool dynamic_degree_moves(const std::vector<double>& pair_scores, double threshold, int required_pairs);

// The whole rule on one video; throws astraea::Error for a video of fewer than 2 sampled frames.
DynamicDegreeResult dynamic_degree_details(const VideoView& video, const DynamicDegreeOptions& options = {});

// 1.0 when dynamic, else 0.0; VBench's dimension score is the mean of this over videos.
double dynamic_degree(const VideoView& video, const DynamicDegreeOptions& options = {});

}  // namespace astraea::eval
