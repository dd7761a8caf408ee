#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/hash.hpp"
#include "mapreduce/detail/records.hpp"

namespace mapreduce {
namespace detail {

// A job has a combiner when it declares
//   void combiner(KeyView key, Value& combined, ValueView value);
// which combines `value` into the value kept for `key`.
template <class Job, class Key, class Value>
concept HasCombiner = requires(Job& job, const ViewOf<Key>& key, Value& combined,
                               const ViewOf<Value>& value) {
  job.combiner(key, combined, value);
};

}  // namespace detail

// What mapper calls to produce a pair: emit(key, value) is the C++ form of the
// Python module's `yield key, value`. Keys and values are encoded straight
// into the task's partition buffers (a std::string key is passed as a
// std::string_view and copied once, into that buffer). When the job has a
// combiner, emit instead combines the value into the one kept for its key in this
// map task, and the task's output holds one pair per distinct key. Valid only
// during the mapper call that received it; not thread-safe.
template <class Key, class Value, class Job = void>
class Emitter {
 public:
  explicit Emitter(detail::MapOutput& out, Job* job = nullptr, detail::CombineTable<Value>* table = nullptr)
      : out_(&out), job_(job), table_(table) {}

  void operator()(const ViewOf<Key>& key, const ViewOf<Value>& value) {
    out_->count_emitted();
    if constexpr (std::is_same_v<ViewOf<Key>, std::string_view>) {
      add(key, key, value);
    } else {
      const std::size_t key_size = Codec<Key>::size(key);
      if (key_size <= sizeof small_) {
        Codec<Key>::encode(key, small_);
        add(std::string_view(small_, key_size), key, value);
      } else {
        large_.resize(key_size);
        Codec<Key>::encode(key, large_.data());
        add(large_, key, value);
      }
    }
  }

 private:
  void add(std::string_view key_bytes, const ViewOf<Key>& key, const ViewOf<Value>& value) {
    if constexpr (detail::HasCombiner<Job, Key, Value>) {
      table_->upsert(
          key_bytes, detail::hash_bytes(key_bytes), [&] { return Value(value); },
          [&](Value& combined) { job_->combiner(key, combined, value); });
    } else {
      Codec<Value>::encode(value, out_->add_key(key_bytes, Codec<Value>::size(value)));
    }
  }

  detail::MapOutput* out_;
  [[maybe_unused]] Job* job_;
  [[maybe_unused]] detail::CombineTable<Value>* table_;
  char small_[64];
  std::string large_;
};

}  // namespace mapreduce
