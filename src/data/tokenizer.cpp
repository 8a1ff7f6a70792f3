#include "data/tokenizer.h"

#include "core/error.h"
#include "core/strings.h"

#include <fmt/ranges.h>

namespace astraea::data {
namespace {

bool is_separator(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return false;  // part of a UTF-8 sequence: keep it in the word
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const bool digit = c >= '0' && c <= '9';
  return !letter && !digit;
}

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (const char c : text) {
    if (is_separator(c)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(to_lower(c));
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

Tokenizer::Tokenizer(std::vector<std::string> words, TokenizerOptions options) : options_(options) {
  if (words.empty()) fail("tokenizer: the vocabulary is empty");
  tokens_ = {std::string(kPadToken), std::string(kUnkToken), std::string(kEosToken)};
  for (auto& word : words) {
    const std::vector<std::string> split = split_words(word);
    if (split.size() != 1 || split.front() != word) {
      fail("tokenizer: vocabulary word \"{}\" is not a single lowercase word", word);
    }
    const auto next_id = static_cast<std::int64_t>(tokens_.size());
    if (!ids_.emplace(word, next_id).second) fail("tokenizer: vocabulary word \"{}\" appears twice", word);
    tokens_.push_back(std::move(word));
  }
}

std::int64_t Tokenizer::id(std::string_view word) const {
  const auto found = ids_.find(word);
  return found == ids_.end() ? kUnkId : found->second;
}

const std::string& Tokenizer::token(std::int64_t id) const {
  if (id < 0 || id >= static_cast<std::int64_t>(tokens_.size())) {
    fail("tokenizer: id {} is outside the vocabulary [0, {})", id, tokens_.size());
  }
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> Tokenizer::ids(std::string_view text) const {
  std::vector<std::int64_t> result;
  for (const auto& word : split_words(text)) {
    const std::int64_t word_id = id(word);
    if (word_id == kUnkId && options_.strict) {
      const std::vector<std::string> known(tokens_.begin() + kSpecialTokenCount, tokens_.end());
      if (const auto suggestion = closest_match(word, known)) {
        fail("tokenizer: unknown word \"{}\" in \"{}\"; did you mean \"{}\"?", word, text, *suggestion);
      }
      fail("tokenizer: unknown word \"{}\" in \"{}\"; the vocabulary is: {}", word, text, fmt::join(known, ", "));
    }
    result.push_back(word_id);
  }
  return result;
}

Encoding Tokenizer::encode(std::string_view text, int max_length) const {
  if (max_length < 1) fail("tokenizer: max_length must be at least 1, got {}", max_length);
  std::vector<std::int64_t> text_ids = ids(text);
  const auto length = static_cast<std::size_t>(max_length);
  const std::size_t room = options_.append_eos ? length - 1 : length;
  if (text_ids.size() > room) text_ids.resize(room);
  if (options_.append_eos) text_ids.push_back(kEosId);

  Encoding encoding;
  encoding.ids.assign(length, kPadId);
  encoding.mask.assign(length, 0);
  for (std::size_t i = 0; i < text_ids.size(); ++i) {
    encoding.ids[i] = text_ids[i];
    encoding.mask[i] = 1;
  }
  return encoding;
}

std::string Tokenizer::decode(std::span<const std::int64_t> ids) const {
  std::string text;
  for (const std::int64_t token_id : ids) {
    const std::string& word = token(token_id);
    if (token_id == kPadId || token_id == kEosId) continue;
    if (!text.empty()) text.push_back(' ');
    text += word;
  }
  return text;
}

}  // namespace astraea::data
