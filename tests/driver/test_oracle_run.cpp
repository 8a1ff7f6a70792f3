// `astraea run` reproduces diffusers' CogVideoXPipeline end to end: the fixture's weights and
// prompt embeddings go into files, the CLI generates from the same seed, and the latents it
// records match the pipeline's (tests/fixtures/cogvideox_pipeline_*.safetensors).
// ATen before Catch: c10's logging header defines its own CHECK, which must not replace Catch's.
#include <ATen/ATen.h>

#include "driver/cli_runner.h"
#include "model/safetensors_file.h"
#include "results/store.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <filesystem>

using astraea::testing::run_cli;
using astraea::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr double kLoopTolerance = 1e-4;

// A workspace with experiments/, the fixture's weights and prompt embeddings, and a model config
// of the fixture's shape.
void prepare(const TempDir& ws, const astraea::model::SafetensorsFile& fixture) {
  fs::copy(fs::path(ASTRAEA_SOURCE_DIR) / "experiments", ws.path() / "experiments", fs::copy_options::recursive);
  std::vector<std::pair<std::string, at::Tensor>> weights;
  for (const auto& name : fixture.names()) {
    if (name.rfind("oracle.", 0) != 0) weights.emplace_back(name, fixture.tensor(name));
  }
  astraea::model::save_safetensors(ws.path() / "weights.safetensors", weights);
  astraea::model::save_safetensors(ws.path() / "embeds.safetensors", {{"prompt_embeds", fixture.tensor("oracle.prompt_embeds")},
                                                                       {"negative_prompt_embeds", fixture.tensor("oracle.negative_prompt_embeds")}});
  const auto c = nlohmann::json::parse(fixture.metadata().at("config"));
  ws.write("experiments/model/oracle_tiny.yaml",
           fmt::format("family: cogvideox\nvariant: oracle-tiny\ninit: checkpoint\nweights: {}\ndtype: float32\ndevice: cpu\n"
                       "num_attention_heads: {}\nattention_head_dim: {}\nnum_layers: {}\nin_channels: {}\nout_channels: {}\n"
                       "patch_size: {}\npatch_size_t: 0\ntext_embed_dim: {}\ntime_embed_dim: {}\nmax_text_seq_length: {}\n"
                       "sample_width: {}\nsample_height: {}\nsample_frames: {}\ntemporal_compression_ratio: {}\n"
                       "vae_scale_factor_spatial: 8\nuse_rotary_positional_embeddings: {}\npatch_bias: true\n",
                       (ws.path() / "weights.safetensors").string(), c.at("num_attention_heads").get<int>(), c.at("attention_head_dim").get<int>(),
                       c.at("num_layers").get<int>(), c.at("in_channels").get<int>(), c.at("out_channels").get<int>(), c.at("patch_size").get<int>(),
                       c.at("text_embed_dim").get<int>(), c.at("time_embed_dim").get<int>(), c.at("max_text_seq_length").get<int>(),
                       c.at("sample_width").get<int>(), c.at("sample_height").get<int>(), c.at("sample_frames").get<int>(),
                       c.at("temporal_compression_ratio").get<int>(), c.at("use_rotary_positional_embeddings").get<bool>()));
}

void check_run(const std::string& fixture_name, const std::string& sampler_overrides) {
  const astraea::model::SafetensorsFile fixture("tests/fixtures/" + fixture_name);
  TempDir ws;
  prepare(ws, fixture);
  const auto call = nlohmann::json::parse(fixture.metadata().at("pipeline_call"));
  const auto seed = nlohmann::json::parse(fixture.metadata().at("seed")).get<int>();
  const auto r = run_cli(fmt::format("run experiments/smoke.yaml model=oracle_tiny {} sampler.steps={} sampler.guidance_scale={} "
                                     "video.frames={} video.height={} video.width={} prompts.embeddings=embeds.safetensors "
                                     "'prompts.texts=[p]' 'prompts.seeds=[{}]'",
                                     sampler_overrides, call.at("num_inference_steps").get<int>(), call.at("guidance_scale").get<double>(),
                                     call.at("num_frames").get<int>(), call.at("height").get<int>(), call.at("width").get<int>(), seed),
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto day = *fs::directory_iterator(ws.path() / "outputs");
  const auto run_dir = *fs::directory_iterator(day.path());
  const astraea::model::SafetensorsFile produced(run_dir.path() / fmt::format("latents_p0_s{}.safetensors", seed));
  const auto ours = produced.tensor("latents").to(at::kDouble), theirs = fixture.tensor("oracle.latents_final").to(at::kDouble);
  REQUIRE(ours.sizes() == theirs.sizes());
  CHECK((ours - theirs).abs().max().item<double>() / theirs.abs().max().item<double>() <= kLoopTolerance);
}

}  // namespace

TEST_CASE("astraea run reproduces CogVideoXPipeline with DDIM from the same seed", "[driver][oracle]") {
  check_run("cogvideox_pipeline_ddim.safetensors", "sampler=ddim sampler.snr_shift_scale=3.0 sampler.use_dynamic_cfg=false");
}

TEST_CASE("astraea run reproduces CogVideoXPipeline with DPM and dynamic CFG from the same seed", "[driver][oracle]") {
  check_run("cogvideox_pipeline_dpm.safetensors", "sampler=dpm sampler.snr_shift_scale=1.0 sampler.use_dynamic_cfg=true");
}

TEST_CASE("prompt embeddings of the wrong length are refused with one line naming file and tensor", "[driver][errors]") {
  const astraea::model::SafetensorsFile fixture("tests/fixtures/cogvideox_pipeline_ddim.safetensors");
  TempDir ws;
  prepare(ws, fixture);
  const auto short_embeds = fixture.tensor("oracle.prompt_embeds").slice(1, 0, 5);
  astraea::model::save_safetensors(ws.path() / "short.safetensors",
                                   {{"prompt_embeds", short_embeds}, {"negative_prompt_embeds", short_embeds}});
  const auto r = run_cli("run experiments/smoke.yaml model=oracle_tiny sampler.steps=1 video.frames=5 video.height=64 video.width=64 "
                         "prompts.embeddings=short.safetensors 'prompts.texts=[p]'",
                         ws.path());
  CHECK(r.status == 1);
  CHECK(astraea::testing::count_lines(r.err) == 1);
  CHECK(r.err.find("short.safetensors") != std::string::npos);
  CHECK(r.err.find("'prompt_embeds' has shape [1, 5, 8], expected [1, 8, 8]") != std::string::npos);
  // The failed trial is on record with that reason.
  const auto show = run_cli("db show --study smoke", ws.path());
  CHECK(show.out.find("FAILED") != std::string::npos);
}

TEST_CASE("with a TorchScript VAE, run also decodes the latents into frames", "[driver][vae]") {
  const astraea::model::SafetensorsFile fixture("tests/fixtures/cogvideox_pipeline_ddim.safetensors");
  TempDir ws;
  prepare(ws, fixture);
  const auto vae = fs::path(ASTRAEA_SOURCE_DIR) / "tests/fixtures/tiny_vae.pt";
  const auto r = run_cli(fmt::format("run experiments/smoke.yaml model=oracle_tiny sampler.steps=1 video.frames=5 video.height=64 "
                                     "video.width=64 prompts.embeddings=embeds.safetensors 'prompts.texts=[p]' 'prompts.seeds=[7]' "
                                     "++model.vae={} ++model.vae_scaling_factor=0.7",
                                     vae.string()),
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto day = *fs::directory_iterator(ws.path() / "outputs");
  const auto run_dir = *fs::directory_iterator(day.path());
  const astraea::model::SafetensorsFile frames(run_dir.path() / "frames_p0_s7.safetensors");
  const auto video = frames.tensor("frames");
  // 2 latent frames of 8x8 through the stand-in decoder (2x spatial upsampling, 3 channels).
  CHECK(video.sizes() == at::IntArrayRef({1, 2, 16, 16, 3}));
  CHECK(video.min().item<float>() >= 0.0f);
  CHECK(video.max().item<float>() <= 1.0f);
}

TEST_CASE("a sparse trial with a VAE records frame fidelity and exports a side-by-side video", "[driver][vae][fidelity]") {
  const astraea::model::SafetensorsFile fixture("tests/fixtures/cogvideox_pipeline_ddim.safetensors");
  TempDir ws;
  prepare(ws, fixture);
  const auto vae = fs::path(ASTRAEA_SOURCE_DIR) / "tests/fixtures/tiny_vae.pt";
  const auto r = run_cli(fmt::format("sweep experiments/smoke.yaml model=oracle_tiny method=astraea sampler.steps=3 video.frames=5 "
                                     "video.height=64 video.width=64 prompts.embeddings=embeds.safetensors 'prompts.texts=[p]' "
                                     "'prompts.seeds=[7]' ++model.vae={} ++model.vae_scaling_factor=0.7",
                                     vae.string()),
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto show = run_cli("db show --trial 1", ws.path());
  CHECK(show.out.find("video_p0_s7.gif") != std::string::npos);
  // Independent PSNR: per frame 10 log10(1 / MSE) on [0, 1], averaged, from the two frame files.
  astraea::results::StoreOptions read_only;
  read_only.read_only = true;
  const astraea::results::Store store(ws.path() / "astraea.db", read_only);
  auto frames_of = [&](std::int64_t trial) {
    for (const auto& a : store.artifacts(trial)) {
      if (a.kind == "frames") return astraea::model::SafetensorsFile(ws.path() / a.path).tensor("frames").to(at::kDouble);
    }
    FAIL("trial " << trial << " has no frames");
    return at::Tensor();
  };
  auto metric = [&](std::int64_t trial, const std::string& name) {
    for (const auto& m : store.metrics(trial)) {
      if (m.name == name) return m.value;
    }
    FAIL("trial " << trial << " has no metric " << name);
    return 0.0;
  };
  const auto reference = static_cast<std::int64_t>(metric(1, "reference_trial"));
  const auto mse = (frames_of(1) - frames_of(reference)).pow(2).mean({0, 2, 3, 4});
  const double psnr = (10.0 * (1.0 / mse).log10()).mean().item<double>();
  CHECK(metric(1, "psnr") == Approx(psnr).epsilon(1e-6));
  CHECK(metric(1, "ssim") < 1.0);
  const auto exported = run_cli("export video --trial 1 --out side", ws.path());
  INFO(exported.err);
  REQUIRE(exported.status == 0);
  CHECK(fs::exists(ws.path() / "side" / "frames_p0_s7.gif"));
  CHECK(fs::exists(ws.path() / "side" / "frames_p0_s7" / "frame_0000.png"));
  const auto dense_trial = run_cli("export video --trial 2", ws.path());
  CHECK(dense_trial.status == 2);
}
