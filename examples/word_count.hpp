#pragma once
// The word count job of word_count and of top_words' first step: a word is a
// maximal run of ASCII letters, digits, underscores and apostrophes, case
// kept (words.hpp); prints `word<TAB>count` in byte order of the words.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "words.hpp"
#include <mapreduce/mapreduce.hpp>

class WordCount final : public mapreduce::MapReduceConcurrent<WordCount, std::string, std::int64_t> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  // Python: for word in WORD_RE.findall(line): yield word, 1
  void mapper(std::string_view line, Emitter& emit) {
    examples::for_each_word(line, [&](std::string_view word) { emit(word, 1); });
  }

  // Adds up the counts of a word before they are passed on to reduce.
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }
  // A sum of integers is the same in any grouping and order, so the engine may
  // combine a word's counts across all the map tasks a process runs.
  static constexpr bool combine_in_any_order = true;

  // Python: return word, sum(counts)
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t count : counts) total += count;
    return {word, total};
  }
};
