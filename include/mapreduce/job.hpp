#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mapreduce/codec.hpp"
#include "mapreduce/counters.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/detail/lines.hpp"
#include "mapreduce/emitter.hpp"
#include "mapreduce/json_format.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/stream_text.hpp"
#include "mapreduce/text_format.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce {
namespace detail {

// Adapts a user's job class to the engine: the typed code lives here, inlined
// into the user's program (mapper and reducer are called directly, without a
// virtual call per record), the engine sees bytes.
template <class Derived, class Key, class Value>
class TypedJob final : public ErasedJob {
 public:
  TypedJob(Derived& job, OutputFormat format) : job_(job), format_(format) {}

  void setup() override { job_.setup(); }
  void cleanup() override { job_.cleanup(); }

  void map_lines(std::string_view text, MapOutput& out) override {
    Emitter<Key, Value, Derived> emit(out, &job_, &map_combined_);
    const char* line_begin = text.data();
    try {
      for_each_line(text, [&](std::string_view line, const char* begin) {
        line_begin = begin;
        out.count_line();
        job_.mapper(line, emit);
      });
    } catch (const ResourceError&) {
      // The engine's own buffers ran out of memory under emit(): not the
      // user's fault, and not tied to the line.
      map_combined_.clear();
      throw;
    } catch (...) {
      map_combined_.clear();
      throw MapFailure(line_begin, current_exception_message());
    }
    if constexpr (HasCombiner<Derived, Key, Value>) {
      for (const auto& [key, value] : map_combined_.entries()) {
        Codec<Value>::encode(value, out.add_key(key, Codec<Value>::size(value)));
      }
      map_combined_.clear();
    }
  }

  bool has_combiner() const override { return HasCombiner<Derived, Key, Value>; }

  void combine_records(std::string_view records) override {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      RecordReader reader(records);
      std::string_view key_bytes;
      std::string_view value_bytes;
      while (reader.next(key_bytes, value_bytes)) {
        try {
          const ViewOf<Value> value = Codec<Value>::decode(value_bytes);
          reduce_combined_.upsert(
              key_bytes, hash_bytes(key_bytes), [&] { return Value(value); },
              [&](Value& combined) { job_.combiner(Codec<Key>::decode(key_bytes), combined, value); });
        } catch (const ResourceError&) {
          reduce_combined_.clear();
          throw;
        } catch (...) {
          reduce_combined_.clear();
          throw ReduceFailure(key_text(Codec<Key>::decode(key_bytes)),
                              "combiner: " + current_exception_message());
        }
      }
    }
  }

  void reduce_combined(ReduceOutput& out) override {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      const auto& entries = reduce_combined_.entries();
      std::vector<std::uint32_t> order(entries.size());
      for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](std::uint32_t a, std::uint32_t b) { return entries[a].key < entries[b].key; });
      std::string encoded;
      try {
        for (std::uint32_t i : order) {
          encoded.resize(Codec<Value>::size(entries[i].value));
          Codec<Value>::encode(entries[i].value, encoded.data());
          const std::string_view value = encoded;
          reduce_key(entries[i].key, std::span(&value, 1), out);
        }
      } catch (...) {
        reduce_combined_.clear();
        throw;
      }
      reduce_combined_.clear();
    }
  }

  void reduce_key(std::string_view key_bytes, std::span<const std::string_view> values,
                  ReduceOutput& out) override {
    const ViewOf<Key> key = Codec<Key>::decode(key_bytes);
    try {
      auto&& [out_key, out_value] = job_.reducer(key, Values<Value>(values));
      line_.clear();
      append_output_line(line_, format_, out_key, out_value);
      out.add(key_bytes, line_);
    } catch (const ResourceError&) {
      throw;
    } catch (...) {
      throw ReduceFailure(key_text(key), current_exception_message());
    }
  }

  void append_stream_text(std::string_view key, std::string_view value, std::string& out) override {
    StreamText<Key>::append(out, Codec<Key>::decode(key));
    out += '\t';
    StreamText<Value>::append(out, Codec<Value>::decode(value));
    out += '\n';
  }

  std::string parse_stream_text(std::string_view key_text, std::string_view value_text, std::string& key,
                                std::string& value) override {
    if (!StreamText<Key>::parse(key_text, key)) return "the key is not a valid text form of its type";
    if (!StreamText<Value>::parse(value_text, value)) return "the value is not a valid text form of its type";
    return {};
  }

 private:
  static std::string key_text(const ViewOf<Key>& key) {
    std::string text;
    append_text(text, key);
    return text;
  }

  Derived& job_;
  OutputFormat format_;
  // The combiner's tables, used only when the job has one: one value per key
  // of the current map task, and of the partition being reduced.
  CombineTable<Value> map_combined_;
  CombineTable<Value> reduce_combined_;
  std::string line_;
};

// What MapReduce and MapReduceConcurrent share: everything but the engine
// they run by default.
template <class Derived, class Key, class Value, EngineKind kEngine>
class JobBase {
  static_assert(Encodable<Key>, "the key type needs a mapreduce::Codec specialization");
  static_assert(Encodable<Value>, "the value type needs a mapreduce::Codec specialization");

 public:
  using key_type = Key;
  using value_type = Value;
  // What mapper receives to emit pairs with.
  using Emitter = mapreduce::Emitter<Key, Value, Derived>;
  // What reducer receives: all values of one key.
  using Values = mapreduce::Values<Value>;
  // How reducer receives the key (std::string_view for std::string keys).
  using KeyView = ViewOf<Key>;
  // How emit takes a value and Values yields one.
  using ValueView = ViewOf<Value>;

  // The job reads the file at input_path: a regular file, a directory (its
  // regular files, in name order, but for names that start with '.' or '_'),
  // "-" for standard input, or a file compressed with gzip (.gz) or Zstandard
  // (.zst). Nothing is opened until run().
  explicit JobBase(std::string input_path, Options options = {})
      : inputs_{std::move(input_path)}, options_(std::move(options)) {}
  // The job reads every input in turn, as one input; a line never spans two.
  explicit JobBase(std::vector<std::string> inputs, Options options = {})
      : inputs_(std::move(inputs)), options_(std::move(options)) {}

  // Runs once, in this process, before the first mapper; with the concurrent
  // engine the workers are forked after it and see what it loaded.
  void setup() {}
  // Runs once, in this process, after the last reducer and after the output
  // is written.
  void cleanup() {}
  // Optional, declare it to have one: a combiner
  //   void combiner(KeyView key, Value& combined, ValueView value);
  // combines `value` into the value kept for `key` within one map task, so that
  // a task passes on one pair per distinct key instead of every pair (reducer
  // then receives these partial values). It must be associative: combining in
  // any grouping gives what reducer would compute from the raw values. Map
  // tasks do not depend on the process count, so neither does the result.

  // Runs the job: setup, mapper on every line, reducer on every distinct key,
  // output in ascending key order, cleanup. Throws a mapreduce::Error; nothing
  // is written to the output after a failure.
  void run() {
    static_assert(std::is_base_of_v<JobBase, Derived>,
                  "the first template argument must be the class that derives from it");
    static_assert(
        requires(Derived & d, std::string_view line, Emitter & emit) { d.mapper(line, emit); },
        "the job needs `void mapper(std::string_view line, Emitter& emit)`");
    static_assert(
        requires(Derived & d, KeyView key, Values values) { d.reducer(key, values); },
        "the job needs `std::pair<K, V> reducer(KeyView key, Values values)`");
    static_assert(
        !requires { &Derived::combiner; } || HasCombiner<Derived, Key, Value>,
        "the job's combiner must be `void combiner(KeyView key, Value& combined, ValueView value)`; "
        "with another signature it would never be called");
    TypedJob<Derived, Key, Value> typed(static_cast<Derived&>(*this), options_.format);
    const EngineKind engine = options_.sequential ? EngineKind::sequential : kEngine;
    counters_.clear();
    run_job(typed, inputs_, options_, engine, counters_);
  }

  // The first input.
  const std::string& input_path() const { return inputs_.front(); }
  const std::vector<std::string>& inputs() const { return inputs_; }
  const Options& options() const { return options_; }

  // After run(): every counter, the user's and the engine's (group
  // "mapreduce"), summed over the successful task attempts of every process.
  // run() starts from none; a counter never counted is absent (get() gives 0).
  const Counters& counters() const { return counters_; }

 protected:
  ~JobBase() = default;

  // For setup, mapper, combiner, reducer and cleanup:
  //   counter("quality", "malformed lines") += 1;
  // The reference stays valid for the whole run.
  std::int64_t& counter(std::string_view group, std::string_view name) { return counters_(group, name); }

 private:
  std::vector<std::string> inputs_;
  Options options_;
  Counters counters_;
};

}  // namespace detail

// A MapReduce job that runs in this process: the sequential engine. Subclass
// it, naming your class first and the intermediate key and value types after:
//
//   struct WordCount : mapreduce::MapReduce<WordCount, std::string, long> {
//     using MapReduce::MapReduce;
//     void mapper(std::string_view line, Emitter& emit);
//     std::pair<std::string_view, long> reducer(std::string_view word, Values counts);
//   };
//
// reducer may return other types than the intermediate ones; its result is
// printed as `key<TAB>value`. A job object runs on one thread.
template <class Derived, class Key, class Value>
class MapReduce : public detail::JobBase<Derived, Key, Value, detail::EngineKind::sequential> {
  using Base = detail::JobBase<Derived, Key, Value, detail::EngineKind::sequential>;

 public:
  explicit MapReduce(std::string input_path, Options options = {})
      : Base(std::move(input_path), std::move(options)) {}
  explicit MapReduce(std::vector<std::string> inputs, Options options = {})
      : Base(std::move(inputs), std::move(options)) {}
};

// The same job run by a pool of options.processes worker processes that share
// the input and the intermediate pairs through memory. Same API, same output,
// byte for byte. setup() runs in this process before the workers are forked,
// cleanup() after they are gone; state that mapper or reducer change in a
// worker is not seen by this process.
template <class Derived, class Key, class Value>
class MapReduceConcurrent : public detail::JobBase<Derived, Key, Value, detail::EngineKind::concurrent> {
  using Base = detail::JobBase<Derived, Key, Value, detail::EngineKind::concurrent>;

 public:
  explicit MapReduceConcurrent(std::string input_path, Options options = {})
      : Base(std::move(input_path), std::move(options)) {}
  explicit MapReduceConcurrent(std::vector<std::string> inputs, Options options = {})
      : Base(std::move(inputs), std::move(options)) {}
};

}  // namespace mapreduce
