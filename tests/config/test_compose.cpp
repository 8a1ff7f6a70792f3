// Composition against hand-worked expectations: defaults lists, _self_ placement, packages,
// group and key overrides, deep merge with list replacement, and the errors users hit.
#include "config/compose.h"
#include "config/yaml_tree.h"
#include "core/error.h"
#include "support/catch.h"
#include "support/temp_dir.h"

using astraea::Error;
using astraea::ErrorKind;
using astraea::config::compose;
using astraea::config::ComposedConfig;
using astraea::config::parse_override;
using astraea::testing::TempDir;

namespace {

// A small config tree exercising every defaults-list form.
void write_tree(const TempDir& dir) {
  dir.write("model/small.yaml", "layers: 2\nheads: 4\nsizes: [1, 2, 3]\nnested:\n  a: 1\n  b: 2\n");
  dir.write("model/large.yaml", "defaults:\n  - small\n  - _self_\nlayers: 40\nsizes: [9]\nnested:\n  b: 20\n");
  dir.write("method/dense.yaml", "name: dense\n");
  dir.write("method/sparse.yaml", "name: sparse\nsparsity: 0.5\n");
  dir.write("sampler/ddim.yaml", "name: ddim\nsteps: 50\n");
  dir.write("extra/on.yaml", "# @package _global_\nflag: true\n");
  dir.write("study.yaml",
            "defaults:\n  - model: small\n  - method: dense\n  - optional sampler: missing\n  - _self_\n"
            "seed: 1\nmodel:\n  heads: 8\n");
  dir.write("self_first.yaml", "defaults:\n  - _self_\n  - model: small\nmodel:\n  heads: 99\n");
  dir.write("no_self.yaml", "defaults:\n  - model: small\nmodel:\n  heads: 7\n");
  dir.write("with_override.yaml", "defaults:\n  - study\n  - override model: large\n  - _self_\n");
  dir.write("null_group.yaml", "defaults:\n  - model: null\n  - _self_\nx: 1\n");
  dir.write("bad_option.yaml", "defaults:\n  - model: smal\n");
  dir.write("at_package.yaml", "defaults:\n  - method@teacher: sparse\n  - _self_\n");
}

ComposedConfig run(const TempDir& dir, const std::string& name, const std::vector<std::string>& overrides = {}) {
  std::vector<astraea::config::Override> parsed;
  for (const auto& o : overrides) parsed.push_back(parse_override(o));
  return compose({dir.path(), name, parsed});
}

ErrorKind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::kGeneric;
}

}  // namespace

TEST_CASE("defaults list places group options under their package and _self_ last", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  const auto c = run(dir, "study");
  CHECK(c.root["model"]["layers"].as<int>() == 2);
  CHECK(c.root["model"]["heads"].as<int>() == 8);  // _self_ after model: the study wins
  CHECK(c.root["method"]["name"].as<std::string>() == "dense");
  CHECK_FALSE(c.root["sampler"].IsDefined());       // optional and absent: skipped
  CHECK(c.root["seed"].as<int>() == 1);
  CHECK(c.choices.at("model") == "small");
  CHECK(c.provenance.source_of("model.layers").find("model/small.yaml") != std::string::npos);
  CHECK(c.provenance.source_of("model.heads").find("study.yaml") != std::string::npos);
}

TEST_CASE("_self_ first lets the defaults win; absent _self_ goes last", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  CHECK(run(dir, "self_first").root["model"]["heads"].as<int>() == 4);
  CHECK(run(dir, "no_self").root["model"]["heads"].as<int>() == 7);
}

TEST_CASE("nested defaults merge maps deeply and replace lists", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  const auto c = run(dir, "study", {"model=large"});
  CHECK(c.root["model"]["layers"].as<int>() == 40);
  REQUIRE(c.root["model"]["sizes"].size() == 1);
  CHECK(c.root["model"]["sizes"][0].as<int>() == 9);
  CHECK(c.root["model"]["nested"]["a"].as<int>() == 1);
  CHECK(c.root["model"]["nested"]["b"].as<int>() == 20);
  CHECK(c.root["model"]["heads"].as<int>() == 8);
}

TEST_CASE("override entries in a defaults list change a choice made in an included config", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  const auto c = run(dir, "with_override");
  CHECK(c.choices.at("model") == "large");
  CHECK(c.root["model"]["layers"].as<int>() == 40);
  CHECK(c.root["seed"].as<int>() == 1);
}

TEST_CASE("null options, @package and _global_ headers", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  CHECK_FALSE(run(dir, "null_group").root["model"].IsDefined());
  const auto at = run(dir, "at_package");
  CHECK(at.root["teacher"]["sparsity"].as<double>() == 0.5);
  CHECK_FALSE(at.root["method"].IsDefined());
  const auto global = run(dir, "study", {"+extra=on"});
  CHECK(global.root["flag"].as<bool>());
  CHECK_FALSE(global.root["extra"].IsDefined());
}

TEST_CASE("command-line key overrides: change, add, force-add, delete", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  const auto c = run(dir, "study", {"model.layers=12", "+model.extra=[1,2]", "++seed=5", "++new.deep.key=x", "~method.name", "model.sizes=[]"});
  CHECK(c.root["model"]["layers"].as<int>() == 12);
  CHECK(c.root["model"]["extra"].size() == 2);
  CHECK(c.root["seed"].as<int>() == 5);
  CHECK(c.root["new"]["deep"]["key"].as<std::string>() == "x");
  CHECK_FALSE(c.root["method"]["name"].IsDefined());
  CHECK(c.root["model"]["sizes"].size() == 0);
  CHECK(c.provenance.source_of("model.layers") == "override 'model.layers=12'");
  CHECK(c.override_texts.size() == 6);
}

TEST_CASE("dict override values merge into the existing mapping", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  const auto c = run(dir, "study", {"model.nested={b: 5, c: 6}"});
  CHECK(c.root["model"]["nested"]["b"].as<int>() == 5);
  CHECK(c.root["model"]["nested"]["c"].as<int>() == 6);
}

TEST_CASE("composition errors name the file, key or override", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  REQUIRE_THROWS_WITH(run(dir, "study", {"model.layrs=3"}), Catch::Contains("model.layrs") && Catch::Contains("did you mean 'model.layers'") &&
                                                                 Catch::Contains("+model.layrs=3"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"+seed=3"}), Catch::Contains("already exists"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"~nothing"}), Catch::Contains("no such key"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"~seed=2"}), Catch::Contains("its value is not"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"model=huge"}), Catch::Contains("group 'model' has no option 'huge'"));
  REQUIRE_THROWS_WITH(run(dir, "bad_option"), Catch::Contains("did you mean 'small'"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"extra=on"}), Catch::Contains("not in the defaults list") && Catch::Contains("+extra=on"));
  REQUIRE_THROWS_WITH(run(dir, "study", {"+model=large"}), Catch::Contains("already in the defaults list"));
  REQUIRE_THROWS_WITH(run(dir, "absent"), Catch::Contains("absent.yaml: config file not found"));
  CHECK(kind_of([&] { run(dir, "study", {"model.layrs=3"}); }) == ErrorKind::kConfig);
}

TEST_CASE("group overrides: change, append and delete", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  CHECK(run(dir, "study", {"method=sparse"}).root["method"]["sparsity"].as<double>() == 0.5);
  CHECK(run(dir, "study", {"sampler=ddim"}).root["sampler"]["steps"].as<int>() == 50);  // fills the optional entry
  CHECK(run(dir, "study", {"+extra=on"}).root["flag"].as<bool>());
  CHECK_FALSE(run(dir, "study", {"~method"}).root["method"].IsDefined());
}

TEST_CASE("malformed YAML is reported as file:line:col", "[config][compose]") {
  TempDir dir;
  dir.write("model/x.yaml", "a: 1\n");
  dir.write("broken.yaml", "a: 1\nb: [1, 2\nc: 3\n");
  REQUIRE_THROWS_WITH(run(dir, "broken"), Catch::Contains("broken.yaml:") && Catch::Contains("invalid YAML"));
  try {
    run(dir, "broken");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find("broken.yaml:3:") != std::string::npos);  // the parser notices at line 3
  }
}

TEST_CASE("locate_config finds the root that holds the groups", "[config][compose]") {
  TempDir dir;
  write_tree(dir);
  dir.write("studies/deep/one.yaml", "defaults:\n  - model: small\n");
  const auto [root, name] = astraea::config::locate_config(dir.path() / "studies/deep/one.yaml");
  CHECK(root == dir.path());
  CHECK(name == "studies/deep/one");
  CHECK(run(dir, name).root["model"]["heads"].as<int>() == 4);
  REQUIRE_THROWS_WITH(astraea::config::locate_config(dir.path() / "nope.yaml"), Catch::Contains("not found"));
}
