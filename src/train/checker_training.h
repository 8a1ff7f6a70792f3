// Training the world's checker network (model/checker_network.h): cross-entropy on the shape,
// colour and direction of rendered clips, with Gaussian pixel noise and (train.blur_sigma) a random
// Gaussian blur on the inputs, so that it also reads the slightly noisy, soft-edged clips a
// diffusion model generates. After training, the EMA weights are scored on clips of another world
// seed, crisp and blurred, and written with their architecture in the metadata.
#pragma once

#include "config/experiment_options.h"
#include "model/checker_network.h"
#include "train/training_loop.h"

#include <c10/core/Device.h>

#include <filesystem>
#include <map>
#include <string>

namespace astraea::train {

inline constexpr const char* kCheckerWeightsName = "checker.safetensors";
inline constexpr double kHeldOutBlurSigmas[] = {0.5, 1.0};
// Strengths of the complementary-colour ring the held-out clips are also scored with.
inline constexpr double kHeldOutRingStrengths[] = {0.05, 0.1, 0.2};

struct CheckerTrainingReport {
  TrainingReport training;
  int held_out_clips = 0;
  // shape, colour, direction on the held-out clips; "shape (blur 0.5)" and so on for the same clips
  // blurred with each of kHeldOutBlurSigmas, and "shape (ring 0.1)" and so on with a ring of the
  // object's complementary colour at each of kHeldOutRingStrengths.
  std::map<std::string, double> held_out_accuracy;
};

model::CheckerConfig checker_config(const config::TrainingOptions& options);

// Trains (or resumes, under `control` as in run_training) and, once all train.steps are done, scores
// and writes <train.out>/checker.safetensors: the EMA weights, with metadata
// frames, height, width, channels and feature_dim (load_checker reads them back).
CheckerTrainingReport train_checker(const config::TrainingOptions& options, c10::Device device, const RunControl& control = {});

// Fraction of correct predictions per attribute on clips [B, T, 3, H, W] in [0, 1].
std::map<std::string, double> checker_accuracy(model::CheckerNetwork& checker, const at::Tensor& clips, const at::Tensor& shape_ids,
                                               const at::Tensor& colour_ids, const at::Tensor& direction_ids);

}  // namespace astraea::train
