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
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/typed_job.hpp"
#include "mapreduce/emitter.hpp"
#include "mapreduce/input_context.hpp"
#include "mapreduce/json_format.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/reducer_output.hpp"
#include "mapreduce/step_input.hpp"
#include "mapreduce/stream_text.hpp"
#include "mapreduce/text_format.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce {
namespace detail {

// What MapReduce and MapReduceConcurrent share: everything but the engine
// they run by default.
template <class Derived, class Key, class Value, EngineKind kEngine, class Input>
class JobBase {
  static_assert(Encodable<Key>, "the key type needs a mapreduce::Codec specialization");
  static_assert(Encodable<Value>, "the value type needs a mapreduce::Codec specialization");

 public:
  using key_type = Key;
  using value_type = Value;
  // What mapper reads: Lines, or a previous pipeline step's Pairs<K, V>.
  using input_type = Input;
  // What mapper receives to emit pairs with.
  using Emitter = mapreduce::Emitter<Key, Value, Derived>;
  // What reducer receives: all values of one key.
  using Values = mapreduce::Values<Value>;
  // How reducer receives the key (std::string_view for std::string keys).
  using KeyView = ViewOf<Key>;
  // How emit takes a value and Values yields one.
  using ValueView = ViewOf<Value>;
  // What a reducer of the emitting form writes its records to.
  using Out = ReducerOutput;

  // The job reads the file at input_path: a regular file, a directory (its
  // regular files, in name order, but for names that start with '.' or '_'),
  // or "-" for standard input; compressed ones (gzip, zstd, bzip2, xz, lz4,
  // recognised by content) are decompressed. Nothing is opened until run().
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
  // Optional per-task hooks, run in the process that runs the task (a worker,
  // for the concurrent engine), once per task attempt: mapper_setup() before
  // a map task's first mapper call, mapper_cleanup(emit) after its last — it
  // may emit, as mrjob's mapper_final does (in-mapper combining, a per-task
  // summary) — and reducer_setup() before a reduce task's first reducer call
  // and reducer_cleanup() after its last (a task is one partition; the
  // sequential engine has one). What they throw
  // fails the job as a UserCodeError naming the hook.
  void mapper_setup() {}
  void mapper_cleanup(Emitter&) {}
  void reducer_setup() {}
  void reducer_cleanup() {}
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
    static_assert(std::is_same_v<Input, Lines>,
                  "a job that reads mapreduce::Pairs<K, V> is a later step of a pipeline: run it with "
                  "mapreduce::run_steps after the step that writes its records");
    run_as_step(StepPlan{});
  }

  // How run_steps (pipeline.hpp) runs the job as one step of several; not
  // for other callers.
  void run_as_step(const StepPlan& plan) {
    check_declarations();
    if constexpr (!std::is_same_v<Input, Lines>) {
      if (plan.inputs == nullptr) {
        throw UsageError(
            "this job reads the records of a previous pipeline step (mapreduce::Pairs); run it with "
            "mapreduce::run_steps after the step that writes them");
      }
    }
    Options options = options_;
    // The previous step's records are framed as lines, whatever format the
    // first step's input has.
    if (plan.inputs != nullptr) options.records = RecordFormat::lines();
    if (plan.records != nullptr) {
      // Its output is the next step's input, not the user's destination.
      options.output.clear();
      options.output_dir.clear();
      options.output_stream = plan.records;
      options.format = kStepRecords;
      options.compress = Compression::none;
    }
    TypedJob<Derived, Key, Value, Input> typed(static_cast<Derived&>(*this), options.format, input_context_,
                                               plan.records != nullptr ? &plan.next_types : nullptr);
    const EngineKind engine = options.sequential ? EngineKind::sequential : kEngine;
    counters_.clear();
    run_job(typed, plan.inputs != nullptr ? *plan.inputs : inputs_, options, engine, counters_, plan.label);
  }

  // The first input given, as given. For the file the current line came from,
  // see input_context().
  const std::string& input_path() const { return inputs_.front(); }
  // During mapper: the file, line number and byte offset of the current line
  // (see InputContext).
  const InputContext& input_context() const { return input_context_; }
  const std::vector<std::string>& inputs() const { return inputs_; }
  const Options& options() const { return options_; }

  // After run(): every counter, the user's and the engine's (group
  // "mapreduce"), summed over the successful task attempts of every process.
  // run() starts from none; a counter never counted is absent (get() gives 0).
  const Counters& counters() const { return counters_; }

 protected:
  ~JobBase() = default;

 private:
  // What the job class declares, checked with a message naming the mistake.
  static void check_declarations() {
    static_assert(std::is_base_of_v<JobBase, Derived>,
                  "the first template argument must be the class that derives from it");
    if constexpr (std::is_same_v<Input, Lines>) {
      static_assert(
          requires(Derived & d, std::string_view line, Emitter & emit) { d.mapper(line, emit); },
          "the job needs `void mapper(std::string_view line, Emitter& emit)`");
    } else {
      static_assert(
          requires(Derived & d, ViewOf<typename Input::key_type> key,
                   ViewOf<typename Input::value_type> value, Emitter & emit) { d.mapper(key, value, emit); },
          "a job that reads mapreduce::Pairs<K, V> needs `void mapper(ViewOf<K> key, ViewOf<V> value, "
          "Emitter& emit)`");
    }
    static_assert(
        !requires { &Derived::reducer; } || ReturningReducer<Derived, Key, Value> ||
            EmittingReducer<Derived, Key, Value>,
        "the job's reducer must be `std::pair<K, V> reducer(KeyView key, Values values)` or "
        "`void reducer(KeyView key, Values values, Out& out)`; with another signature it would never be "
        "called");
    static_assert(
        !requires { &Derived::combiner; } || HasCombiner<Derived, Key, Value>,
        "the job's combiner must be `void combiner(KeyView key, Value& combined, ValueView value)`; "
        "with another signature it would never be called");
    static_assert(!MapOnlyJob<Derived, Key, Value> || !HasCombiner<Derived, Key, Value>,
                  "a map-only job (one without a reducer) cannot have a combiner: nothing would reduce "
                  "what it combines");
    static_assert(
        !MapOnlyJob<Derived, Key, Value> || (!HasPartitioner<Derived, Key> && !SortsValues<Derived, Value>),
        "a map-only job (one without a reducer: is it spelled `reducer`?) has no reduce "
        "partitions to choose and no values to sort");
    static_assert(
        !requires { requires Derived::combine_in_any_order; } || HasCombiner<Derived, Key, Value>,
        "combine_in_any_order says how the job's combiner may be applied, but the job has no "
        "combiner (is it spelled `combiner`, with the signature `void combiner(KeyView key, "
        "Value& combined, ValueView value)`?)");
    static_assert(
        !requires { &Derived::partition; } || HasPartitioner<Derived, Key>,
        "the job's partitioner must be `std::size_t partition(KeyView key, std::size_t "
        "partitions)`; with another signature it would never be called");
    static_assert(
        !requires { &Derived::value_less; } || HasValueLess<Derived, Value>,
        "the job's value_less must be `bool value_less(ValueView a, ValueView b)`; with another "
        "signature it would never be called");
  }

 protected:
  // For setup, mapper, combiner, reducer and cleanup:
  //   counter("quality", "malformed lines") += 1;
  // The reference stays valid for the whole run.
  std::int64_t& counter(std::string_view group, std::string_view name) { return counters_(group, name); }

 private:
  std::vector<std::string> inputs_;
  Options options_;
  Counters counters_;
  InputContext input_context_;
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
template <class Derived, class Key, class Value, class Input = Lines>
class MapReduce : public detail::JobBase<Derived, Key, Value, detail::EngineKind::sequential, Input> {
  using Base = detail::JobBase<Derived, Key, Value, detail::EngineKind::sequential, Input>;

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
template <class Derived, class Key, class Value, class Input = Lines>
class MapReduceConcurrent
    : public detail::JobBase<Derived, Key, Value, detail::EngineKind::concurrent, Input> {
  using Base = detail::JobBase<Derived, Key, Value, detail::EngineKind::concurrent, Input>;

 public:
  explicit MapReduceConcurrent(std::string input_path, Options options = {})
      : Base(std::move(input_path), std::move(options)) {}
  explicit MapReduceConcurrent(std::vector<std::string> inputs, Options options = {})
      : Base(std::move(inputs), std::move(options)) {}
};

}  // namespace mapreduce
