// word_count: counts the words of a text file, printing `word<TAB>count` lines
// in byte order of the words. A word is a maximal run of ASCII letters, digits,
// underscores and apostrophes, case kept: what the Python module's example
// matches with the regular expression [\w']+ on byte strings.
//
//   word_count [-o OUT] [-p N | --sequential] FILE

#include <cstdint>
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

  // Adds up the counts of a word within a map task, so that each task passes
  // on one count per distinct word.
  void combiner(std::string_view, std::int64_t& total, std::int64_t count) { total += count; }

  // Python: return word, sum(counts)
  std::pair<std::string_view, std::int64_t> reducer(std::string_view word, Values counts) {
    std::int64_t total = 0;
    for (std::int64_t count : counts) total += count;
    return {word, total};
  }
};

int main(int argc, char** argv) {
  return mapreduce::run_main<WordCount>(
      argc, argv, "Counts the words of INPUT: maximal runs of [A-Za-z0-9_'], case kept.");
}
