// word_count: counts the words of a text file, printing `word<TAB>count` lines
// in byte order of the words. A word is a maximal run of ASCII letters, digits,
// underscores and apostrophes, case kept: what the Python module's example
// matches with the regular expression [\w']+ on byte strings.
//
//   word_count [-o OUT] [-p N | --sequential] FILE

#include "word_count.hpp"

int main(int argc, char** argv) {
  return mapreduce::run_main<WordCount>(
      argc, argv, "Counts the words of INPUT: maximal runs of [A-Za-z0-9_'], case kept.");
}
