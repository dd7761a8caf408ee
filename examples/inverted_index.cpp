// inverted_index: for every word of the inputs (word_count's rule), one line
// `word<TAB>FILE:LINE FILE:LINE ...`: where it occurs, sorted by file path
// (byte order) then line number, a line listed once however often the word
// occurs on it. FILE is the file the line came from, as the job reached it (a
// directory's files as DIR/NAME). No combiner: every occurrence travels to
// its reducer, which gets them sorted (sort_values) by the pair's order.
//
//   inverted_index [-p N | --sequential] [-o OUT] INPUT...

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "words.hpp"
#include <mapreduce/mapreduce.hpp>

using Occurrence = std::pair<std::string, std::uint64_t>;  // (file, line)

class InvertedIndex final : public mapreduce::MapReduceConcurrent<InvertedIndex, std::string, Occurrence> {
 public:
  using MapReduceConcurrent::MapReduceConcurrent;

  // Each key's values in the order of their encoding: by file, then line.
  static constexpr bool sort_values = true;

  void mapper(std::string_view line, Emitter& emit) {
    const mapreduce::InputContext& at = input_context();
    const ValueView where{at.path(), at.line()};
    examples::for_each_word(line, [&](std::string_view word) { emit(word, where); });
  }

  std::pair<std::string_view, std::string> reducer(std::string_view word, Values occurrences) {
    std::string list;
    ValueView last{};
    bool first = true;
    for (const ValueView& at : occurrences) {
      if (!first && at == last) continue;  // the word again on the same line
      if (!first) list += ' ';
      list += at.first;
      list += ':';
      list += std::to_string(at.second);
      last = at;
      first = false;
    }
    return {word, std::move(list)};
  }
};

int main(int argc, char** argv) {
  return mapreduce::run_main<InvertedIndex>(
      argc, argv, "Prints, for every word of the INPUTs, the FILE:LINE places it occurs at.");
}
