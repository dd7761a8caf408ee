#pragma once

#include <string>
#include <string_view>

#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/detail/records.hpp"
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
  ReducerOutput(detail::ReduceOutput& records, std::string_view reduce_key, OutputFormat format)
      : records_(&records), reduce_key_(reduce_key), format_(format) {}

  template <class K, class V>
  void operator()(const K& key, const V& value) {
    line_.clear();
    detail::append_output_line(line_, format_, key, value);
    records_->add(reduce_key_, line_);
  }

 private:
  detail::ReduceOutput* records_;
  std::string_view reduce_key_;  // the encoded key the records are ordered by
  OutputFormat format_;
  std::string line_;
};

}  // namespace mapreduce
