#pragma once

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce {

// Nothing is the value type of a job whose keys carry all there is to say,
// as Hadoop's NullWritable is: a set of distinct words, the lines to keep.
// It holds no state, so every Nothing equals every other.
//   - As an intermediate value (MapReduce<Job, std::string, Nothing>), it
//     encodes as zero bytes: `emit(word, mapreduce::Nothing{})`.
//   - As an output value (a reducer returning std::pair<K, Nothing>, or
//     `out(key, mapreduce::Nothing{})`), the record is printed as its key
//     alone: `KEY` then a newline in tsv (no tab), `{"key": KEY, "value":
//     null}` in jsonl.
//   - In Hadoop Streaming's text form (StreamText) it is empty text.
struct Nothing {
  friend constexpr bool operator==(Nothing, Nothing) { return true; }
};

}  // namespace mapreduce
