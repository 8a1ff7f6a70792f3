// Training the embedded tiny vDiT: the CogVideoX transformer in pixel space, with learned
// text-token embeddings over the world tokenizer's vocabulary standing in for T5. Each step draws
// clips from the rendered world, replaces a cfg_dropout share of the prompts by the empty prompt
// (the negative prompt at sampling time), noises them at uniform timesteps and regresses v.
#pragma once

#include "config/experiment_options.h"
#include "model/cogvideox_config.h"
#include "train/training_loop.h"

#include <c10/core/Device.h>

#include <filesystem>

namespace astraea::train {

// The final (EMA) weights in the output directory.
inline constexpr const char* kVditWeightsName = "tiny_vdit.safetensors";

// Trains (or resumes, under `control` as in run_training) and writes
// <train.out>/tiny_vdit.safetensors at the end of every invocation, a time-boxed one included
// (metadata: steps done, of_steps planned): the EMA weights under
// diffusers' names plus text_embedding.weight. The world's clips are video.frames x video.height
// x video.width; the transformer must take 3 channels.
TrainingReport train_vdit(const config::TrainingOptions& options, const model::CogVideoXConfig& config, c10::Device device, const RunControl& control = {});

}  // namespace astraea::train
