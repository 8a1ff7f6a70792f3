// The samplers against diffusers: a 4-step DDIM and a 4-step DPM loop with CFG on the tiny RoPE
// transformer, replaying the noise diffusers drew (cogvideox_sampler_*.safetensors); and the
// noise schedule against hand-computed values; and a profiled step's trace.
#include "attention/dense_accelerator.h"
#include "model/oracle_fixture.h"
#include "pipeline/generation.h"
#include "pipeline/guidance.h"
#include "pipeline/noise_schedule.h"
#include "support/catch.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace astraea;
using astraea::testing::max_relative_error;
using astraea::testing::OracleFixture;

namespace {

constexpr double kLoopTolerance = 1e-4;

// Replays latents_init then noise_000, noise_001, ... in draw order.
pipeline::NoiseSource replay(const OracleFixture& f) {
  auto index = std::make_shared<int>(-1);
  return [&f, index](const at::Tensor& like) {
    const std::string key = *index < 0 ? "latents_init" : fmt::format("noise_{:03}", *index);
    ++*index;
    const auto t = f.oracle(key);
    REQUIRE(t.sizes() == like.sizes());
    return t.to(like.options());
  };
}

// The fixture's prompt embeddings under the given sampler, CFG 6; the caller sets the shape.
pipeline::GenerationRequest fixture_request(const OracleFixture& f, const std::string& sampler, double snr_shift, bool dynamic) {
  pipeline::GenerationRequest request;
  request.prompt_embeds = f.oracle("prompt_embeds");
  request.negative_prompt_embeds = f.oracle("negative_prompt_embeds");
  request.guidance_scale = 6.0;
  request.dynamic_cfg = dynamic;
  request.sampler.name = sampler;
  request.sampler.steps = 4;
  request.sampler.schedule.snr_shift_scale = snr_shift;
  return request;
}

void check_loop(const std::string& fixture, const std::string& sampler, double snr_shift, bool dynamic) {
  OracleFixture f(fixture);
  auto transformer = f.transformer();
  attention::DenseAccelerator dense;
  auto request = fixture_request(f, sampler, snr_shift, dynamic);
  const auto init = f.oracle("latents_init");
  request.latent_frames = static_cast<int>(init.size(1));
  request.latent_height = static_cast<int>(init.size(3));
  request.latent_width = static_cast<int>(init.size(4));
  std::vector<at::Tensor> steps;
  const auto result = pipeline::generate(transformer, request, dense, [&](int, std::int64_t, const at::Tensor& l) { steps.push_back(l.clone()); },
                                         replay(f));
  REQUIRE(steps.size() == 4);
  for (int i = 0; i < 4; ++i) {
    INFO("step " << i);
    CHECK(max_relative_error(steps[i], f.oracle(fmt::format("latents_step_{:03}", i))) <= kLoopTolerance);
  }
  CHECK(max_relative_error(result.latents, f.oracle("latents_final")) <= kLoopTolerance);
  CHECK(result.step_ms.size() == 4);
}

}  // namespace

TEST_CASE("trailing timesteps", "[pipeline][schedule]") {
  CHECK(pipeline::trailing_timesteps(4, 1000) == std::vector<std::int64_t>{999, 749, 499, 249});
  const auto fifty = pipeline::trailing_timesteps(50, 1000);
  REQUIRE(fifty.size() == 50);
  CHECK(fifty.front() == 999);
  CHECK(fifty[1] == 979);
  CHECK(fifty.back() == 19);
}

TEST_CASE("noise schedule reproduces the documented alpha_bar values", "[pipeline][schedule]") {
  // Values computed from the schedule definition (MODELS.md section 2).
  const pipeline::NoiseSchedule shift3({0.00085, 0.012, 1000, 3.0, true});
  CHECK(shift3.alpha_bar(19) == Approx(0.946573).epsilon(1e-5));
  CHECK(shift3.alpha_bar(499) == Approx(0.0959696).epsilon(1e-5));
  CHECK(shift3.alpha_bar(979) == Approx(2.71944e-5).epsilon(1e-4));
  CHECK(shift3.alpha_bar(999) == 0.0);
  CHECK(shift3.alpha_bar(-1) == 1.0);
  const pipeline::NoiseSchedule shift1({0.00085, 0.012, 1000, 1.0, true});
  CHECK(shift1.alpha_bar(19) == Approx(0.981010).epsilon(1e-5));
  CHECK(shift1.alpha_bar(499) == Approx(0.242359).epsilon(1e-5));
}

TEST_CASE("dynamic CFG uses the raw timestep", "[pipeline][guidance]") {
  OracleFixture f("cogvideox_sampler_dpm.safetensors");
  const auto expected = f.meta("guidance_f64");
  const auto timesteps = pipeline::trailing_timesteps(4, 1000);
  for (int i = 0; i < 4; ++i) CHECK(pipeline::guidance_scale_at(6.0, true, 4, timesteps[i]) == Approx(expected[i].get<double>()).epsilon(1e-12));
  CHECK(pipeline::guidance_scale_at(6.0, false, 4, 999) == 6.0);
}

TEST_CASE("4-step DDIM loop with CFG matches diffusers", "[pipeline][oracle]") {
  check_loop("cogvideox_sampler_ddim.safetensors", "ddim", 3.0, false);
}

TEST_CASE("4-step DPM loop with dynamic CFG matches diffusers, replaying its noise", "[pipeline][oracle]") {
  check_loop("cogvideox_sampler_dpm.safetensors", "dpm", 1.0, true);
}

TEST_CASE("diffusers' CogVideoXPipeline end to end: same seed, same latents", "[pipeline][oracle]") {
  for (const auto& [fixture, sampler, shift, dynamic] :
       {std::tuple{"cogvideox_pipeline_ddim.safetensors", "ddim", 3.0, false}, std::tuple{"cogvideox_pipeline_dpm.safetensors", "dpm", 1.0, true}}) {
    INFO(fixture);
    OracleFixture f(fixture);
    auto transformer = f.transformer();
    attention::DenseAccelerator dense;
    auto request = fixture_request(f, sampler, shift, dynamic);
    const auto call = f.meta("pipeline_call");
    constexpr int kVaeSpatial = 8, kVaeTemporal = 4;
    request.latent_frames = (call.at("num_frames").get<int>() - 1) / kVaeTemporal + 1;
    request.latent_height = call.at("height").get<int>() / kVaeSpatial;
    request.latent_width = call.at("width").get<int>() / kVaeSpatial;
    request.seed = f.meta("seed").get<std::uint64_t>();
    request.guidance_scale = call.at("guidance_scale").get<double>();
    request.sampler.steps = call.at("num_inference_steps").get<int>();
    const auto result = pipeline::generate(transformer, request, dense);
    CHECK(max_relative_error(result.latents, f.oracle("latents_final")) <= kLoopTolerance);
  }
}

TEST_CASE("a profiled step writes a trace of the block's named regions and changes no latent", "[pipeline][profile]") {
  OracleFixture f("cogvideox_sampler_ddim.safetensors");
  auto transformer = f.transformer();
  attention::DenseAccelerator dense;
  auto request = fixture_request(f, "ddim", 3.0, false);
  const auto init = f.oracle("latents_init");
  request.latent_frames = static_cast<int>(init.size(1));
  request.latent_height = static_cast<int>(init.size(3));
  request.latent_width = static_cast<int>(init.size(4));
  const auto plain = pipeline::generate(transformer, request, dense, {}, replay(f));

  const auto trace = std::filesystem::temp_directory_path() / fmt::format("astraea_trace_{}.json", ::getpid());
  request.profile_step = 2;
  request.profile_trace = trace;
  const auto profiled = pipeline::generate(transformer, request, dense, {}, replay(f));
  CHECK(at::equal(plain.latents, profiled.latents));

  std::ifstream in(trace);
  REQUIRE(in.good());
  const auto events = nlohmann::json::parse(in).at("traceEvents");
  std::filesystem::remove(trace);
  std::map<std::string, int> regions;
  for (const auto& e : events) {
    if (e.value("cat", "") == "user_annotation") ++regions[e.value("name", "")];
  }
  // One step: every block opens each region once (residual twice); the output head once.
  const int layers = transformer->config().num_layers;
  for (const char* name : {"block.select_rows", "block.norm1", "attn.qkv", "attn.rope", "attn.attention", "attn.out_proj", "block.norm2",
                           "block.ff", "block.finish"}) {
    INFO(name);
    CHECK(regions[name] == layers);
  }
  CHECK(regions["block.residual"] == 2 * layers);
  CHECK(regions["model.output"] == 1);

  request.profile_step = 4;
  CHECK_THROWS_WITH(pipeline::generate(transformer, request, dense, {}, replay(f)), Catch::Matchers::Contains("past the last of 4 steps"));
  request.profile_step = 2;
  request.profile_trace.clear();
  CHECK_THROWS_WITH(pipeline::generate(transformer, request, dense, {}, replay(f)), Catch::Matchers::Contains("needs a trace path"));
}
