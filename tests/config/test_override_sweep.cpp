#include <string>
#include <string_view>
#include <vector>

#include "config/override.h"
#include "config/override_builders.h"
#include "core/error.h"
#include "support/catch.h"

namespace {

using namespace astraea::config;
using namespace astraea::config::testing;

using GroupOptions = std::function<std::vector<std::string>(const std::string&)>;

std::vector<Override> parse_all(const std::vector<std::string>& texts) {
  std::vector<Override> overrides;
  for (const auto& text : texts) overrides.push_back(parse_override(text));
  return overrides;
}

// The job texts of an expansion, one vector per job.
std::vector<std::vector<std::string>> job_texts(const std::vector<std::string>& texts,
                                                const GroupOptions& options = nullptr) {
  std::vector<std::vector<std::string>> jobs;
  for (const auto& job : expand_sweeps(parse_all(texts), options)) {
    std::vector<std::string> job_text;
    for (const auto& entry : job) {
      CHECK_FALSE(entry.is_sweep());
      job_text.push_back(entry.text);
    }
    jobs.push_back(job_text);
  }
  return jobs;
}

// The values one sweep override expands to.
std::vector<OverrideValue> swept_values(const std::string& text, const GroupOptions& options = nullptr) {
  std::vector<OverrideValue> values;
  for (const auto& job : expand_sweeps({parse_override(text)}, options)) {
    REQUIRE(job.size() == 1);
    REQUIRE(job[0].value.has_value());
    values.push_back(*job[0].value);
  }
  return values;
}

std::string expansion_error(const std::vector<std::string>& texts, const GroupOptions& options = nullptr) {
  const auto overrides = parse_all(texts);
  try {
    expand_sweeps(overrides, options);
  } catch (const astraea::Error& error) {
    CHECK(error.kind() == astraea::ErrorKind::kConfig);
    return error.what();
  }
  FAIL("expansion did not fail");
  return {};
}

const GroupOptions kModels = [](const std::string& group) {
  CHECK(group == "model");
  return std::vector<std::string>{"vit_b", "cogvideox_5b", "vit_l", "cogvideox_2b", "vit_b", "unet"};
};

}  // namespace

TEST_CASE("without sweeps there is one job with the overrides unchanged") {
  const auto overrides = parse_all({"a=1", "+b=x y", "~c"});
  const auto jobs = expand_sweeps(overrides, nullptr);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0] == overrides);
  CHECK(expand_sweeps({}, nullptr) == std::vector<std::vector<Override>>{{}});
}

TEST_CASE("the product varies the first sweep slowest and keeps positions") {
  const std::vector<std::vector<std::string>> expected = {
      {"a=1", "b=x", "c=p"}, {"a=1", "b=x", "c=q"}, {"a=1", "b=x", "c=r"},
      {"a=2", "b=x", "c=p"}, {"a=2", "b=x", "c=q"}, {"a=2", "b=x", "c=r"},
  };
  CHECK(job_texts({"a=1,2", "b=x", "c=choice(p, q, r)"}) == expected);
}

TEST_CASE("job numbering is stable and matches a hand-written product") {
  const std::vector<std::string> texts = {"+seed=range(3)", "model.lr=1e-3,1e-2", "++opt@o=choice(sgd,adam)"};
  const std::vector<std::vector<std::string>> expected = {
      {"+seed=0", "model.lr=0.001", "++opt@o=sgd"}, {"+seed=0", "model.lr=0.001", "++opt@o=adam"},
      {"+seed=0", "model.lr=0.01", "++opt@o=sgd"},  {"+seed=0", "model.lr=0.01", "++opt@o=adam"},
      {"+seed=1", "model.lr=0.001", "++opt@o=sgd"}, {"+seed=1", "model.lr=0.001", "++opt@o=adam"},
      {"+seed=1", "model.lr=0.01", "++opt@o=sgd"},  {"+seed=1", "model.lr=0.01", "++opt@o=adam"},
      {"+seed=2", "model.lr=0.001", "++opt@o=sgd"}, {"+seed=2", "model.lr=0.001", "++opt@o=adam"},
      {"+seed=2", "model.lr=0.01", "++opt@o=sgd"},  {"+seed=2", "model.lr=0.01", "++opt@o=adam"},
  };
  const auto first = job_texts(texts);
  CHECK(first == expected);
  CHECK(job_texts(texts) == first);

  const auto jobs = expand_sweeps(parse_all(texts), nullptr);
  REQUIRE(jobs.size() == expected.size());
  const Override& job_five = jobs[5][0];  // seed varies slowest: job 5 = (seed 1, lr 0.001, adam)
  CHECK(job_five.kind == OverrideKind::kAdd);
  CHECK(job_five.key == "seed");
  CHECK(job_five.value == integer(1));
  CHECK_FALSE(job_five.sweep.has_value());
  CHECK(jobs[5][1].value == real(0.001));
  CHECK(jobs[5][2].kind == OverrideKind::kForceAdd);
  CHECK(jobs[5][2].package == std::optional<std::string>("o"));
  CHECK(jobs[5][2].value == word("adam"));
}

TEST_CASE("job texts read back as the chosen values") {
  for (const auto& job : expand_sweeps(parse_all({"a='1',[2, x],{k: 'v w'}", "b=1.0,true"}), nullptr)) {
    for (const auto& entry : job) {
      const Override again = parse_override(entry.text);
      CHECK(again.key == entry.key);
      CHECK(again.value == entry.value);
    }
  }
  CHECK(job_texts({"a='1',[2, x]"}) == std::vector<std::vector<std::string>>{{"a='1'"}, {"a=[2,x]"}});
}

TEST_CASE("integer ranges expand to ints") {
  CHECK(swept_values("a=range(1,5)") == std::vector<OverrideValue>{integer(1), integer(2), integer(3), integer(4)});
  CHECK(swept_values("a=range(10,0,-3)") ==
        std::vector<OverrideValue>{integer(10), integer(7), integer(4), integer(1)});
  CHECK(swept_values("a=range(3)") == std::vector<OverrideValue>{integer(0), integer(1), integer(2)});
  CHECK(swept_values("a=range(-2,3,2)") == std::vector<OverrideValue>{integer(-2), integer(0), integer(2)});
}

TEST_CASE("float ranges are start + i*step, stop excluded") {
  CHECK(swept_values("a=range(0,1,0.25)") == std::vector<OverrideValue>{real(0), real(0.25), real(0.5), real(0.75)});
  CHECK(job_texts({"a=range(1.0,2.0,0.5)"}) == std::vector<std::vector<std::string>>{{"a=1.0"}, {"a=1.5"}});
  // 3 * 0.1 is 0.30000000000000004, which is not below 0.3: three values, not four.
  CHECK(swept_values("a=range(0,0.3,0.1)") == std::vector<OverrideValue>{real(0), real(0.1), real(0.2)});
  const auto tenths = swept_values("a=range(0,1,0.1)");
  REQUIRE(tenths.size() == 10);
  CHECK(tenths[3] == real(0.30000000000000004));
  CHECK(tenths[9] == real(0.9));
  CHECK(swept_values("a=range(1,0,-0.5)") == std::vector<OverrideValue>{real(1), real(0.5)});
  CHECK(range_values(parse_override("a=range(0,1,0.25)").sweep.value()) == swept_values("a=range(0,1,0.25)"));
}

TEST_CASE("glob picks sorted group options by include and exclude patterns") {
  CHECK(swept_values("model=glob(*)", kModels) ==
        std::vector<OverrideValue>{word("cogvideox_2b"), word("cogvideox_5b"), word("unet"), word("vit_b"),
                                   word("vit_l")});
  CHECK(swept_values("model=glob([vit_*, cog*], exclude=*_5b)", kModels) ==
        std::vector<OverrideValue>{word("cogvideox_2b"), word("vit_b"), word("vit_l")});
  CHECK(swept_values("model=glob(include=vit_?, exclude=[vit_l])", kModels) ==
        std::vector<OverrideValue>{word("vit_b")});
  CHECK(job_texts({"+model@enc=glob(u*)"}, kModels) == std::vector<std::vector<std::string>>{{"+model@enc=unet"}});
}

TEST_CASE("glob patterns match whole names") {
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("a*b*c", "aXbYbZc"));
  CHECK_FALSE(glob_match("a*b*c", "aXbYbZ"));
  CHECK(glob_match("**x", "x"));
  CHECK_FALSE(glob_match("vit", "vit_b"));
  CHECK(glob_match("vit*", "vit_b"));
}

TEST_CASE("expansion errors name the override") {
  CHECK(expansion_error({"model=glob(z*)"}, kModels) ==
        "override 'model=glob(z*)': glob(include=[z*]) matches none of the 5 options of group 'model'");
  CHECK(expansion_error({"model=glob(*)"}) ==
        "override 'model=glob(*)': glob(include=[*]) needs the options of group 'model', which are not available here");
  CHECK(expansion_error({"a=range(1000)", "b=range(100)", "c=1,2"}) ==
        "override 'c=1,2': the sweeps expand to more than 100000 jobs");

  Override deleting = parse_override("~a");
  deleting.sweep = Sweep();
  deleting.sweep->kind = SweepKind::kChoice;
  deleting.sweep->values = {integer(1)};
  CHECK_THROWS_WITH(expand_sweeps({deleting}, nullptr), "override '~a': a delete override cannot sweep");
  Override empty = parse_override("a=1,2");
  empty.sweep->values.clear();
  CHECK_THROWS_WITH(expand_sweeps({empty}, nullptr), "override 'a=1,2': the sweep has no values");
  Override backwards = parse_override("a=range(3)");
  backwards.sweep->step = -1;
  CHECK_THROWS_WITH(expand_sweeps({backwards}, nullptr),
                    "override 'a=range(3)': range(0,3,-1) steps away from its stop");
}
