// The embedded model through the CLI: `astraea train` writes and resumes, the shipped weights and
// checker run the quickstart config with prompt-adherence and consistency metrics, and prompt
// adherence counts against hand-worked predictions.
#include <ATen/ATen.h>

#include "driver/cli_runner.h"
#include "driver/prompt_adherence.h"
#include "results/store.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

using astraea::testing::read_file;
using astraea::testing::run_cli;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

const std::string kShipped = fmt::format("model.weights={0}/results/models/tiny_vdit.safetensors eval.checker={0}/results/models/checker.safetensors",
                                         ASTRAEA_SOURCE_DIR);

// The metrics of the study's only trial.
std::map<std::string, double> study_metrics(const fs::path& db, const std::string& study) {
  astraea::results::StoreOptions options;
  options.read_only = true;
  astraea::results::Store store(db, options);
  const auto found = store.find_study(study);
  REQUIRE(found);
  const auto trials = store.trials(found->id, false);
  REQUIRE(trials.size() == 1);
  std::map<std::string, double> out;
  for (const auto& m : store.metrics(trials[0].id)) out[m.name] = m.value;
  return out;
}

}  // namespace

TEST_CASE("prompt adherence counts each attribute and the clips right on all three", "[driver][prompt_adherence]") {
  astraea::driver::PromptAdherence adherence;
  CHECK(adherence.metrics().empty());
  // "a red square moves left ...": shape 0 (square), colour 0 (red), direction 0 (left).
  adherence.add({0, 0, 0}, "a red square moves left quickly on a striped background");
  adherence.add({1, 0, 0}, "a red square moves left quickly on a striped background");
  adherence.add({1, 2, 3}, "a blue circle moves down slowly on a black background");
  adherence.add({1, 2, 2, {0.1, 0.6, 0.1, 0.1, 0.1}}, "a blue circle moves down slowly on a black background", "p3_s42");
  std::map<std::string, double> m;
  for (const auto& metric : adherence.metrics()) m[metric.name] = metric.value;
  CHECK(m.at("checker_shape_accuracy") == Approx(0.75));
  CHECK(m.at("checker_colour_accuracy") == Approx(1.0));
  CHECK(m.at("checker_direction_accuracy") == Approx(0.75));
  CHECK(m.at("checker_accuracy") == Approx(0.5));
  CHECK_THROWS_WITH(adherence.add({0, 0, 0}, "a dog runs"), Catch::Contains("a dog runs"));
  // Rows: what the prompts stated; columns: what the checker read.
  const auto confusion = nlohmann::json::parse(adherence.confusion_json());
  CHECK(confusion["shape"]["labels"] == nlohmann::json({"square", "circle", "triangle", "diamond", "cross"}));
  CHECK(confusion["shape"]["counts"][0] == nlohmann::json({1, 1, 0, 0, 0}));   // two squares: one read right, one as a circle
  CHECK(confusion["shape"]["counts"][1] == nlohmann::json({0, 2, 0, 0, 0}));
  CHECK(confusion["direction"]["counts"][3] == nlohmann::json({0, 0, 1, 1}));  // two "down": one read as "up"
  CHECK(confusion["colour"]["counts"][2][2] == 2);
  // Each clip's reading, in the order added, named and with the shape head's probabilities.
  REQUIRE(confusion["generations"].size() == 4);
  CHECK(confusion["generations"][1]["shape"] == "circle");
  CHECK(confusion["generations"][1]["prompt"] == "a red square moves left quickly on a striped background");
  CHECK(confusion["generations"][3]["generation"] == "p3_s42");
  CHECK(confusion["generations"][3]["direction"] == "up");
  CHECK(confusion["generations"][3]["shape_probabilities"] == nlohmann::json({0.1, 0.6, 0.1, 0.1, 0.1}));
  CHECK_THROWS_WITH(adherence.add({7, 0, 0}, "a red square moves left quickly on a striped background"),
                    Catch::Contains("the checker read shape class 7, outside [0, 5)"));
}

TEST_CASE("astraea train writes weights and a record, and re-running resumes", "[driver][train]") {
  Workspace ws;
  const std::string args = "train experiments/train_checker.yaml train.dataset_size=64 train.batch_size=8 train.log_every=1 train.out=run";
  const auto first = run_cli(args + " train.steps=5 --until 3", ws.path());
  INFO(first.err);
  REQUIRE(first.status == 0);
  CHECK(first.out.find("3 (from 0)") != std::string::npos);
  CHECK(first.out.find("after step 3 of 5") != std::string::npos);
  CHECK_FALSE(fs::exists(ws.path() / "run" / "checker.safetensors"));
  const auto second = run_cli(args + " train.steps=5", ws.path());
  INFO(second.err);
  REQUIRE(second.status == 0);
  CHECK(second.out.find("5 (from 3)") != std::string::npos);
  CHECK(fs::exists(ws.path() / "run" / "checker.safetensors"));
  const auto record = nlohmann::json::parse(read_file(ws.path() / "run" / "training.json"));
  CHECK(record.at("target") == "checker");
  CHECK(record.at("start_step") == 3);
  // shape, colour and direction: crisp, blurred at sigma 0.5 and 1, and ringed at 0.05, 0.1 and 0.2.
  CHECK(record.at("held_out_accuracy").size() == 18);
  CHECK(record.at("held_out_accuracy").contains("shape (blur 1)"));
  CHECK(record.at("held_out_accuracy").contains("shape (ring 0.1)"));
  CHECK(astraea::testing::count_lines(read_file(ws.path() / "run" / "loss.csv")) == 6);
}

TEST_CASE("the shipped tiny model runs the quickstart config with checker metrics", "[driver][embedded]") {
  Workspace ws;
  const auto r = run_cli("sweep experiments/quickstart.yaml -m sampler.steps=3 study.warmup=0 method=rainfusion method.block_size=16 " + kShipped,
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto reference = study_metrics(ws.path() / "astraea.db", "_references");
  for (const char* name : {"checker_accuracy", "checker_shape_accuracy", "checker_colour_accuracy", "checker_direction_accuracy"}) {
    INFO(name);
    CHECK(reference.count(name) == 1);
  }
  const auto sparse = study_metrics(ws.path() / "astraea.db", "quickstart");
  for (const char* name : {"rainfusion_density", "rainfusion_spatial_share_total", "quality_proxy_delta_pct", "psnr", "latent_rel_l2"}) {
    INFO(name);
    CHECK(sparse.count(name) == 1);
  }
  // The mean of |delta| over the generations bounds |mean delta|.
  CHECK(sparse.at("quality_proxy_abs_delta_pct") >= std::abs(sparse.at("quality_proxy_delta_pct")) - 1e-12);
  CHECK(sparse.at("rainfusion_density") > 0.0);
  CHECK(sparse.at("rainfusion_density") < 1.0);
  const double shares =
      sparse.at("rainfusion_spatial_share_total") + sparse.at("rainfusion_temporal_share_total") + sparse.at("rainfusion_textural_share_total");
  CHECK(shares == Approx(1.0));
}

TEST_CASE("a prompt outside the world's vocabulary fails in one line naming the closest word", "[driver][embedded]") {
  Workspace ws;
  const auto r = run_cli("run experiments/quickstart.yaml sampler.steps=1 'prompts.texts=[a red squar moves left]' " + kShipped, ws.path());
  CHECK(r.status != 0);
  CHECK(astraea::testing::count_lines(r.err) == 1);
  CHECK(r.err.find("square") != std::string::npos);
}

TEST_CASE("a missing weights or checker file is a config error before anything is recorded", "[driver][embedded]") {
  Workspace ws;
  const auto weights = run_cli("sweep experiments/quickstart.yaml -m method=dense,astraea model.weights=missing.safetensors", ws.path());
  CHECK(weights.status == 2);
  CHECK(astraea::testing::count_lines(weights.err) == 1);
  CHECK(weights.err.find("model.weights: no such file 'missing.safetensors'") != std::string::npos);
  const auto checker = run_cli(fmt::format("run experiments/quickstart.yaml eval.checker=nowhere/checker.safetensors "
                                           "model.weights={}/results/models/tiny_vdit.safetensors",
                                           ASTRAEA_SOURCE_DIR),
                               ws.path());
  CHECK(checker.status == 2);
  CHECK(checker.err.find("eval.checker: no such file") != std::string::npos);
  CHECK_FALSE(fs::exists(ws.path() / "astraea.db"));
}
