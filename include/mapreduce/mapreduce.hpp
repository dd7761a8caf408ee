#pragma once

// mapreduce: MapReduce jobs in C++, run in one process or by a pool of worker
// processes that share their data through memory. A complete program:
//
//   #include <mapreduce/mapreduce.hpp>
//   #include <cctype>
//
//   struct WordCount final : mapreduce::MapReduceConcurrent<WordCount, std::string, long> {
//     using MapReduceConcurrent::MapReduceConcurrent;
//     void mapper(std::string_view line, Emitter& emit) {
//       std::size_t i = 0;
//       while (i < line.size()) {
//         while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
//         std::size_t start = i;
//         while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
//         if (i > start) emit(line.substr(start, i - start), 1);
//       }
//     }
//     std::pair<std::string_view, long> reducer(std::string_view word, Values counts) {
//       long total = 0;
//       for (long c : counts) total += c;
//       return {word, total};
//     }
//   };
//
//   int main(int argc, char** argv) { return mapreduce::run_main<WordCount>(argc, argv, "Counts words."); }

#include "mapreduce/codec.hpp"
#include "mapreduce/composite_codec.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/emitter.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/input_context.hpp"
#include "mapreduce/job.hpp"
#include "mapreduce/json_format.hpp"
#include "mapreduce/nothing.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/pipeline.hpp"
#include "mapreduce/reducer_output.hpp"
#include "mapreduce/runner.hpp"
#include "mapreduce/step_input.hpp"
#include "mapreduce/stream_text.hpp"
#include "mapreduce/text_format.hpp"
#include "mapreduce/values.hpp"
