#pragma once

#include <concepts>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/reducer_output.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce::detail {

// What a job class may declare, each detected at compile time: the engine
// calls what is there, directly, and nothing for what is not.

// A reducer of the simple form, the Python module's:
//   std::pair<K, V> reducer(KeyView key, Values values);
template <class Job, class Key, class Value>
concept ReturningReducer = requires(Job& job, const ViewOf<Key>& key, Values<Value> values) {
  {
    std::tuple_size<std::remove_cvref_t<decltype(job.reducer(key, values))>>::value
    } -> std::convertible_to<std::size_t>;
  requires std::tuple_size<std::remove_cvref_t<decltype(job.reducer(key, values))>>::value == 2;
};

// A reducer of the emitting form, which writes 0..n records:
//   void reducer(KeyView key, Values values, ReducerOutput& out);
template <class Job, class Key, class Value>
concept EmittingReducer = requires(Job& job, const ViewOf<Key>& key, Values<Value> values,
                                   ReducerOutput& out) {
  job.reducer(key, values, out);
};

// A job without a reducer is map-only: what mapper emits is the output, in
// input order (Hadoop's -numReduceTasks 0).
template <class Job, class Key, class Value>
concept MapOnlyJob = !ReturningReducer<Job, Key, Value> && !EmittingReducer<Job, Key, Value>;

// A combiner:
//   void combiner(KeyView key, Value& combined, ValueView value);
// combines `value` into the value kept for `key`.
template <class Job, class Key, class Value>
concept HasCombiner = requires(Job& job, const ViewOf<Key>& key, Value& combined,
                               const ViewOf<Value>& value) {
  job.combiner(key, combined, value);
};

// A combiner whose result does not depend on how a key's values are grouped
// or ordered (integer sums, minimum, maximum, set union), declared by
//   static constexpr bool combine_in_any_order = true;
// lets the engine combine across map tasks, one table per worker for all its
// tasks (as Hadoop and Phoenix++ do), instead of one per map task: far fewer
// partial values when keys are many. Without it, the partial values are
// those of each map task, the same at every process count, which keeps a
// floating-point sum's rounding independent of the process count.
template <class Job, class Key, class Value>
concept CombinesInAnyOrder = HasCombiner<Job, Key, Value> && requires {
  requires Job::combine_in_any_order;
};

// A partitioner, which chooses a key's reduce partition (and so its part
// file) instead of the hash of its encoding:
//   std::size_t partition(KeyView key, std::size_t partitions);
template <class Job, class Key>
concept HasPartitioner = requires(Job& job, const ViewOf<Key>& key, std::size_t partitions) {
  { job.partition(key, partitions) } -> std::convertible_to<std::size_t>;
};

// Values sorted before reducer sees them (a secondary sort), by a comparison
// the job declares,
//   bool value_less(ValueView a, ValueView b);
template <class Job, class Value>
concept HasValueLess = requires(Job& job, const ViewOf<Value>& a, const ViewOf<Value>& b) {
  { job.value_less(a, b) } -> std::convertible_to<bool>;
};

// or, when it has no value_less, in the order of the values' encodings
// (numeric for numbers, byte order for strings), when it declares
//   static constexpr bool sort_values = true;
template <class Job>
concept SortsValuesByEncoding = requires {
  requires Job::sort_values;
};

template <class Job, class Value>
concept SortsValues = HasValueLess<Job, Value> || SortsValuesByEncoding<Job>;

}  // namespace mapreduce::detail
