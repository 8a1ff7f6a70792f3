// Interpolation against hand-worked values: absolute, relative, typed whole-node references,
// string embedding, resolvers, mandatory values and cycles.
#include "config/interpolation.h"
#include "core/error.h"
#include "support/catch.h"

#include <cstdlib>

using astraea::config::resolve_interpolations;

namespace {

YAML::Node resolve(const std::string& text) { return resolve_interpolations(YAML::Load(text)); }

}  // namespace

TEST_CASE("absolute and relative references", "[config][interpolation]") {
  const auto r = resolve(
      "a:\n  b: 3\n  c: ${a.b}\n  d: ${.b}\n  e:\n    f: ${..b}\n"
      "g: x${a.b}y\nh: ${a}\n");
  CHECK(r["a"]["c"].as<int>() == 3);
  CHECK(r["a"]["d"].as<int>() == 3);
  CHECK(r["a"]["e"]["f"].as<int>() == 3);
  CHECK(r["g"].as<std::string>() == "x3y");
  REQUIRE(r["h"].IsMap());  // a whole-node reference keeps the mapping
  CHECK(r["h"]["b"].as<int>() == 3);
}

TEST_CASE("chains resolve in any order; lists are addressable", "[config][interpolation]") {
  const auto r = resolve("x: ${y}\ny: ${z}\nz: [10, 20]\nw: ${z.1}\nv: ${x}\n");
  CHECK(r["x"].size() == 2);
  CHECK(r["w"].as<int>() == 20);
  CHECK(r["v"][0].as<int>() == 10);
}

TEST_CASE("oc.env and now resolvers", "[config][interpolation]") {
  setenv("ASTRAEA_TEST_VAR", "hello", 1);
  unsetenv("ASTRAEA_TEST_UNSET");
  astraea::config::InterpolationContext context;
  std::tm fixed{};
  fixed.tm_year = 2026 - 1900;
  fixed.tm_mon = 10;
  fixed.tm_mday = 27;
  fixed.tm_hour = 13;
  fixed.tm_min = 5;
  fixed.tm_sec = 9;
  fixed.tm_isdst = -1;
  context.now = std::chrono::system_clock::from_time_t(std::mktime(&fixed));
  const auto r = resolve_interpolations(
      YAML::Load("a: ${oc.env:ASTRAEA_TEST_VAR}\nb: ${oc.env:ASTRAEA_TEST_UNSET,fallback}\n"
                 "c: out/${now:%Y-%m-%d}/${now:%H-%M-%S}\nd: ${oc.env:ASTRAEA_TEST_UNSET,null}\ne: '\\${literal}'\n"),
      context);
  CHECK(r["a"].as<std::string>() == "hello");
  CHECK(r["b"].as<std::string>() == "fallback");
  CHECK(r["c"].as<std::string>() == "out/2026-11-27/13-05-09");
  CHECK(r["d"].IsNull());
  CHECK(r["e"].as<std::string>() == "${literal}");
  REQUIRE_THROWS_WITH(resolve("a: ${oc.env:ASTRAEA_TEST_UNSET}\n"), Catch::Contains("ASTRAEA_TEST_UNSET") && Catch::Contains("not set"));
}

TEST_CASE("cycles are detected and the chain is named", "[config][interpolation]") {
  REQUIRE_THROWS_WITH(resolve("a: ${b}\nb: ${c}\nc: ${a}\n"), Catch::Contains("interpolation cycle") && Catch::Contains("a -> b -> c -> a"));
  REQUIRE_THROWS_WITH(resolve("a: ${a}\n"), Catch::Contains("cycle"));
  REQUIRE_THROWS_WITH(resolve("a:\n  b: ${.b}\n"), Catch::Contains("cycle"));
}

TEST_CASE("missing keys, mandatory values and bad resolvers", "[config][interpolation]") {
  REQUIRE_THROWS_WITH(resolve("a: ${nope}\n"), Catch::Contains("'nope', which does not exist"));
  REQUIRE_THROWS_WITH(resolve("a: ???\nb: ${a}\n"), Catch::Contains("mandatory"));
  REQUIRE_THROWS_WITH(resolve("a: ${bogus:x}\n"), Catch::Contains("unknown resolver 'bogus'"));
  REQUIRE_THROWS_WITH(resolve("a: ${b\nb: 1\n"), Catch::Contains("unclosed"));
  REQUIRE_THROWS_WITH(resolve("a: {x: 1}\nb: pre${a}\n"), Catch::Contains("cannot be embedded"));
  REQUIRE_THROWS_WITH(resolve("a: ${...x}\n"), Catch::Contains("climbs above"));
  // An unresolved mandatory value that nobody reads is left for the typed decoder to report.
  CHECK(resolve("a: ???\n")["a"].as<std::string>() == "???");
}
