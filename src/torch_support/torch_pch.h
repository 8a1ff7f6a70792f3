// Precompiled header for the LibTorch layers: the ATen and torch::nn headers every file of
// src/attention, src/model and src/pipeline needs, parsed once per build.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn.h>
#include <torch/types.h>
