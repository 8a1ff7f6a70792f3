// Object-weighted v-prediction loss for the tiny vDiT. In the procedural world the object covers
// about a tenth of each frame, so a plain MSE spends nine tenths of its gradient on the
// background, which the model learns early; the shape's corners and diagonals are a few pixels.
// Weighting the pixels the object covers (anti-aliased edges included) turns the loss towards them.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::train {

// The background of every world background id as a [kBackgroundCount, height] float table of
// grey levels in [0, 1] (data/background.h).
at::Tensor background_table(int height);

// Pixels the object covers at all: where any channel of `clips` ([B, F, C, H, W], values in
// [0, 1]) differs from its background by more than `tolerance`. `backgrounds` holds each clip's
// background id ([B] int64) and `table` is background_table(H) on the clips' device.
// Returns bool [B, F, 1, H, W].
at::Tensor object_mask(const at::Tensor& clips, const at::Tensor& backgrounds, const at::Tensor& table, double tolerance = 1e-3);

// sum(w * (prediction - target)^2) / sum(w) with w = 1 + object_weight * mask broadcast over the
// channels: the plain MSE when object_weight is 0, and on the scale of one whatever the weight.
at::Tensor object_weighted_mse(const at::Tensor& prediction, const at::Tensor& target, const at::Tensor& mask, double object_weight);

}  // namespace astraea::train
