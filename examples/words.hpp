#pragma once
// The examples' one rule for words, word_count's: a word is a maximal run of
// ASCII letters, digits, underscores and apostrophes, case kept (what the
// Python module matches with [\w']+ on byte strings).

#include <array>
#include <cstddef>
#include <string_view>

namespace examples {

inline constexpr std::array<bool, 256> kWordByte = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '\'';
  }
  return table;
}();

inline bool is_word_byte(char c) { return kWordByte[static_cast<unsigned char>(c)]; }

namespace detail {

// The rule byte by byte.
template <class F>
void for_each_word_bytewise(std::string_view text, F&& f) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_byte(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && is_word_byte(text[i])) ++i;
    if (i > start) f(text.substr(start, i - start));
  }
}

}  // namespace detail

// Calls f(word) for each word of `text`, in order; each word is a view into
// `text`.
template <class F>
void for_each_word(std::string_view text, F&& f) {
  detail::for_each_word_bytewise(text, f);
}

}  // namespace examples
