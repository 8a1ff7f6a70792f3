// Turning typed options into a runnable model: the model config, the device and dtype, the latent
// shape of the requested video, and the transformer with its weights (checkpoint or seeded random).
#pragma once

#include "config/experiment_options.h"
#include "model/cogvideox_transformer.h"
#include "pipeline/generation.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <vector>

namespace astraea::driver {

struct LatentShape {
  int frames, height, width;
};

model::CogVideoXConfig to_model_config(const config::ModelOptions& m);

// Throws kConfig naming video.* when the video cannot be encoded into whole latent patches.
LatentShape latent_shape(const config::ExperimentOptions& o);

// auto: the first CUDA GPU if there is one. Throws kConfig for cuda without a GPU.
c10::Device pick_device(const std::string& requested);
c10::ScalarType pick_dtype(const std::string& name);

// The options' transformer in eval mode: loaded from model.weights, or seeded random weights.
// build_transformer shares one random transformer between calls with the same model, seed, device
// and dtype (the last one built in this process); load_transformer always builds afresh.
model::CogVideoXTransformer3D build_transformer(const config::ExperimentOptions& o, c10::Device device, c10::ScalarType dtype);
model::CogVideoXTransformer3D load_transformer(const config::ExperimentOptions& o, c10::Device device, c10::ScalarType dtype);

// The generation request for one (prompt, seed) under the options' sampler and guidance.
pipeline::GenerationRequest generation_request(const config::ExperimentOptions& o, const LatentShape& shape, const at::Tensor& prompt,
                                               const at::Tensor& negative, std::uint64_t seed);

double median(std::vector<double> values);

}  // namespace astraea::driver
