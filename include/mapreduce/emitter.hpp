#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/hash.hpp"
#include "mapreduce/detail/job_traits.hpp"
#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/detail/records.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce {
namespace detail {

// The partition of a key: the job's partition(), checked, when it declares
// one and there is more than one partition; the hash of its encoding
// otherwise. Throws UserCodeError for a partition out of range.
template <class Job, class Key>
std::size_t partition_of(Job* job, const MapOutput& out, std::string_view key_bytes, const ViewOf<Key>& key) {
  if constexpr (HasPartitioner<Job, Key>) {
    const std::size_t partitions = out.partition_count();
    if (partitions == 1) return 0;
    const std::size_t p = job->partition(key, partitions);
    if (p >= partitions) {
      throw UserCodeError("partition() returned " + std::to_string(p) + " for " + std::to_string(partitions) +
                          " partitions; it must be less than the number it is given");
    }
    return p;
  } else {
    return out.partition_of(key_bytes);
  }
}

// partition_of for a key whose hash_bytes has the high 32 bits of `hash`
// (all that the default partition looks at).
template <class Job, class Key>
std::size_t partition_of_hashed(Job* job, const MapOutput& out, std::string_view key_bytes,
                                std::uint64_t hash) {
  if constexpr (HasPartitioner<Job, Key>) {
    return partition_of<Job, Key>(job, out, key_bytes, Codec<Key>::decode(key_bytes));
  } else {
    return out.partition_of_hash(hash);
  }
}

// Whether emit queues a job's pairs (PendingPairs) to prefetch their slots:
// when it has a combiner and its values are small and copied as bytes.
template <class Job, class Key, class Value>
inline constexpr bool kQueuesPairs = HasCombiner<Job, Key, Value>&& std::is_same_v<ViewOf<Value>, Value>&&
                                         std::is_trivially_copyable_v<Value> &&
                                     sizeof(Value) <= 16;

// The queued pairs into the table, through the job's combiner.
template <class Key, class Value, class Job>
void drain_pending(Job& job, CombineTable<Value>& table, PendingPairs<Value>& pending) {
  pending.drain(table, [&](std::string_view key_bytes, Value& combined, const Value& value) {
    job.combiner(Codec<Key>::decode(key_bytes), combined, value);
  });
}

}  // namespace detail

// What mapper calls to produce a pair: emit(key, value) is the C++ form of the
// Python module's `yield key, value`. Keys and values are encoded straight
// into the task's partition buffers (a std::string key is passed as a
// std::string_view and copied once, into that buffer). When the job has a
// combiner, emit instead combines the value into the one kept for its key in this
// map task, and the task's output holds one pair per distinct key. In a
// map-only job (no reducer) the pair is written as an output line. Valid only
// during the mapper call that received it; not thread-safe.
template <class Key, class Value, class Job = void>
class Emitter {
 public:
  explicit Emitter(detail::MapOutput& out, Job* job = nullptr, detail::CombineTable<Value>* table = nullptr,
                   OutputFormat format = OutputFormat::tsv, detail::PendingPairs<Value>* pending = nullptr,
                   const char* const* record = nullptr)
      : out_(&out), job_(job), table_(table), pending_(pending), record_(record), format_(format) {}

  void operator()(const ViewOf<Key>& key, const ViewOf<Value>& value) {
    out_->count_emitted();
    if constexpr (detail::MapOnlyJob<Job, Key, Value>) {
      // The output line, in input order: one partition, no key to order by.
      large_.clear();
      detail::append_output_line(large_, format_, key, value);
      char* line = out_->add_key(0, std::string_view(), large_.size());
      std::memcpy(line, large_.data(), large_.size());
    } else if constexpr (std::is_same_v<ViewOf<Key>, std::string_view>) {
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
      if constexpr (detail::kQueuesPairs<Job, Key, Value>) {
        if (pending_ != nullptr && detail::PendingPairs<Value>::fits(key_bytes)) {
          const auto size = static_cast<std::uint32_t>(key_bytes.size());
          const detail::ShortKey short_key = detail::short_key(key_bytes.data(), size);
          const std::uint64_t hash = detail::hash_short(short_key, size);
          table_->prefetch(hash);
          pending_->push(short_key, size, hash, value, record_ != nullptr ? *record_ : nullptr);
          if (pending_->full()) detail::drain_pending<Key>(*job_, *table_, *pending_);
          return;
        }
      }
      const std::uint64_t hash = detail::hash_bytes(key_bytes);
      table_->upsert(
          key_bytes, hash, [&] { return Value(value); },
          [&](Value& combined) { job_->combiner(key, combined, value); });
    } else {
      const std::size_t p = detail::partition_of<Job, Key>(job_, *out_, key_bytes, key);
      Codec<Value>::encode(value, out_->add_key(p, key_bytes, Codec<Value>::size(value)));
    }
  }

  detail::MapOutput* out_;
  [[maybe_unused]] Job* job_;
  [[maybe_unused]] detail::CombineTable<Value>* table_;
  [[maybe_unused]] detail::PendingPairs<Value>* pending_;
  [[maybe_unused]] const char* const* record_;  // where the current record starts
  [[maybe_unused]] OutputFormat format_;
  char small_[64];
  std::string large_;
};

}  // namespace mapreduce
