#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "config/override.h"
#include "config/override_builders.h"
#include "support/catch.h"

namespace {

using namespace astraea::config;
using namespace astraea::config::testing;

OverrideValue value_of(std::string_view text) {
  const Override parsed = parse_override(text);
  REQUIRE_FALSE(parsed.is_sweep());
  REQUIRE(parsed.value.has_value());
  return *parsed.value;
}

Sweep sweep_of(std::string_view text) {
  const Override parsed = parse_override(text);
  REQUIRE(parsed.is_sweep());
  REQUIRE_FALSE(parsed.value.has_value());
  return *parsed.sweep;
}

double double_of(std::string_view text) {
  const OverrideValue value = value_of(text);
  REQUIRE(std::holds_alternative<double>(value.data));
  return std::get<double>(value.data);
}

}  // namespace

TEST_CASE("override forms set kind, key, package and text") {
  SECTION("change") {
    const Override o = parse_override("method.sparsity=0.5");
    CHECK(o.kind == OverrideKind::kChange);
    CHECK(o.key == "method.sparsity");
    CHECK_FALSE(o.package.has_value());
    CHECK(o.value == real(0.5));
    CHECK(o.text == "method.sparsity=0.5");
  }
  SECTION("add and force add") {
    const Override add = parse_override("+trainer.seed=7");
    CHECK(add.kind == OverrideKind::kAdd);
    CHECK(add.key == "trainer.seed");
    CHECK(add.value == integer(7));
    const Override force = parse_override("++trainer.seed=8");
    CHECK(force.kind == OverrideKind::kForceAdd);
    CHECK(force.key == "trainer.seed");
    CHECK(force.value == integer(8));
  }
  SECTION("delete without and with a value") {
    const Override bare = parse_override("~method.sparsity");
    CHECK(bare.kind == OverrideKind::kDelete);
    CHECK(bare.key == "method.sparsity");
    CHECK_FALSE(bare.value.has_value());
    CHECK_FALSE(bare.is_sweep());
    const Override valued = parse_override("~method.sparsity=0.5");
    CHECK(valued.kind == OverrideKind::kDelete);
    CHECK(valued.value == real(0.5));
  }
  SECTION("group options, packages and group paths") {
    const Override plain = parse_override("model=cogvideox_2b");
    CHECK(plain.key == "model");
    CHECK(plain.value == word("cogvideox_2b"));
    const Override packaged = parse_override("db@backup.primary=mysql-8");
    CHECK(packaged.key == "db");
    CHECK(packaged.package == std::optional<std::string>("backup.primary"));
    CHECK(packaged.value == word("mysql-8"));
    const Override grouped = parse_override("+hydra/launcher@_global_=basic");
    CHECK(grouped.kind == OverrideKind::kAdd);
    CHECK(grouped.key == "hydra/launcher");
    CHECK(grouped.package == std::optional<std::string>("_global_"));
    const Override deleted = parse_override("~db@backup");
    CHECK(deleted.kind == OverrideKind::kDelete);
    CHECK(deleted.package == std::optional<std::string>("backup"));
  }
  SECTION("list indices and dashes are plain key segments") {
    CHECK(parse_override("layers.0.width=3").key == "layers.0.width");
    CHECK(parse_override("my-key_2.x-y=1").key == "my-key_2.x-y");
  }
}

TEST_CASE("null and booleans ignore case") {
  for (const auto* text : {"a=null", "a=NULL", "a=Null", "a=nUlL"}) CHECK(value_of(text) == null_value());
  for (const auto* text : {"a=true", "a=True", "a=TRUE"}) CHECK(value_of(text) == boolean(true));
  for (const auto* text : {"a=false", "a=False", "a=FALSE"}) CHECK(value_of(text) == boolean(false));
}

TEST_CASE("integers take a sign and '_' separators") {
  CHECK(value_of("a=0") == integer(0));
  CHECK(value_of("a=42") == integer(42));
  CHECK(value_of("a=-5") == integer(-5));
  CHECK(value_of("a=+7") == integer(7));
  CHECK(value_of("a=1_000") == integer(1000));
  CHECK(value_of("a=-1_000_000") == integer(-1000000));
  CHECK(value_of("a=9223372036854775807") == integer(std::numeric_limits<std::int64_t>::max()));
  CHECK(value_of("a=-9223372036854775808") == integer(std::numeric_limits<std::int64_t>::min()));
}

TEST_CASE("floats, infinities and NaN") {
  CHECK(double_of("a=1.5") == 1.5);
  CHECK(double_of("a=-2e-3") == -0.002);
  CHECK(double_of("a=.5") == 0.5);
  CHECK(double_of("a=1.") == 1.0);
  CHECK(double_of("a=1e3") == 1000.0);
  CHECK(double_of("a=2.5E+2") == 250.0);
  CHECK(double_of("a=1_000.25") == 1000.25);
  CHECK(double_of("a=-0.0") == 0.0);
  CHECK(std::signbit(double_of("a=-0.0")));
  CHECK(double_of("a=inf") == std::numeric_limits<double>::infinity());
  CHECK(double_of("a=+INF") == std::numeric_limits<double>::infinity());
  CHECK(double_of("a=-Inf") == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(double_of("a=nan")));
  CHECK(std::isnan(double_of("a=NaN")));
}

TEST_CASE("words that are not numbers stay strings") {
  CHECK(value_of("a=007") == word("007"));
  CHECK(value_of("a=1_") == word("1_"));
  CHECK(value_of("a=1__0") == word("1__0"));
  CHECK(value_of("a=_1") == word("_1"));
  CHECK(value_of("a=1e") == word("1e"));
  CHECK(value_of("a=infinity") == word("infinity"));
  CHECK(value_of("a=nullable") == word("nullable"));
  CHECK(value_of("a=1.2.3") == word("1.2.3"));
  CHECK(value_of("a=-") == word("-"));
}

TEST_CASE("unquoted strings are trimmed and unescaped") {
  CHECK(value_of("a=  hello world  ") == word("hello world"));
  CHECK(value_of("a=a\tb") == word("a\tb"));
  CHECK(value_of("a=") == word(""));
  CHECK(value_of("a=   ") == word(""));
  CHECK(value_of("a=/data/run-1/*.pt") == word("/data/run-1/*.pt"));
  CHECK(value_of("a=x:y@z") == word("x:y@z"));
  CHECK(value_of(R"(a=\\ \( \) \[ \] \{ \} \: \= \,)") == word(R"(\ ( ) [ ] { } : = ,)"));
  CHECK(value_of(R"(a=\ padded\ )") == word(" padded "));
  CHECK(value_of(R"(a=C:\dir\file)") == word(R"(C:\dir\file)"));
  CHECK(value_of(R"(a=1\,000)") == word("1,000"));
}

TEST_CASE("quoted strings are never converted") {
  CHECK(value_of("a='hello, world'") == quoted("hello, world"));
  CHECK(value_of("a=\"1\"") == quoted("1"));
  CHECK(value_of("a='true'") == quoted("true"));
  CHECK(value_of("a=''") == quoted(""));
  CHECK(value_of("a=  'x'  ") == quoted("x"));
  CHECK(value_of(R"(a='it\'s')") == quoted("it's"));
  CHECK(value_of(R"(a="say \"hi\"")") == quoted("say \"hi\""));
  CHECK(value_of(R"(a='back\\slash')") == quoted(R"(back\slash)"));
  CHECK(value_of(R"(a='C:\dir')") == quoted(R"(C:\dir)"));
  CHECK(value_of(R"(a="it's")") == quoted("it's"));
  CHECK(value_of("a='[1, 2]'") == quoted("[1, 2]"));
}

TEST_CASE("lists and dicts nest") {
  CHECK(value_of("a=[]") == list({}));
  CHECK(value_of("a=[ ]") == list({}));
  CHECK(value_of("a={}") == dict({}));
  CHECK(value_of("a=[a, b, [c]]") == list({word("a"), word("b"), list({word("c")})}));
  CHECK(value_of("a=[1, 2.5, null, true, 'x y']") ==
        list({integer(1), real(2.5), null_value(), boolean(true), quoted("x y")}));
  CHECK(value_of("a={k: v, k2: [1,2]}") == dict({{"k", word("v")}, {"k2", list({integer(1), integer(2)})}}));
  CHECK(value_of("a={'a key': 1, \"b\": {c.d: [], e/f: x:y}}") ==
        dict({{"a key", integer(1)}, {"b", dict({{"c.d", list({})}, {"e/f", word("x:y")}})}}));
  CHECK(value_of("a=[{x: 1}, {}]") == list({dict({{"x", integer(1)}}), dict({})}));
}

TEST_CASE("dict entries keep their order") {
  const OverrideValue value = value_of("a={z: 1, a: 2, m: 3}");
  const auto& entries = std::get<OverrideDict>(value.data);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].first == "z");
  CHECK(entries[1].first == "a");
  CHECK(entries[2].first == "m");
}

TEST_CASE("interpolations are kept verbatim") {
  CHECK(value_of("a=${model.dim}") == word("${model.dim}"));
  CHECK(value_of("a=${oc.env:HOME,/tmp}") == word("${oc.env:HOME,/tmp}"));
  CHECK(value_of("a=${oc.select:x.${y},{}}") == word("${oc.select:x.${y},{}}"));
  CHECK(value_of("a=${a}_${b}") == word("${a}_${b}"));
  CHECK(value_of("a=run-${now:%H:%M}") == word("run-${now:%H:%M}"));
  CHECK(value_of("a=${oc.env:X,'a}b'}") == word("${oc.env:X,'a}b'}"));
  CHECK(value_of("a=[${x,y}, z]") == list({word("${x,y}"), word("z")}));
  CHECK(value_of("a={k: ${a:b}}") == dict({{"k", word("${a:b}")}}));
  CHECK(value_of("a=$HOME") == word("$HOME"));
}

TEST_CASE("simple sweeps split the top level on commas") {
  const Sweep words = sweep_of("a=x, y ,z");
  CHECK(words.kind == SweepKind::kSimple);
  CHECK(words.values == std::vector<OverrideValue>{word("x"), word("y"), word("z")});
  CHECK(sweep_of("a=1,2.5,null").values == std::vector<OverrideValue>{integer(1), real(2.5), null_value()});
  CHECK(sweep_of("a=[1,2],[3]").values ==
        std::vector<OverrideValue>{list({integer(1), integer(2)}), list({integer(3)})});
  CHECK(sweep_of("a='p,q',r").values == std::vector<OverrideValue>{quoted("p,q"), word("r")});
  CHECK(sweep_of("a=${x,y},z").values == std::vector<OverrideValue>{word("${x,y}"), word("z")});
}

TEST_CASE("choice sweeps") {
  const Sweep sweep = sweep_of("a=choice(a, [b], {c: 1})");
  CHECK(sweep.kind == SweepKind::kChoice);
  CHECK(sweep.values == std::vector<OverrideValue>{word("a"), list({word("b")}), dict({{"c", integer(1)}})});
  CHECK(sweep_of("a=choice(only)").values == std::vector<OverrideValue>{word("only")});
}

TEST_CASE("range sweeps") {
  const auto check_range = [](std::string_view text, double start, double stop, double step, bool integer) {
    INFO(text);
    const Sweep sweep = sweep_of(text);
    CHECK(sweep.kind == SweepKind::kRange);
    CHECK(sweep.start == start);
    CHECK(sweep.stop == stop);
    CHECK(sweep.step == step);
    CHECK(sweep.range_is_integer == integer);
  };
  check_range("a=range(1,5)", 1, 5, 1, true);
  check_range("a=range(5)", 0, 5, 1, true);
  check_range("a=range(0,1,0.25)", 0, 1, 0.25, false);
  check_range("a=range(10, 0, -3)", 10, 0, -3, true);
  check_range("a=range(1.5)", 0, 1.5, 1, false);
  check_range("a=range(start=2, stop=4)", 2, 4, 1, true);
  check_range("a=range(0, stop=1, step=0.5)", 0, 1, 0.5, false);
}

TEST_CASE("glob sweeps") {
  const Sweep all = sweep_of("model=glob(*)");
  CHECK(all.kind == SweepKind::kGlob);
  CHECK(all.include == std::vector<std::string>{"*"});
  CHECK(all.exclude.empty());
  const Sweep listed = sweep_of("model=glob([a*,b*], exclude=c*)");
  CHECK(listed.include == std::vector<std::string>{"a*", "b*"});
  CHECK(listed.exclude == std::vector<std::string>{"c*"});
  const Sweep named = sweep_of("model=glob(include=[x?, 'y z'], exclude=[w, 1])");
  CHECK(named.include == std::vector<std::string>{"x?", "y z"});
  CHECK(named.exclude == std::vector<std::string>{"w", "1"});
}

TEST_CASE("sweeps may add but not delete") {
  const Override add = parse_override("+a=1,2");
  CHECK(add.kind == OverrideKind::kAdd);
  CHECK(add.sweep->values == std::vector<OverrideValue>{integer(1), integer(2)});
  const Override force = parse_override("++g@p=choice(x,y)");
  CHECK(force.kind == OverrideKind::kForceAdd);
  CHECK(force.package == std::optional<std::string>("p"));
  CHECK(force.sweep->values == std::vector<OverrideValue>{word("x"), word("y")});
}

TEST_CASE("NaN equals NaN, and types stay apart") {
  CHECK(real(std::nan("")) == real(std::nan("")));
  CHECK(real(1.0) != integer(1));
  CHECK(word("1") != quoted("1"));
  CHECK(word("1") != integer(1));
  CHECK(list({real(std::nan(""))}) == list({real(std::nan(""))}));
}
