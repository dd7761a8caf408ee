#pragma once

#include "mapreduce/detail/require_cxx20.hpp"

namespace mapreduce {

// What a job's mapper reads: its third template argument.
//
// Lines (the default): the lines (or records, see --records) of the input
// files, as
//   void mapper(std::string_view line, Emitter& emit);
struct Lines {};

// The typed output records of the previous step of a pipeline (run_steps in
// pipeline.hpp), as
//   void mapper(ViewOf<K> key, ViewOf<V> value, Emitter& emit);
// K and V are the types that step's reducer writes (or, for a map-only step,
// emits): records travel between steps in their Codec's encoding, not as
// text.
template <class K, class V>
struct Pairs {
  using key_type = K;
  using value_type = V;
};

}  // namespace mapreduce
