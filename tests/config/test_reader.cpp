// Typed decoding: each rejection names the file that set the key, the key path, and what was
// expected; unknown keys come with the closest valid key.
#include "config/compose.h"
#include "config/experiment_options.h"
#include "config/reader.h"
#include "core/error.h"
#include "support/catch.h"
#include "support/temp_dir.h"

#include <filesystem>

using astraea::config::Provenance;
using astraea::config::Reader;

namespace {

Reader reader_for(const std::string& yaml, const Provenance* provenance = nullptr) { return Reader(YAML::Load(yaml), "", provenance); }

}  // namespace

TEST_CASE("reads typed values with defaults", "[config][reader]") {
  auto r = reader_for("i: 3\nd: 0.25\nb: True\ns: text\nl: [1, 2]\nf: [0.5, 1]\nn: [a, b]\n");
  CHECK(r.integer("i") == 3);
  CHECK(r.number("d") == 0.25);
  CHECK(r.boolean("b"));
  CHECK(r.string("s") == "text");
  CHECK(r.integers("l") == std::vector<std::int64_t>{1, 2});
  CHECK(r.numbers("f") == std::vector<double>{0.5, 1.0});
  CHECK(r.strings("n") == std::vector<std::string>{"a", "b"});
  CHECK(r.integer("absent", 7) == 7);
  CHECK(r.string("absent2", std::string("x")) == "x");
  r.finish();
}

TEST_CASE("wrong types and ranges say what was expected", "[config][reader]") {
  Provenance provenance;
  provenance.record("method.sparsity", "experiments/method/rainfusion.yaml");
  Reader root(YAML::Load("method:\n  sparsity: 1.5\n  steps: many\n  flag: 'yes'\n  q: '3'\n"), "", &provenance);
  auto method = root.section("method");
  REQUIRE_THROWS_WITH(method.number("sparsity", 0.5, {0.0, 1.0, false, true}),
                      Catch::Contains("experiments/method/rainfusion.yaml: method.sparsity: expected a number in [0, 1), got 1.5"));
  REQUIRE_THROWS_WITH(method.integer("steps"), Catch::Contains("method.steps: expected an integer, got 'many'"));
  REQUIRE_THROWS_WITH(method.boolean("flag"), Catch::Contains("expected true or false"));
  REQUIRE_THROWS_WITH(method.integer("q"), Catch::Contains("expected an integer"));  // quoted stays a string
  REQUIRE_THROWS_WITH(method.integer("missing"), Catch::Contains("missing required key 'method.missing'"));
}

TEST_CASE("unknown keys are rejected with a suggestion", "[config][reader]") {
  auto r = reader_for("num_layers: 3\nnum_layrs: 4\n");
  r.integer("num_layers");
  REQUIRE_THROWS_WITH(r.finish(), Catch::Contains("num_layrs: unknown key (did you mean 'num_layers'?)"));
  auto far = reader_for("zzzzzz: 1\n");
  far.integer("alpha", 1);
  REQUIRE_THROWS_WITH(far.finish(), Catch::Contains("zzzzzz: unknown key") && !Catch::Contains("did you mean"));
}

TEST_CASE("mandatory values must be set", "[config][reader]") {
  auto r = reader_for("weights: ???\n");
  REQUIRE_THROWS_WITH(r.string("weights"), Catch::Contains("weights: mandatory value ('???" "') was never set"));
}

TEST_CASE("choices are checked", "[config][reader]") {
  auto r = reader_for("name: rainfuson\n");
  REQUIRE_THROWS_WITH(r.one_of("name", {"dense", "rainfusion"}), Catch::Contains("expected one of dense|rainfusion, got 'rainfuson' (did you mean 'rainfusion'?)"));
}

TEST_CASE("the shipped experiment configs compose and decode", "[config][experiments]") {
  for (const char* file : {"experiments/smoke.yaml", "experiments/ablation_rainfusion.yaml", "experiments/search_astraea.yaml"}) {
    INFO(file);
    const auto [root, name] = astraea::config::locate_config(file);
    const auto composed = astraea::config::compose({root, name, {}});
    const auto options = astraea::config::decode_experiment(composed);
    CHECK_FALSE(options.study.name.empty());
  }
  const auto [root, name] = astraea::config::locate_config("experiments/search_astraea.yaml");
  const auto options = astraea::config::decode_experiment(astraea::config::compose({root, name, {}}));
  CHECK(options.model.num_layers == 42);           // cogvideox_5b over cogvideox_2b
  CHECK(options.model.num_attention_heads == 48);
  CHECK(options.model.text_embed_dim == 4096);     // inherited from 2b
  CHECK(options.model.use_rotary_positional_embeddings);
  CHECK(options.sampler.name == "dpm");
  CHECK(options.sampler.snr_shift_scale == 1.0);
  CHECK(options.has_search);
  CHECK(options.search.parents == 50);
  CHECK(options.prompts.texts.size() == 4);
}

TEST_CASE("decode_experiment names the file behind a bad value", "[config][experiments]") {
  const auto [root, name] = astraea::config::locate_config("experiments/smoke.yaml");
  auto compose_with = [&](std::vector<std::string> texts) {
    std::vector<astraea::config::Override> overrides;
    for (const auto& t : texts) overrides.push_back(astraea::config::parse_override(t));
    return astraea::config::decode_experiment(astraea::config::compose({root, name, overrides}));
  };
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.sparsity=1.5"}),
                      Catch::Contains("override 'method.sparsity=1.5': method.sparsity: expected a number in [0, 1), got 1.5"));
  REQUIRE_THROWS_WITH(compose_with({"++model.num_layrs=3"}), Catch::Contains("model.num_layrs: unknown key (did you mean 'model.num_layers'?)"));
  REQUIRE_THROWS_WITH(compose_with({"sampler.steps=abc"}), Catch::Contains("sampler.steps: expected an integer"));
  REQUIRE_THROWS_WITH(compose_with({"method=astraea", "method.cache=everything"}), Catch::Contains("expected one of output|branch"));
  CHECK(compose_with({"method=rainfusion", "method.sparsity=0.75"}).method.rainfusion.sparsity == 0.75);
  CHECK(compose_with({}).method.dense.kernel == "sdpa");
  CHECK(compose_with({"method.kernel=astraea"}).method.dense.kernel == "astraea");
  REQUIRE_THROWS_WITH(compose_with({"method.kernel=flash"}), Catch::Contains("expected one of sdpa|astraea, got 'flash'"));
  CHECK(compose_with({"method.name=rainfusion"}).method.name == "rainfusion");  // dense.yaml's kernel key rides along
  REQUIRE_THROWS_WITH(compose_with({"method.name=rainfusion", "method.kernel=astraea"}),
                      Catch::Contains("method.kernel: chooses dense attention's kernel; method rainfusion has its own"));
  const auto random = compose_with({"method=rainfusion", "method.decision=random", "method.seed=17"}).method.rainfusion;
  CHECK(random.decision == "random");
  CHECK(random.seed == 17);
  CHECK(compose_with({"method=rainfusion"}).method.rainfusion.decision == "three_way");
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.decision=coin"}),
                      Catch::Contains("expected one of three_way|two_way|mask_recall|random|random_two_way, got 'coin'"));
  CHECK(compose_with({"method=rainfusion", "method.decision=random_two_way"}).method.rainfusion.decision == "random_two_way");
  // The textural stride follows the sparsity unless a config names one.
  CHECK(compose_with({"method=rainfusion"}).method.rainfusion.textural_stride == 0);
  CHECK(compose_with({"method=rainfusion", "method.textural_stride=3"}).method.rainfusion.textural_stride == 3);
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.textural_stride=1"}), Catch::Contains("method.textural_stride"));
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.textural_stride=often"}), Catch::Contains("method.textural_stride"));
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.seed=-1"}), Catch::Contains("method.seed"));
  CHECK(compose_with({"method=rainfusion"}).method.rainfusion.permutation == "token_major");
  CHECK(compose_with({"method=rainfusion", "method.permutation=tile_major"}).method.rainfusion.permutation == "tile_major");
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.permutation=frame_major"}),
                      Catch::Contains("expected one of token_major|tile_major, got 'frame_major'"));
  CHECK(compose_with({"method=rainfusion"}).method.rainfusion.decide_every == 1);
  CHECK(compose_with({"method=rainfusion", "method.decide_every=3"}).method.rainfusion.decide_every == 3);
  REQUIRE_THROWS_WITH(compose_with({"method=rainfusion", "method.decide_every=0"}), Catch::Contains("method.decide_every"));
  // The combination decodes both option sets from experiments/method/astraea_rainfusion.yaml.
  const auto combined = compose_with({"method=astraea_rainfusion", "method.sparsity=0.6", "method.total_budget=0.4"}).method;
  CHECK(combined.name == "astraea_rainfusion");
  CHECK(combined.rainfusion.sparsity == 0.6);
  CHECK(combined.rainfusion.decision == "three_way");
  CHECK(combined.astraea.total_budget == 0.4);
  CHECK(combined.astraea.dense_steps == 1);
}

TEST_CASE("the embedded model's configs decode; world prompts come from the world", "[config][experiments]") {
  const auto load = [](const char* file, std::vector<std::string> texts = {}) {
    const auto [root, name] = astraea::config::locate_config(file);
    std::vector<astraea::config::Override> overrides;
    for (const auto& t : texts) overrides.push_back(astraea::config::parse_override(t));
    return astraea::config::compose({root, name, overrides});
  };
  const auto quickstart = astraea::config::decode_experiment(load("experiments/quickstart.yaml"));
  CHECK(quickstart.model.pixel_space);
  CHECK(quickstart.model.text_encoder == "learned");
  CHECK(quickstart.prompts.texts.size() == 2);
  CHECK(quickstart.study.threads == 0);
  CHECK(quickstart.study.paired_dense);
  CHECK_FALSE(astraea::config::decode_experiment(load("experiments/smoke.yaml")).study.paired_dense);
  CHECK(astraea::config::decode_experiment(load("experiments/quickstart.yaml", {"+study.threads=1"})).study.threads == 1);
  REQUIRE_THROWS_WITH(astraea::config::decode_experiment(load("experiments/quickstart.yaml", {"+study.threads=-2"})),
                      Catch::Contains("study.threads"));
  const auto world = astraea::config::decode_experiment(load("experiments/quickstart.yaml", {"prompts=world100"}));
  REQUIRE(world.prompts.texts.size() == 100);
  CHECK(world.prompts.texts[0].starts_with("a "));
  CHECK(world.prompts.texts[0].ends_with(" background"));
  REQUIRE_THROWS_WITH(astraea::config::decode_experiment(load("experiments/quickstart.yaml", {"prompts.world_count=3"})),
                      Catch::Contains("give prompts.texts or prompts.world_count, not both"));

  const auto tiny = astraea::config::decode_training(load("experiments/train_tiny.yaml"));
  CHECK(tiny.train.target == "vdit");
  CHECK(tiny.train.shape_weights.empty());
  CHECK(tiny.sampler.snr_shift_scale == 1.0);
  CHECK(astraea::config::decode_training(load("experiments/train_checker.yaml")).train.target == "checker");
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/train_tiny.yaml", {"model.pixel_space=false"})),
                      Catch::Contains("needs model.pixel_space=true"));
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/train_tiny.yaml", {"train.out=''"})),
                      Catch::Contains("train.out: must name the output directory"));
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/smoke.yaml")), Catch::Contains("needs a train section"));
  CHECK(astraea::config::decode_training(load("experiments/train_tiny.yaml", {"train.init_from=w.safetensors"})).train.init_from == "w.safetensors");
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/train_checker.yaml", {"+train.init_from=w.safetensors"})),
                      Catch::Contains("only the vdit target starts from given weights"));
  const auto weighted = astraea::config::decode_training(load("experiments/train_tiny.yaml", {"train.shape_weights=[1,1,1,3,1]"}));
  CHECK(weighted.train.shape_weights == std::vector<double>{1, 1, 1, 3, 1});
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/train_tiny.yaml", {"train.shape_weights=[1,-1,1,1,1]"})),
                      Catch::Contains("train.shape_weights"));
  REQUIRE_THROWS_WITH(astraea::config::decode_training(load("experiments/train_checker.yaml", {"+train.shape_weights=[1,1,1,3,1]"})),
                      Catch::Contains("only the vdit target weighs its clips by shape"));
}

TEST_CASE("every study file under experiments/ composes and decodes", "[config][experiments]") {
  int studies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("experiments")) {
    if (entry.path().extension() != ".yaml") continue;
    const auto [root, name] = astraea::config::locate_config(entry.path());
    INFO(entry.path().string());
    const auto composed = astraea::config::compose({root, name, {}});
    const bool training = name.rfind("train_", 0) == 0;
    CHECK_NOTHROW(training ? static_cast<void>(astraea::config::decode_training(composed))
                           : static_cast<void>(astraea::config::decode_experiment(composed)));
    ++studies;
  }
  CHECK(studies >= 9);  // the loop did find the study files
}
