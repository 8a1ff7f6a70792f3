// Edit distance and suggestions against hand-worked cases.
#include "core/strings.h"
#include "support/catch.h"

using namespace astraea;

TEST_CASE("edit distance matches hand-worked cases", "[core][strings]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);  // k->s, e->i, +g
  CHECK(edit_distance("flaw", "lawn") == 2);       // -f, +n
  CHECK(edit_distance("num_layrs", "num_layers") == 1);
}

TEST_CASE("closest match suggests only plausible typos", "[core][strings]") {
  const std::vector<std::string> keys = {"num_layers", "num_attention_heads", "patch_size"};
  CHECK(closest_match("num_layrs", keys) == std::optional<std::string>("num_layers"));
  CHECK(closest_match("patch_sise", keys) == std::optional<std::string>("patch_size"));
  CHECK_FALSE(closest_match("completely_different", keys).has_value());
  CHECK_FALSE(closest_match("x", {}).has_value());
}

TEST_CASE("split keeps empty fields", "[core][strings]") {
  CHECK(split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string>{""});
}
