#include <iterator>
#include <string>
#include <string_view>

#include "config/override.h"
#include "core/error.h"
#include "support/catch.h"

namespace {

using astraea::config::kMaxOverrideNesting;
using astraea::config::parse_override;

struct Malformed {
  std::string_view text;
  std::string_view problem;  // the expected message after "override 'TEXT': "
};

// Columns count from 1 and were worked out by hand.
constexpr Malformed kMalformed[] = {
    {"", "empty key at column 1"},
    {"=v", "empty key at column 1"},
    {"+=v", "empty key at column 2"},
    {"~", "empty key at column 2"},
    {"a", "missing '=' after the key at column 2"},
    {"+a", "missing '=' after the key at column 3"},
    {"a..b=1", "empty key segment at column 3"},
    {".a=1", "empty key segment at column 1"},
    {"a.=1", "empty key segment at column 3"},
    {"+~x=1", "unexpected '~' after the prefix '+' at column 2"},
    {"+++x=1", "unexpected '+' after the prefix '++' at column 3"},
    {"~~x", "unexpected '~' after the prefix '~' at column 2"},
    {"~+x", "unexpected '+' after the prefix '~' at column 2"},
    {"a b=1", "unexpected character ' ' in the key at column 2"},
    {"a/b.c=1", "key mixes '.' and '/' separators at column 4"},
    {"a@=1", "empty package at column 3"},
    {"a@b@c=1", "unexpected character '@' in the package at column 4"},
    {"a@b/c=1", "unexpected character '/' in the package at column 4"},
    {"-a=1", "a key segment cannot start with '-' at column 1"},
    {"a.b=[1,2", "unclosed '[' opened at column 5"},
    {"a={b:1", "unclosed '{' opened at column 3"},
    {"a='abc", "unclosed quote (') opened at column 3"},
    {"a=\"abc", "unclosed quote (\") opened at column 3"},
    {"a=${x", "unclosed '${' opened at column 3"},
    {"a=choice(1,2", "unclosed '(' opened at column 9"},
    {"a=[1,,2]", "missing list element at column 6"},
    {"a=[1,]", "missing list element at column 6"},
    {"a=1,,2", "missing sweep value after ',' at column 5"},
    {"a=1,", "missing sweep value after ',' at column 5"},
    {"a=]", "unexpected ']' where a value should be (write '\\]' for a literal one) at column 3"},
    {"a=1]", "unexpected ']' after the value (write '\\]' for a literal one) at column 4"},
    {"a=b=c", "unexpected '=' after the value (write '\\=' for a literal one) at column 4"},
    {"a=(1)", "unexpected '(' where a value should be (write '\\(' for a literal one) at column 3"},
    {"a=x'y", "unexpected quote (') after the value at column 4"},
    {"a='x'y", "unexpected 'y' after the value at column 6"},
    {"a=[1 2}", "unexpected '}' after a list element (expected ',' or ']') at column 7"},
    {"a=foo(1)", "unknown function 'foo' (sweeps are choice, range and glob) at column 3"},
    {"a=[foo(1)]", "unknown function 'foo' (sweeps are choice, range and glob) at column 4"},
    {"a=[choice(1,2)]", "sweep 'choice(...)' must be the whole value at column 4"},
    {"a=1,choice(2)", "sweep 'choice(...)' must be the whole value at column 5"},
    {"a=choice(1),2", "a sweep function cannot be joined to other values with ',' at column 12"},
    {"a=choice()", "choice() needs at least one value at column 3"},
    {"a=choice(x=1)", "choice() takes no named arguments (got 'x=') at column 10"},
    {"a=choice(1,,2)", "missing argument of choice() at column 12"},
    {"a=range(1,5,0)", "range(1,5,0) has a zero step at column 3"},
    {"a=range(5,1)", "range(5,1,1) steps away from its stop at column 3"},
    {"a=range(1,5,-1)", "range(1,5,-1) steps away from its stop at column 3"},
    {"a=range(0.5,0,0.1)", "range(0.5,0.0,0.1) steps away from its stop at column 3"},
    {"a=range(3,3)", "range(3,3,1) is empty at column 3"},
    {"a=range(x)", "range() argument 'stop' must be a number, not 'x' at column 9"},
    {"a=range(1,2,3,4)", "range() takes at most 3 arguments at column 15"},
    {"a=range(start=1,5)", "positional argument after a named one at column 17"},
    {"a=range(step=2)", "range() needs a stop value at column 3"},
    {"a=range(1,stop=2,stop=3)", "range() argument 'stop' is given twice at column 18"},
    {"a=range(9007199254740993)", "range() argument 'stop' is beyond the exact integers of a double at column 9"},
    {"a=range(inf)", "range(0.0,inf,1.0) needs finite numbers at column 3"},
    {"a=range(0,1,1e-300)", "range(0.0,1.0,1e-300) has more than 10000 values at column 3"},
    {"a=range(1e16,1e16+4,0.5)", "range() argument 'stop' must be a number, not '1e16+4' at column 14"},
    {"a=range(1e16,1.0000000000000004e16,0.5)",
     "range(1e+16,1.0000000000000004e+16,0.5) has a step too small to tell its values apart at column 3"},
    {"a=glob()", "glob() needs at least one include pattern at column 3"},
    {"a=glob([])", "glob() needs at least one include pattern at column 3"},
    {"a=glob(*,foo=x)", "glob() has no parameter 'foo' at column 10"},
    {"a=glob(null)", "glob() include patterns must be strings, not 'null' at column 8"},
    {"~a=1,2", "a delete override cannot sweep at column 4"},
    {"~a=choice(1,2)", "a delete override cannot sweep at column 4"},
    {"~a=", "missing value after '=' (write '~key' to delete whatever the value) at column 4"},
    {"a={b:1,b:2}", "duplicate dict key 'b' at column 8"},
    {"a={:1}", "expected a dict key, found ':' at column 4"},
    {"a={b:1,}", "expected a dict key, found '}' at column 8"},
    {"a={b 1}", "unexpected '1' after dict key 'b' (expected ':') at column 6"},
    {"a={b:}", "missing value for dict key 'b' at column 6"},
    {"a={b:[1}", "unexpected '}' after a list element (expected ',' or ']') at column 8"},
    {"a=99999999999999999999", "integer '99999999999999999999' is out of range at column 3"},
    {"a=1e999", "float '1e999' is out of range at column 3"},
};

// Runs parse_override(text) and returns the message of the kConfig error it must throw.
std::string config_error(std::string_view text) {
  try {
    parse_override(text);
  } catch (const astraea::Error& error) {
    CHECK(error.kind() == astraea::ErrorKind::kConfig);
    return error.what();
  }
  FAIL("accepted a malformed override: " << text);
  return {};
}

}  // namespace

TEST_CASE("malformed overrides fail with one-line config errors") {
  static_assert(std::size(kMalformed) >= 30);
  for (const auto& [text, problem] : kMalformed) {
    INFO("override: " << text);
    const std::string message = config_error(text);
    CHECK(message == "override '" + std::string(text) + "': " + std::string(problem));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("nesting deeper than the limit is an error, not a crash") {
  const std::string deep = "a=" + std::string(kMaxOverrideNesting + 1, '[');
  const std::string message = config_error(deep);
  CHECK(message == "override '" + deep + "': nesting deeper than 64 levels at column 67");
  const std::string fine = "a=" + std::string(kMaxOverrideNesting, '[') + std::string(kMaxOverrideNesting, ']');
  CHECK_NOTHROW(parse_override(fine));
}

TEST_CASE("control characters are shown escaped so the message stays on one line") {
  const std::string message = config_error("a=x\ny");
  CHECK(message == "override 'a=x\\x0ay': unexpected control character at column 4");
}
