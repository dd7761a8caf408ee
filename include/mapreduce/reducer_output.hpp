#pragma once

#include <string>
#include <string_view>
#include <typeinfo>

#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/detail/records.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/step_records.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce {

// What a reducer of the emitting form receives,
//   void reducer(KeyView key, Values values, Out& out);
// to write any number of output records for its key, zero included:
// out(key, value) writes one, as `key<TAB>value` (or a JSON line with
// --format jsonl), with key and value of any types that have a TextFormat
// (and a JsonFormat). A key's records come out in the order they were
// written, after those of every smaller reduce key. Valid only during the
// reducer call that received it; not thread-safe.
class ReducerOutput {
 public:
  ReducerOutput(detail::ReduceOutput& records, std::string_view reduce_key, OutputFormat format,
                const detail::StepTypes* next_step = nullptr)
      : records_(&records), reduce_key_(reduce_key), format_(format), next_step_(next_step) {}

  template <class K, class V>
  void operator()(const K& key, const V& value) {
    if (next_step_ != nullptr) next_step_->check(detail::step_type_id<K>(), detail::step_type_id<V>());
    line_.clear();
    detail::append_output_line(line_, format_, key, value);
    records_->add(reduce_key_, line_);
  }

 private:
  detail::ReduceOutput* records_;
  std::string_view reduce_key_;  // the encoded key the records are ordered by
  OutputFormat format_;
  const detail::StepTypes* next_step_;  // in a pipeline step that feeds another
  std::string line_;
};

}  // namespace mapreduce
