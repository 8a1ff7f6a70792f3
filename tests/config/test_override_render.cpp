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

// parse_override("k=" + rendered) must give `value` back.
void check_reads_back(const OverrideValue& value) {
  const std::string rendered = "k=" + value.to_string();
  INFO("rendered: " << rendered);
  const Override again = parse_override(rendered);
  REQUIRE_FALSE(again.is_sweep());
  REQUIRE(again.value.has_value());
  CHECK(*again.value == value);
}

}  // namespace

TEST_CASE("parsed values render to hand-written canonical text") {
  struct Case {
    std::string_view text;
    std::string_view rendered;
  };
  const Case cases[] = {
      {"a=null", "null"},
      {"a=TRUE", "true"},
      {"a=+1_000", "1000"},
      {"a=-7", "-7"},
      {"a=1.0", "1.0"},
      {"a=1.", "1.0"},
      {"a=1e3", "1000.0"},
      {"a=-2e-3", "-0.002"},
      {"a=1e16", "1e+16"},
      {"a=.1", "0.1"},
      {"a=-0.0", "-0.0"},
      {"a=-INF", "-inf"},
      {"a=NaN", "nan"},
      {"a=  hello world ", "hello world"},
      {"a=", ""},
      {R"(a=\ x\ )", R"(\ x\ )"},
      {R"(a=\(a\,b\))", R"(\(a\,b\))"},
      {R"(a=C:\dir\)", R"(C:\dir\\)"},
      {R"(a=x\:y)", "x:y"},
      {"a=\"1\"", "'1'"},
      {R"(a="it's")", R"('it\'s')"},
      {R"(a='a\\b')", R"('a\\b')"},
      {"a=[a, b, [c]]", "[a,b,[c]]"},
      {"a={k: v, 'x y': [1, 2.5]}", "{k:v,'x y':[1,2.5]}"},
      {"a=[ ]", "[]"},
      {"a={ }", "{}"},
      {"a=${oc.env:HOME,/tmp}", "${oc.env:HOME,/tmp}"},
      {"a=pre ${x,y} post", "pre ${x,y} post"},
      {R"(a=$\{x\})", "${x}"},
  };
  for (const auto& [text, rendered] : cases) {
    INFO("override: " << text);
    const Override parsed = parse_override(text);
    REQUIRE(parsed.value.has_value());
    CHECK(parsed.value->to_string() == rendered);
    check_reads_back(*parsed.value);
  }
}

TEST_CASE("doubles render as the shortest text that reads back exactly") {
  for (const double value : {0.1, 1.0 / 3.0, 1e-320, 5e-324, 1.7976931348623157e308, 123456789.0, -1e-7, 2.5e21}) {
    check_reads_back(real(value));
  }
  CHECK(real(100000.0).to_string() == "100000.0");
  CHECK(real(0.1 + 0.2).to_string() == "0.30000000000000004");
  CHECK(real(std::numeric_limits<double>::infinity()).to_string() == "inf");
}

TEST_CASE("plain strings that would read as something else render quoted") {
  CHECK(word("1").to_string() == "'1'");
  CHECK(word("true").to_string() == "'true'");
  CHECK(word("null").to_string() == "'null'");
  CHECK(word("-inf").to_string() == "'-inf'");
  CHECK(word("it's").to_string() == R"('it\'s')");
  CHECK(word("\tx").to_string() == "'\tx'");
  CHECK(word("a\nb").to_string() == "'a\nb'");
  CHECK(list({word("")}).to_string() == "['']");
  CHECK(word("").to_string().empty());
}

TEST_CASE("built values read back from their rendering") {
  const OverrideValue nested = dict({
      {"plain", word("a b")},
      {"spaces", word("  two  ")},
      {"specials", word(R"(\()[]{}:=,)")},
      {"interpolated", word("${a.${b}}-${c:'}'}")},
      {"quoted", quoted("'\"\\")},
      {"key with spaces", list({integer(-3), real(-0.5), boolean(false), null_value(), list({}), dict({})})},
      {"", word("empty key")},
  });
  check_reads_back(nested);
  check_reads_back(word("x\ty"));
  check_reads_back(word(R"(a\)"));
  check_reads_back(word(R"(a\ b)"));
  check_reads_back(word("${unclosed"));
  check_reads_back(quoted(""));
  check_reads_back(integer(std::numeric_limits<std::int64_t>::min()));
}

TEST_CASE("sweeps and overrides render back to parseable text") {
  struct Case {
    std::string_view text;
    std::string_view rendered;
  };
  const Case cases[] = {
      {"a=1, 2 ,x", "a=1,2,x"},
      {"+a=choice([1], {b: c})", "+a=choice([1],{b:c})"},
      {"a=range(5)", "a=range(0,5,1)"},
      {"a=range(0, 1, 0.25)", "a=range(0.0,1.0,0.25)"},
      {"g=glob(*)", "g=glob(include=[*])"},
      {"++g@p=glob([a*, 'b c'], exclude=x?)", "++g@p=glob(include=[a*,b c],exclude=[x?])"},
      {"~a.b", "~a.b"},
      {"~a.b=[1]", "~a.b=[1]"},
      {"db@backup=mysql", "db@backup=mysql"},
  };
  for (const auto& [text, rendered] : cases) {
    INFO("override: " << text);
    const Override parsed = parse_override(text);
    CHECK(parsed.to_string() == rendered);
    const Override again = parse_override(parsed.to_string());
    CHECK(again.kind == parsed.kind);
    CHECK(again.key == parsed.key);
    CHECK(again.package == parsed.package);
    CHECK(again.value == parsed.value);
    CHECK(again.sweep == parsed.sweep);
  }
}
