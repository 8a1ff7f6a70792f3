// The shared loop: it learns, it logs, and a run stopped at a checkpoint and resumed ends with the
// same weights, EMA and log as an uninterrupted run. Then the two trainers end to end on tiny
// sizes: the files they write load back into the networks they trained.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "model/checker_network.h"
#include "model/checkpoint.h"
#include "model/cogvideox_transformer.h"
#include "model/safetensors_file.h"
#include "pipeline/prompt_embeddings.h"
#include "support/catch.h"
#include "support/temp_dir.h"
#include "train/checker_training.h"
#include "train/training_loop.h"
#include "train/vdit_training.h"

#include <fstream>
#include <iterator>
#include <sstream>

using namespace astraea;

namespace {

// Least squares on a fixed line, y = 3x - 1, with fresh noisy samples every step.
class LineTask final : public train::TrainingTask {
 public:
  explicit LineTask(int width = 1) : w_(at::zeros({width}).requires_grad_()), b_(at::zeros({1}).requires_grad_()) {}
  std::string name() const override { return "line"; }
  std::vector<std::string> stat_names() const override { return {"mean_x"}; }
  train::NamedTensors parameters() override { return {{"w", w_}, {"b", b_}}; }
  at::Tensor loss(int, std::map<std::string, double>& stats) override {
    const auto x = at::randn({32});
    stats["mean_x"] = x.mean().item<double>();
    const auto y = 3 * x - 1 + 0.01 * at::randn({32});
    return at::mse_loss(w_[0] * x + b_[0], y);
  }
  at::Tensor w_, b_;
};

config::TrainOptions line_options(const std::filesystem::path& out, int steps) {
  config::TrainOptions o;
  o.out = out.string();
  o.steps = steps;
  o.learning_rate = 0.05;
  o.weight_decay = 0.0;
  o.warmup_steps = 5;
  o.ema_decay = 0.9;
  o.checkpoint_every = 20;
  o.log_every = 10;
  return o;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("the loop fits a line, logs every log_every steps, and resumes exactly", "[train][loop]") {
  testing::TempDir dir;
  LineTask straight;
  const auto full = train::run_training(straight, line_options(dir.path() / "straight", 200), 9);
  CHECK(full.finished);
  CHECK(straight.w_.item<float>() == Approx(3.0f).margin(0.05));
  CHECK(straight.b_.item<float>() == Approx(-1.0f).margin(0.05));
  CHECK(full.start_step == 0);
  const auto log = read_file(dir.path() / "straight" / "loss.csv");
  CHECK(log.starts_with("step,loss,learning_rate,mean_x\n10,"));
  CHECK(std::count(log.begin(), log.end(), '\n') == 21);

  LineTask first;  // stopped after 60 of the 200 steps, as by --until 60
  const auto stopped = train::run_training(first, line_options(dir.path() / "resumed", 200), 9, {60});
  CHECK_FALSE(stopped.finished);
  CHECK(stopped.steps == 60);
  LineTask second;  // a fresh process: starts from zeros, resumes at step 60
  const auto resumed = train::run_training(second, line_options(dir.path() / "resumed", 200), 9);
  CHECK(resumed.start_step == 60);
  CHECK(at::equal(second.w_, straight.w_));
  CHECK(at::equal(second.b_, straight.b_));
  CHECK(at::equal(resumed.ema[0].second, full.ema[0].second));
  CHECK(read_file(dir.path() / "resumed" / "loss.csv") == log);
}

TEST_CASE("resuming from another model's checkpoint fails naming the tensor", "[train][loop]") {
  testing::TempDir dir;
  LineTask one;
  train::run_training(one, line_options(dir.path(), 20), 1);
  LineTask wider(2);
  CHECK_THROWS_WITH(train::run_training(wider, line_options(dir.path(), 40), 1), Catch::Contains("'model.w' is [1] in the checkpoint but [2]"));
}

namespace {

config::TrainingOptions tiny_training(const std::filesystem::path& out, const std::string& target) {
  config::TrainingOptions o;
  o.video = {4, 16, 16};
  o.sampler.snr_shift_scale = 1.0;
  o.checker = {4, 8};
  o.train.target = target;
  o.train.out = out.string();
  o.train.steps = 2;
  o.train.batch_size = 2;
  o.train.dataset_size = 8;
  o.train.warmup_steps = 1;
  o.train.log_every = 1;
  o.train.device = "cpu";
  return o;
}

}  // namespace

TEST_CASE("the vdit trainer writes EMA weights that load strictly, with the text table", "[train][vdit]") {
  testing::TempDir dir;
  model::CogVideoXConfig config;
  config.num_attention_heads = 2;
  config.attention_head_dim = 16;
  config.num_layers = 1;
  config.in_channels = config.out_channels = 3;
  config.patch_size = 4;
  config.text_embed_dim = 8;
  config.time_embed_dim = 16;
  config.max_text_seq_length = 12;
  config.sample_frames = 4;
  config.sample_height = config.sample_width = 16;
  config.temporal_compression_ratio = 1;
  config.use_rotary_positional_embeddings = true;
  // A time-boxed invocation leaves usable weights too, tagged with the step it reached.
  const auto stopped = train::train_vdit(tiny_training(dir.path() / "stopped", "vdit"), config, c10::Device(c10::kCPU), {1, {}});
  CHECK_FALSE(stopped.finished);
  const model::SafetensorsFile partial(dir.path() / "stopped" / train::kVditWeightsName);
  CHECK(partial.metadata().at("steps") == "1");
  CHECK(partial.metadata().at("of_steps") == "2");

  const auto report = train::train_vdit(tiny_training(dir.path(), "vdit"), config, c10::Device(c10::kCPU));
  CHECK(report.steps == 2);
  const model::TensorSource weights(dir.path() / train::kVditWeightsName);
  CHECK(weights.tensor(pipeline::kTextEmbeddingTensor).sizes() == at::IntArrayRef({29, 8}));
  model::CogVideoXTransformer3D transformer(config);
  model::load_state_dict(*transformer, weights, at::kFloat, c10::Device(c10::kCPU), "", {"text_embedding."});
  // adaLN-Zero: proj_out started at zero and moved by two small steps only.
  CHECK(transformer->named_parameters()["proj_out.weight"].abs().max().item<float>() < 0.01f);

  // Starting from those weights with a zero-length schedule step (lr ~ 0) keeps them.
  auto again = tiny_training(dir.path() / "continued", "vdit");
  again.train.init_from = (dir.path() / train::kVditWeightsName).string();
  again.train.learning_rate = 1e-30;
  again.train.ema_decay = 0.0;
  train::train_vdit(again, config, c10::Device(c10::kCPU));
  const model::TensorSource continued(dir.path() / "continued" / train::kVditWeightsName);
  for (const auto& name : weights.names()) {
    INFO(name);
    CHECK(at::allclose(continued.tensor(name), weights.tensor(name), 0.0, 1e-6));
  }
}

TEST_CASE("the checker trainer's file loads back into the same network", "[train][checker]") {
  testing::TempDir dir;
  const auto options = tiny_training(dir.path(), "checker");
  const auto report = train::train_checker(options, c10::Device(c10::kCPU));
  CHECK(report.held_out_clips == 1000);
  // shape, colour and direction, crisp, at each blur of kHeldOutBlurSigmas and each ring of
  // kHeldOutRingStrengths.
  CHECK(report.held_out_accuracy.size() == 3 * (1 + std::size(train::kHeldOutBlurSigmas) + std::size(train::kHeldOutRingStrengths)));
  CHECK(report.held_out_accuracy.count("shape (blur 0.5)") == 1);
  CHECK(report.held_out_accuracy.count("direction (ring 0.2)") == 1);
  auto checker = model::load_checker(dir.path() / train::kCheckerWeightsName, c10::Device(c10::kCPU));
  CHECK(checker->config().feature_dim == 8);
  CHECK(checker->config().frames == 4);
  auto params = checker->named_parameters();
  for (const auto& [name, value] : report.training.ema) CHECK(at::equal(params[name], value));
}

TEST_CASE("a profiled run writes a trace of the ops of ten steps", "[train][loop][profile]") {
  testing::TempDir dir;
  LineTask task;
  const auto trace = dir.path() / "trace.json";
  train::run_training(task, line_options(dir.path(), 30), 2, {0, trace});
  const auto text = read_file(trace);
  CHECK(text.find("\"traceEvents\"") != std::string::npos);
  // mse_loss runs once per step: ten profiled steps record it ten times.
  std::size_t calls = 0;
  for (auto at = text.find("\"name\": \"aten::mse_loss\""); at != std::string::npos; at = text.find("\"name\": \"aten::mse_loss\"", at + 1)) ++calls;
  CHECK(calls == 10);
}
