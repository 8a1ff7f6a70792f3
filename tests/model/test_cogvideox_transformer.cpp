// The transformer against diffusers' CogVideoXTransformer3DModel on the same weights and inputs
// (fixtures written by scripts/make_oracle_fixtures.py): maximum relative error at most 1e-5.
#include "attention/dense_accelerator.h"
#include "model/oracle_fixture.h"
#include "support/catch.h"

#include <torch/cuda.h>

using astraea::testing::max_relative_error;
using astraea::testing::OracleFixture;

namespace {

constexpr double kForwardTolerance = 1e-5;

at::Tensor run(const OracleFixture& f, const std::optional<astraea::model::RotaryEmbedding>& rope) {
  auto transformer = f.transformer();
  astraea::attention::DenseAccelerator dense;
  torch::NoGradGuard no_grad;
  return transformer->forward(f.oracle("hidden_states"), f.oracle("encoder_hidden_states"), f.oracle("timestep"), rope, dense);
}

}  // namespace

TEST_CASE("tiny config (sincos positions) matches diffusers", "[model][oracle]") {
  OracleFixture f("cogvideox_tiny.safetensors");
  const auto out = run(f, std::nullopt);
  REQUIRE(out.sizes() == f.oracle("output").sizes());
  CHECK(max_relative_error(out, f.oracle("output")) <= kForwardTolerance);
}

TEST_CASE("RoPE config (head dim 16) matches diffusers, with our own rotary table", "[model][oracle]") {
  OracleFixture f("cogvideox_rope.safetensors");
  const auto hidden = f.oracle("hidden_states");
  const auto rope = astraea::model::cogvideox_rotary_embedding(f.config, static_cast<int>(hidden.size(1)), static_cast<int>(hidden.size(3)),
                                                               static_cast<int>(hidden.size(4)));
  CHECK(max_relative_error(rope.cos, f.oracle("rotary_cos")) <= 1e-6);
  CHECK(max_relative_error(rope.sin, f.oracle("rotary_sin")) <= 1e-6);
  const auto out = run(f, rope);
  CHECK(max_relative_error(out, f.oracle("output")) <= kForwardTolerance);
}

TEST_CASE("temporal patching (1.5 layout) matches diffusers", "[model][oracle]") {
  OracleFixture f("cogvideox_patch_t.safetensors");
  const auto hidden = f.oracle("hidden_states");
  const auto rope = astraea::model::cogvideox_rotary_embedding(f.config, static_cast<int>(hidden.size(1)), static_cast<int>(hidden.size(3)),
                                                               static_cast<int>(hidden.size(4)));
  CHECK(max_relative_error(rope.cos, f.oracle("rotary_cos")) <= 1e-6);
  const auto out = run(f, rope);
  REQUIRE(out.sizes() == f.oracle("output").sizes());
  CHECK(max_relative_error(out, f.oracle("output")) <= kForwardTolerance);
}

TEST_CASE("integer and float timesteps give the same output", "[model][oracle]") {
  OracleFixture f("cogvideox_tiny.safetensors");
  auto transformer = f.transformer();
  astraea::attention::DenseAccelerator dense;
  torch::NoGradGuard no_grad;
  const auto a = transformer->forward(f.oracle("hidden_states"), f.oracle("encoder_hidden_states"), f.oracle("timestep_int"), std::nullopt, dense);
  const auto b = transformer->forward(f.oracle("hidden_states"), f.oracle("encoder_hidden_states"), f.oracle("timestep"), std::nullopt, dense);
  CHECK(at::equal(a, b));
}

TEST_CASE("registered parameter names are exactly diffusers' state-dict keys", "[model][oracle]") {
  for (const char* name : {"cogvideox_tiny.safetensors", "cogvideox_rope.safetensors", "cogvideox_patch_t.safetensors"}) {
    INFO(name);
    OracleFixture f(name);
    astraea::model::CogVideoXTransformer3D transformer(f.config);
    std::set<std::string> ours, theirs;
    for (const auto& item : transformer->named_parameters()) {
      ours.insert(item.key());
      CHECK(item.value().sizes() == f.file.tensor(item.key()).sizes());
    }
    for (const auto& key : f.file.names()) {
      if (key.rfind("oracle.", 0) != 0) theirs.insert(key);
    }
    CHECK(ours == theirs);
  }
}

TEST_CASE("the CUDA path matches diffusers in fp32", "[model][oracle][gpu]") {
  if (!torch::cuda::is_available()) {
    WARN("no GPU: CUDA oracle test skipped");
    return;
  }
  for (const char* name : {"cogvideox_tiny.safetensors", "cogvideox_rope.safetensors", "cogvideox_patch_t.safetensors"}) {
    INFO(name);
    OracleFixture f(name);
    auto transformer = f.transformer();
    transformer->to(at::kCUDA);
    const auto hidden = f.oracle("hidden_states");
    std::optional<astraea::model::RotaryEmbedding> rope;
    if (f.config.use_rotary_positional_embeddings) {
      const auto table = astraea::model::cogvideox_rotary_embedding(f.config, static_cast<int>(hidden.size(1)), static_cast<int>(hidden.size(3)),
                                                                    static_cast<int>(hidden.size(4)));
      rope = astraea::model::RotaryEmbedding{table.cos.cuda(), table.sin.cuda()};
    }
    astraea::attention::DenseAccelerator dense;
    torch::NoGradGuard no_grad;
    const auto out = transformer->forward(hidden.cuda(), f.oracle("encoder_hidden_states").cuda(), f.oracle("timestep").cuda(), rope, dense);
    // cuBLAS and the fused attention kernels order their sums differently from the CPU.
    constexpr double kCudaTolerance = 1e-4;
    CHECK(max_relative_error(out.cpu(), f.oracle("output")) <= kCudaTolerance);
  }
}
