// A word-level tokenizer over a fixed vocabulary: the text stand-in for T5 in the embedded tiny
// model. Text is lowercased (ASCII) and split into words at whitespace and ASCII punctuation;
// each word maps to its id. Ids 0..2 are the special tokens, then the words in the order given,
// so a vocabulary may only grow at the end (trained embeddings are indexed by these ids).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace astraea::data {

inline constexpr std::int64_t kPadId = 0;  // fills an encoding up to max_length; mask 0
inline constexpr std::int64_t kUnkId = 1;  // a word outside the vocabulary (lenient mode)
inline constexpr std::int64_t kEosId = 2;  // ends the text
inline constexpr std::int64_t kSpecialTokenCount = 3;
inline constexpr std::string_view kPadToken = "<pad>";
inline constexpr std::string_view kUnkToken = "<unk>";
inline constexpr std::string_view kEosToken = "<eos>";

struct TokenizerOptions {
  // An unknown word is an error naming the closest known word (true) or becomes <unk> (false).
  bool strict = true;
  // End every encoding with <eos>, as T5 does; truncation keeps it.
  bool append_eos = true;
};

// A fixed-length encoding: ids and mask both hold max_length entries; the mask is 1 for text
// tokens (and <eos>) and 0 for padding.
struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> mask;
};

// Lowercases ASCII letters and splits at ASCII whitespace and punctuation; other bytes (digits,
// UTF-8 sequences) stay inside words. "A red-square, moves!" -> {"a", "red", "square", "moves"}.
std::vector<std::string> split_words(std::string_view text);

class Tokenizer {
 public:
  // Throws astraea::Error for an empty vocabulary, a duplicate word, or a word that
  // split_words would not return unchanged (upper case, punctuation, spaces, empty).
  explicit Tokenizer(std::vector<std::string> words, TokenizerOptions options = {});

  // Special tokens plus words.
  std::size_t vocabulary_size() const { return tokens_.size(); }
  const TokenizerOptions& options() const { return options_; }

  // The id of `word` (already split and lowercased), or kUnkId when it is not known.
  std::int64_t id(std::string_view word) const;
  // The token for `id` (a word or "<pad>", "<unk>", "<eos>"); throws when out of range.
  const std::string& token(std::int64_t id) const;

  // The ids of the text's words, without <eos> or padding. Strict mode throws astraea::Error
  // for an unknown word, quoting it and the text and naming the closest known word (or, when
  // none is close, the whole vocabulary).
  std::vector<std::int64_t> ids(std::string_view text) const;

  // ids(text), then <eos> when append_eos, truncated to max_length (keeping <eos> last) and
  // padded with <pad> to max_length. Throws for max_length < 1.
  Encoding encode(std::string_view text, int max_length) const;

  // The words of `ids` joined by single spaces, skipping <pad> and <eos>; <unk> appears as
  // "<unk>". Throws for an id outside the vocabulary.
  std::string decode(std::span<const std::int64_t> ids) const;

 private:
  std::vector<std::string> tokens_;
  std::map<std::string, std::int64_t, std::less<>> ids_;
  TokenizerOptions options_;
};

}  // namespace astraea::data
