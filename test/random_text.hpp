#pragma once

// Random text for the equivalence suites (concurrent_equivalence_test,
// spill_test): lines of words from a small vocabulary (case variants,
// apostrophes, digits, UTF-8 and Latin-1) and random ones, with separators,
// CRLF and LF, empty lines, NUL and high bytes, long lines that share a
// prefix, as a Style asks. Header-only.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>

namespace mapreduce::test {

// How a random text is made.
struct Style {
  std::size_t bytes = 0;       // about this many
  double crlf = 0;             // share of line ends that are "\r\n"
  double lone_cr = 0;          // chance per line of a '\r' inside it
  double odd_bytes = 0;        // chance per token of NUL or a byte >= 0x80
  double empty_lines = 0;      // share of empty lines
  double long_lines = 0;       // share of lines of 600 to 6600 bytes that share a 600-byte prefix
  std::size_t max_words = 12;  // per line
  bool final_newline = true;
};

inline const char* const kVocabulary[] = {
    "the",     "The",       "THE", "a",     "map",   "reduce",  "don't",  "it's",   "snake_case",
    "x1",      "42",        "0",   "Zebra", "zebra", "_",       "'",      "''",     "na\xc3\xafve",
    "caf\xe9", "mapreduce", "key", "value", "line",  "process", "worker", "shared", "memory"};
inline const char* const kSeparators[] = {" ", " ", " ", "  ", "\t", ", ", ". ", "-", "(", ")", "\"", ";"};

template <class Array>
const char* pick(std::mt19937_64& rng, const Array& array) {
  return array[std::uniform_int_distribution<std::size_t>(0, std::size(array) - 1)(rng)];
}

inline bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

inline std::string random_word(std::mt19937_64& rng) {
  if (chance(rng, 0.7)) return pick(rng, kVocabulary);
  std::string word;
  const int length = std::uniform_int_distribution<int>(1, 10)(rng);
  for (int i = 0; i < length; ++i)
    word += static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(rng));
  return word;
}

inline std::string random_line(std::mt19937_64& rng, const Style& style) {
  if (chance(rng, style.long_lines)) {
    return std::string(600, 'L') +
           std::string(std::uniform_int_distribution<std::size_t>(0, 6000)(rng), 'q') +
           std::to_string(std::uniform_int_distribution<int>(0, 2)(rng));
  }
  std::string line;
  if (chance(rng, style.empty_lines)) return line;
  const std::size_t words = std::uniform_int_distribution<std::size_t>(1, style.max_words)(rng);
  for (std::size_t w = 0; w < words; ++w) {
    if (w > 0) line += pick(rng, kSeparators);
    if (chance(rng, style.odd_bytes)) {
      line +=
          chance(rng, 0.5) ? '\0' : static_cast<char>(std::uniform_int_distribution<int>(0x80, 0xff)(rng));
    }
    line += random_word(rng);
  }
  if (chance(rng, style.lone_cr))
    line.insert(std::uniform_int_distribution<std::size_t>(0, line.size())(rng), 1, '\r');
  return line;
}

inline std::string random_text(std::mt19937_64& rng, const Style& style) {
  std::string text;
  while (text.size() < style.bytes) {
    text += random_line(rng, style);
    text += chance(rng, style.crlf) ? "\r\n" : "\n";
  }
  if (!style.final_newline) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  }
  return text;
}

// Uniformly random bytes: NUL, high bytes, '\r' and '\n' wherever they fall.
inline std::string random_bytes(std::mt19937_64& rng, std::size_t bytes) {
  std::string text(bytes, '\0');
  for (char& c : text) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return text;
}

}  // namespace mapreduce::test
