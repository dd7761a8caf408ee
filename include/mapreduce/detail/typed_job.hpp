#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/combine_table.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/detail/job_traits.hpp"
#include "mapreduce/detail/line_format.hpp"
#include "mapreduce/detail/lines.hpp"
#include "mapreduce/detail/merge_tree.hpp"
#include "mapreduce/detail/record_formats.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/emitter.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/input_context.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/reducer_output.hpp"
#include "mapreduce/step_input.hpp"
#include "mapreduce/stream_text.hpp"
#include "mapreduce/text_format.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce::detail {

// Adapts a user's job class to the engine: the typed code lives here, inlined
// into the user's program (mapper and reducer are called directly, without a
// virtual call per record), the engine sees bytes.
template <class Derived, class Key, class Value, class Input = Lines>
class TypedJob final : public ErasedJob {
 public:
  // `next_step`: the types the next pipeline step reads, when this job is a
  // step that feeds one.
  TypedJob(Derived& job, OutputFormat format, InputContext& context, const StepTypes* next_step = nullptr)
      : job_(job), format_(format), context_(context), next_step_(next_step) {}

  void setup() override { job_.setup(); }
  void cleanup() override { job_.cleanup(); }

  void begin_map_task() override {
    calling_hook("mapper_setup()", [&] { job_.mapper_setup(); });
  }
  void end_map_task(MapOutput& out) override {
    Emitter<Key, Value, Derived> emit = emitter(out);
    calling_hook("mapper_cleanup()", [&] {
      job_.mapper_cleanup(emit);
      drain_pending();
    });
    if constexpr (!kAcrossTasks) flush_map_combined(out);
  }
  void begin_reduce_task() override {
    calling_hook("reducer_setup()", [&] { job_.reducer_setup(); });
  }
  void end_reduce_task() override {
    calling_hook("reducer_cleanup()", [&] { job_.reducer_cleanup(); });
  }

  void map_lines(std::string_view text, const BlockOrigin& origin, MapOutput& out) override {
    // One loop per format, chosen once per block: the lines loop is the one
    // it always was.
    switch (origin.records.kind) {
      case RecordKind::lines:
        return map_records(text, origin, out, [](std::string_view t, auto&& f) { for_each_line(t, f); });
      case RecordKind::nul:
        return map_records(text, origin, out,
                           [](std::string_view t, auto&& f) { for_each_nul_record(t, f); });
      case RecordKind::paragraphs:
        return map_records(text, origin, out,
                           [this](std::string_view t, auto&& f) { for_each_paragraph(t, paragraph_, f); });
      case RecordKind::file:
        return map_records(text, origin, out,
                           [](std::string_view t, auto&& f) { for_each_file_record(t, f); });
      case RecordKind::fixed:
        return map_records(text, origin, out, [size = origin.records.size](std::string_view t, auto&& f) {
          for_each_fixed_record(t, size, f);
        });
      case RecordKind::separated:
        return map_records(text, origin, out,
                           [separator = origin.records.separator()](std::string_view t, auto&& f) {
                             for_each_separated_record(t, separator, f);
                           });
    }
  }

  bool has_combiner() const override { return HasCombiner<Derived, Key, Value>; }
  bool map_only() const override { return MapOnlyJob<Derived, Key, Value>; }
  bool combines_across_tasks() const override { return kAcrossTasks; }
  bool streams_hot_keys() const override {
    return !SortsValues<Derived, Value> && !HasCombiner<Derived, Key, Value> &&
           std::is_same_v<ViewOf<Value>, Value>;
  }

  void flush_combined(MapOutput& out) override { flush_map_combined(out, true); }
  std::size_t combined_bytes() const override { return map_combined_.bytes(); }

  void combine_map_table() override {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      if (reduce_combined_.empty()) {
        std::swap(map_combined_, reduce_combined_);
        return;
      }
      std::string_view key_bytes;
      try {
        map_combined_.for_each([&](std::string_view key, Value& value) {
          key_bytes = key;
          reduce_combined_.upsert(
              key_bytes, hash_bytes(key_bytes), [&] { return std::move(value); },
              [&](Value& combined) { job_.combiner(Codec<Key>::decode(key_bytes), combined, value); });
        });
      } catch (const ResourceError&) {
        map_combined_.clear();
        reduce_combined_.clear();
        throw;
      } catch (...) {
        map_combined_.clear();
        reduce_combined_.clear();
        throw ReduceFailure(key_text(Codec<Key>::decode(key_bytes)),
                            "combiner: " + current_exception_message());
      }
      map_combined_.clear();
    }
  }

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
      // The drain empties the table, on an error too.
      std::string encoded;
      reduce_combined_.drain_in_key_order([&](std::string_view key, const Value& combined) {
        reduce_one_combined(key, combined, encoded, out);
      });
    }
  }

  void reduce_sorted_runs(std::span<const std::string_view> runs, ReduceOutput& out) override {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      std::string encoded;
      // A key's values, combined in run order (and should a run hold a key
      // more than once, all its values), then reduced once the next key
      // comes.
      std::string_view key;
      std::optional<Value> combined;
      for_each_merged_record(runs, [&](std::size_t, std::string_view next_key, std::string_view value) {
        if (combined && next_key == key) {
          try {
            job_.combiner(Codec<Key>::decode(key), *combined, Codec<Value>::decode(value));
          } catch (...) {
            throw ReduceFailure(key_text(Codec<Key>::decode(key)),
                                "combiner: " + current_exception_message());
          }
          return;
        }
        if (combined) reduce_one_combined(key, *combined, encoded, out);
        key = next_key;
        combined.emplace(Codec<Value>::decode(value));
      });
      if (combined) reduce_one_combined(key, *combined, encoded, out);
    }
  }

  void reduce_folded(std::string_view key, std::span<const std::string_view> values,
                     ReduceOutput& out) override {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      if (values.size() > 1) {
        Value combined(Codec<Value>::decode(values[0]));
        try {
          for (std::size_t i = 1; i < values.size(); ++i)
            job_.combiner(Codec<Key>::decode(key), combined, Codec<Value>::decode(values[i]));
        } catch (...) {
          throw ReduceFailure(key_text(Codec<Key>::decode(key)), "combiner: " + current_exception_message());
        }
        folded_.resize(Codec<Value>::size(combined));
        Codec<Value>::encode(combined, folded_.data());
        const std::string_view value = folded_;
        return reduce_key(key, std::span(&value, 1), out);
      }
    }
    reduce_key(key, values, out);
  }

  void reduce_key(std::string_view key_bytes, std::span<const std::string_view> values,
                  ReduceOutput& out) override {
    call_reducer(key_bytes, out, [&] { return Values<Value>(sorted_if_asked(values)); });
  }

  void reduce_key_packed(std::string_view key_bytes, const char* packed, std::size_t count, std::size_t width,
                         ReduceOutput& out) override {
    if constexpr (SortsValues<Derived, Value>) {
      // Sorting needs a view of each value.
      packed_views_.resize(count);
      for (std::size_t i = 0; i < count; ++i) packed_views_[i] = std::string_view(packed + i * width, width);
      reduce_key(key_bytes, packed_views_, out);
    } else {
      call_reducer(key_bytes, out, [&] { return Values<Value>(packed, count, width); });
    }
  }

  void reduce_key_streamed(std::string_view key_bytes, ValueStream& values, ReduceOutput& out) override {
    call_reducer(key_bytes, out, [&] { return Values<Value>(values); });
  }

 private:
  // Calls reducer for `key` with its one combined value, encoded in
  // `encoded` (kept by the caller, so that its memory serves every key).
  void reduce_one_combined(std::string_view key, const Value& combined, std::string& encoded,
                           ReduceOutput& out) {
    encoded.resize(Codec<Value>::size(combined));
    Codec<Value>::encode(combined, encoded.data());
    const std::string_view value = encoded;
    reduce_key(key, std::span(&value, 1), out);
  }

  // reducer on one key, with the Values that `values()` makes.
  template <class MakeValues>
  void call_reducer(std::string_view key_bytes, ReduceOutput& out, MakeValues&& values) {
    if constexpr (!MapOnlyJob<Derived, Key, Value>) {
      const ViewOf<Key> key = Codec<Key>::decode(key_bytes);
      out.count_key();
      try {
        Values<Value> ordered = values();
        if constexpr (EmittingReducer<Derived, Key, Value>) {
          ReducerOutput emit(out, key_bytes, format_, next_step_);
          job_.reducer(key, ordered, emit);
        } else {
          auto&& [out_key, out_value] = job_.reducer(key, ordered);
          line_.clear();
          append_output_line(line_, format_, out_key, out_value);
          out.add(key_bytes, line_);
        }
      } catch (const ResourceError&) {
        throw;
      } catch (...) {
        throw ReduceFailure(key_text(key), current_exception_message());
      }
    }
  }

 public:
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
  // Calls mapper on every record `split` finds in `text`.
  template <class Split>
  void map_records(std::string_view text, const BlockOrigin& origin, MapOutput& out, Split&& split) {
    Emitter<Key, Value, Derived> emit = emitter(out);
    const char* line_begin = text.data();
    context_.start_block(origin, text);
    std::uint64_t line_in_block = 0;
    try {
      split(text, [&](std::string_view line, const char* begin) {
        line_begin = begin;
        context_.line_begin_ = begin;
        context_.line_in_block_ = line_in_block++;
        context_.line_size_ = line.size();
        out.count_line();
        map_one(line, emit);
      });
      drain_pending();
    } catch (const ResourceError&) {
      // The engine's own buffers ran out of memory under emit(): not the
      // user's fault, and not tied to the record.
      forget_map_combined();
      throw;
    } catch (...) {
      // A combiner that threw on a queued pair names the record that
      // emitted it.
      const char* failed = line_begin;
      if constexpr (kQueuesPairs<Derived, Key, Value>) {
        if (pending_.failed_record() != nullptr) failed = pending_.failed_record();
      }
      forget_map_combined();
      throw MapFailure(failed, current_exception_message());
    }
    if constexpr (!kAcrossTasks) flush_map_combined(out);
  }

  Emitter<Key, Value, Derived> emitter(MapOutput& out) {
    if constexpr (kQueuesPairs<Derived, Key, Value>) {
      return Emitter<Key, Value, Derived>(out, &job_, &map_combined_, format_, &pending_,
                                          &context_.line_begin_);
    } else {
      return Emitter<Key, Value, Derived>(out, &job_, &map_combined_, format_);
    }
  }

  // The pairs emit queued, into the map side's table.
  void drain_pending() {
    if constexpr (kQueuesPairs<Derived, Key, Value>) {
      if (!pending_.empty()) detail::drain_pending<Key>(job_, map_combined_, pending_);
    }
  }

  void forget_map_combined() {
    map_combined_.clear();
    if constexpr (kQueuesPairs<Derived, Key, Value>) pending_.clear();
  }

  // The map side's combined pairs, one per distinct key, into `out`: in
  // key order when `sorted` (the runs reduce_sorted_runs merges), else in
  // the table's order.
  void flush_map_combined(MapOutput& out, bool sorted = false) {
    if constexpr (HasCombiner<Derived, Key, Value>) {
      try {
        const auto add_to = [&](std::size_t p, std::string_view key, const Value& value) {
          Codec<Value>::encode(value, out.add_key(p, key, Codec<Value>::size(value)));
        };
        if (sorted) {
          map_combined_.drain_by_partition_in_key_order(
              out.partition_count(),
              [&](std::string_view key, std::uint64_t hash) {
                return partition_of_hashed<Derived, Key>(&job_, out, key, hash);
              },
              [&](std::size_t p, std::size_t keys, std::size_t key_bytes) {
                // Room for the partition's records, when the size of each
                // value is known.
                if constexpr (std::is_trivial_v<Value>)
                  out.reserve(p, keys * (record_header_size(0, sizeof(Value)) + sizeof(Value)) + key_bytes);
              },
              add_to);
        } else {
          map_combined_.for_each([&](std::string_view key, const Value& value) {
            add_to(partition_of<Derived, Key>(&job_, out, key, Codec<Key>::decode(key)), key, value);
          });
        }
      } catch (const std::length_error& e) {
        map_combined_.clear();
        throw UserCodeError(std::string("the combiner made a value too large to store: ") + e.what());
      } catch (...) {
        map_combined_.clear();
        throw;
      }
      map_combined_.clear();
    }
  }

  // mapper on one line: the line itself, or the previous pipeline step's
  // record that it frames.
  void map_one(std::string_view line, Emitter<Key, Value, Derived>& emit) {
    if constexpr (std::is_same_v<Input, Lines>) {
      job_.mapper(line, emit);
    } else {
      using InKey = typename Input::key_type;
      using InValue = typename Input::value_type;
      std::string_view key;
      std::string_view value;
      if (!parse_step_record(line, step_record_, key, value) || !may_decode_as<InKey>(key) ||
          !may_decode_as<InValue>(value)) {
        throw UsageError(
            "the previous step's record does not decode as this step's mapreduce::Pairs<K, V>: the types "
            "the previous step writes and those this step reads must agree");
      }
      job_.mapper(Codec<InKey>::decode(key), Codec<InValue>::decode(value), emit);
    }
  }

  // A key's values as reducer is to see them: sorted (stably, so equal
  // values keep their input order) when the job asks for it.
  std::span<const std::string_view> sorted_if_asked(std::span<const std::string_view> values) {
    if constexpr (SortsValues<Derived, Value>) {
      sorted_values_.assign(values.begin(), values.end());
      if constexpr (HasValueLess<Derived, Value>) {
        std::stable_sort(sorted_values_.begin(), sorted_values_.end(),
                         [&](std::string_view a, std::string_view b) {
                           return job_.value_less(Codec<Value>::decode(a), Codec<Value>::decode(b));
                         });
      } else {
        std::stable_sort(sorted_values_.begin(), sorted_values_.end());
      }
      return sorted_values_;
    } else {
      return values;
    }
  }

  // A per-task hook's failure, named by the hook.
  template <class F>
  void calling_hook(const char* hook, F&& f) {
    try {
      f();
    } catch (const Error&) {
      forget_map_combined();
      throw;
    } catch (...) {
      forget_map_combined();
      throw UserCodeError(std::string(hook) + " failed: " + current_exception_message());
    }
  }

  static std::string key_text(const ViewOf<Key>& key) {
    std::string text;
    append_text(text, key);
    return text;
  }

  static constexpr bool kAcrossTasks = CombinesInAnyOrder<Derived, Key, Value>;
  struct NoPending {};

  Derived& job_;
  OutputFormat format_;
  InputContext& context_;
  const StepTypes* next_step_;
  // The combiner's tables, used only when the job has one: one value per key
  // of the current map task, and of the partition being reduced.
  CombineTable<Value> map_combined_;
  CombineTable<Value> reduce_combined_;
  // emit's queue of pairs on their way into map_combined_.
  std::conditional_t<kQueuesPairs<Derived, Key, Value>, PendingPairs<Value>, NoPending> pending_;
  std::string line_;
  std::string folded_;  // reduce_folded's combined value, encoded
  std::vector<std::string_view> sorted_values_;
  // reduce_key_packed's views, for a job that sorts its values.
  std::vector<std::string_view> packed_views_;
  std::string step_record_;  // a pipeline step's input record, unescaped
  std::string paragraph_;    // a paragraph with "\r\n" inside, joined by '\n'
};

}  // namespace mapreduce::detail
