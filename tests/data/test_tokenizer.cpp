// The word-level tokenizer: ids by hand from the vocabulary order, splitting and lowercasing,
// <eos>, padding and truncation, lenient and strict unknown words, and decode as the inverse.
#include "core/error.h"
#include "data/tokenizer.h"
#include "support/catch.h"

#include <cstdint>
#include <string>
#include <vector>

using astraea::data::Encoding;
using astraea::data::Tokenizer;
using astraea::data::TokenizerOptions;
using Ids = std::vector<std::int64_t>;

namespace {

// Ids by hand: <pad> 0, <unk> 1, <eos> 2, then "the" 3, "cat" 4, "sat" 5, "mat" 6, "on" 7.
Tokenizer small_tokenizer(TokenizerOptions options = {}) { return Tokenizer({"the", "cat", "sat", "mat", "on"}, options); }

}  // namespace

TEST_CASE("split_words lowercases and splits at whitespace and punctuation", "[data][tokenizer]") {
  using astraea::data::split_words;
  CHECK(split_words("A red-square,  moves!\tLEFT\n") == std::vector<std::string>{"a", "red", "square", "moves", "left"});
  CHECK(split_words("") == std::vector<std::string>{});
  CHECK(split_words(" .,;:!? ") == std::vector<std::string>{});
  CHECK(split_words("cat9 x2") == std::vector<std::string>{"cat9", "x2"});          // digits stay in words
  CHECK(split_words("r\xC3\xB8" "d cat") == std::vector<std::string>{"r\xC3\xB8" "d", "cat"});  // UTF-8 stays in words
}

TEST_CASE("ids follow the special tokens, then the words in order", "[data][tokenizer]") {
  const Tokenizer tokenizer = small_tokenizer();
  CHECK(tokenizer.vocabulary_size() == 8);
  CHECK(tokenizer.id("the") == 3);
  CHECK(tokenizer.id("on") == 7);
  CHECK(tokenizer.id("dog") == astraea::data::kUnkId);
  CHECK(tokenizer.token(0) == "<pad>");
  CHECK(tokenizer.token(1) == "<unk>");
  CHECK(tokenizer.token(2) == "<eos>");
  CHECK(tokenizer.token(4) == "cat");
  CHECK_THROWS_WITH(tokenizer.token(8), Catch::Contains("id 8 is outside the vocabulary [0, 8)"));
  CHECK_THROWS_AS(tokenizer.token(-1), astraea::Error);
  CHECK(tokenizer.ids("The cat, sat on the MAT.") == Ids{3, 4, 5, 7, 3, 6});
}

TEST_CASE("encode appends <eos>, pads to max_length and masks the padding", "[data][tokenizer]") {
  const Tokenizer tokenizer = small_tokenizer();
  const Encoding encoding = tokenizer.encode("the cat sat", 7);
  CHECK(encoding.ids == Ids{3, 4, 5, 2, 0, 0, 0});
  CHECK(encoding.mask == Ids{1, 1, 1, 1, 0, 0, 0});

  const Encoding exact = tokenizer.encode("the cat sat", 4);
  CHECK(exact.ids == Ids{3, 4, 5, 2});
  CHECK(exact.mask == Ids{1, 1, 1, 1});

  const Encoding empty = tokenizer.encode("  ", 3);
  CHECK(empty.ids == Ids{2, 0, 0});
  CHECK(empty.mask == Ids{1, 0, 0});

  const Tokenizer no_eos = small_tokenizer({.strict = true, .append_eos = false});
  CHECK(no_eos.encode("the cat", 3).ids == Ids{3, 4, 0});
  CHECK(no_eos.encode("the cat", 3).mask == Ids{1, 1, 0});
}

TEST_CASE("truncation keeps <eos> last", "[data][tokenizer]") {
  const Tokenizer tokenizer = small_tokenizer();
  CHECK(tokenizer.encode("the cat sat on the mat", 4).ids == Ids{3, 4, 5, 2});
  CHECK(tokenizer.encode("the cat sat on the mat", 1).ids == Ids{2});
  CHECK(tokenizer.encode("the cat sat on the mat", 4).mask == Ids{1, 1, 1, 1});

  const Tokenizer no_eos = small_tokenizer({.strict = true, .append_eos = false});
  CHECK(no_eos.encode("the cat sat on the mat", 4).ids == Ids{3, 4, 5, 7});
  CHECK_THROWS_WITH(tokenizer.encode("the cat", 0), Catch::Contains("max_length must be at least 1, got 0"));
}

TEST_CASE("decode is the inverse of encode on known words", "[data][tokenizer]") {
  const Tokenizer tokenizer = small_tokenizer();
  const Encoding encoding = tokenizer.encode("The cat sat, on the mat!", 10);
  CHECK(tokenizer.decode(encoding.ids) == "the cat sat on the mat");
  CHECK(tokenizer.decode(Ids{0, 0}).empty());
  CHECK(tokenizer.decode(Ids{3, 1, 2, 0}) == "the <unk>");
  CHECK_THROWS_WITH(tokenizer.decode(Ids{3, 99}), Catch::Contains("id 99 is outside the vocabulary"));
}

TEST_CASE("strict mode names the closest known word; lenient mode maps to <unk>", "[data][tokenizer]") {
  const Tokenizer strict = small_tokenizer();
  CHECK_THROWS_WITH(strict.ids("the cta sat"),
                    Catch::Contains("unknown word \"cta\" in \"the cta sat\"; did you mean \"cat\"?"));
  // Nothing close: the message lists the vocabulary instead.
  CHECK_THROWS_WITH(strict.ids("the elephant"),
                    Catch::Contains("unknown word \"elephant\"") && Catch::Contains("the vocabulary is: the, cat, sat, mat, on"));

  const Tokenizer lenient = small_tokenizer({.strict = false, .append_eos = true});
  CHECK(lenient.ids("the cta sat") == Ids{3, 1, 5});
  CHECK(lenient.encode("dog", 3).ids == Ids{1, 2, 0});
}

TEST_CASE("a vocabulary must be non-empty, unique and already normalised", "[data][tokenizer]") {
  CHECK_THROWS_WITH(Tokenizer({}), Catch::Contains("the vocabulary is empty"));
  CHECK_THROWS_WITH(Tokenizer({"cat", "dog", "cat"}), Catch::Contains("\"cat\" appears twice"));
  CHECK_THROWS_WITH(Tokenizer({"Cat"}), Catch::Contains("\"Cat\" is not a single lowercase word"));
  CHECK_THROWS_WITH(Tokenizer({"red square"}), Catch::Contains("is not a single lowercase word"));
  CHECK_THROWS_WITH(Tokenizer({""}), Catch::Contains("is not a single lowercase word"));
}
