#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/detail/job_traits.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/step_records.hpp"
#include "mapreduce/export.hpp"
#include "mapreduce/step_input.hpp"
#include "mapreduce/values.hpp"

namespace mapreduce {
namespace detail {

// One step's output records, held in memory for the next step, which reads
// them as its input (a memfd, by its /proc/self/fd path). Throws
// ResourceError.
class MAPREDUCE_EXPORT StepRecords {
 public:
  StepRecords();
  ~StepRecords();
  StepRecords(StepRecords&&) noexcept;
  StepRecords& operator=(StepRecords&&) noexcept;

  // Where the step writes.
  std::ostream& stream();
  // After the step: moves what it wrote into the memfd; then inputs() is
  // what the next step reads.
  void seal();
  const std::vector<std::string>& inputs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The types a step writes, when its class says them: its reducer's return
// type, or for a map-only step what it emits. void when it cannot be known
// (an emitting reducer chooses per call; the next step then checks each
// record's size as it reads it).
template <class Step, class = void>
struct StepOutput {
  using key_type = void;
  using value_type = void;
};

template <class Step>
struct StepOutput<
    Step, std::enable_if_t<ReturningReducer<Step, typename Step::key_type, typename Step::value_type>>> {
  using Result =
      decltype(std::declval<Step&>().reducer(std::declval<const ViewOf<typename Step::key_type>&>(),
                                             std::declval<Values<typename Step::value_type>>()));
  using key_type = StepType<typename std::remove_cvref_t<Result>::first_type>;
  using value_type = StepType<typename std::remove_cvref_t<Result>::second_type>;
};

template <class Step>
struct StepOutput<Step,
                  std::enable_if_t<MapOnlyJob<Step, typename Step::key_type, typename Step::value_type>>> {
  using key_type = StepType<typename Step::key_type>;
  using value_type = StepType<typename Step::value_type>;
};

template <class Previous, class Next>
constexpr bool steps_agree() {
  using Written = StepOutput<Previous>;
  using Read = typename Next::input_type;
  if constexpr (std::is_void_v<typename Written::key_type>) {
    return true;
  } else {
    return std::is_same_v<ViewOf<typename Written::key_type>, ViewOf<StepType<typename Read::key_type>>> &&
           std::is_same_v<ViewOf<typename Written::value_type>, ViewOf<StepType<typename Read::value_type>>>;
  }
}

template <class First, class... Rest>
constexpr bool pipeline_is_typed() {
  if constexpr (sizeof...(Rest) == 0) {
    return true;
  } else {
    using Second = std::tuple_element_t<0, std::tuple<Rest...>>;
    static_assert(!std::is_same_v<typename Second::input_type, Lines>,
                  "every step after the first reads the previous one's records: derive it with "
                  "mapreduce::Pairs<K, V> as its input type");
    static_assert(steps_agree<First, Second>(),
                  "a step must read (mapreduce::Pairs<K, V>) the key and value types the previous step "
                  "writes");
    return pipeline_is_typed<Rest...>();
  }
}

}  // namespace detail

// Runs jobs as the steps of one pipeline, as mrjob's steps() does: the
// first reads its own inputs (its mapper takes lines); each later step's
// mapper takes the previous step's output records, typed,
//   struct Top : mapreduce::MapReduceConcurrent<Top, std::string, long,
//                                               mapreduce::Pairs<std::string, long>> {
//     void mapper(std::string_view word, long count, Emitter& emit);
//     ...
//   };
// (the types of what the previous step's reducer returns or writes), and
// the last writes the output its options name. Every step runs with its own
// options (construct them alike: the same Options, inputs for the first);
// a later step's own inputs are not read. Each step's counters stay in its
// object (counters()); with stats, each step prints its own, named "step 2
// of 3". An error is the step's, its message starting "step 2 of 3: ", and
// ends the pipeline: nothing is written to the output. Between steps the
// records are held in memory.
template <class First, class... Rest>
void run_steps(First& first, Rest&... rest) {
  static_assert(std::is_same_v<typename First::input_type, Lines>,
                "the first step of a pipeline reads the input files: its input type is mapreduce::Lines");
  static_assert(detail::pipeline_is_typed<First, Rest...>());
  constexpr std::size_t count = 1 + sizeof...(Rest);
  // What each later step reads, for the checks of the step before it.
  const detail::StepTypes reads[] = {
      detail::StepTypes{},
      detail::StepTypes{&detail::step_type_id<typename Rest::input_type::key_type>(),
                        &detail::step_type_id<typename Rest::input_type::value_type>()}...};
  // The last step's destination is refused before the first step runs, not
  // after all the others did.
  const Options* last = &first.options();
  ((last = &rest.options()), ...);
  detail::check_destination(*last);
  detail::StepRecords previous;
  std::size_t index = 0;
  auto run_step = [&](auto& step) {
    ++index;
    const std::string label = "step " + std::to_string(index) + " of " + std::to_string(count);
    detail::StepPlan plan;
    plan.label = label.c_str();
    if (index > 1) plan.inputs = &previous.inputs();
    detail::StepRecords records;
    if (index < count) {
      plan.records = &records.stream();
      plan.next_types = reads[index];
    }
    step.run_as_step(plan);
    if (index < count) {
      records.seal();
      previous = std::move(records);
    }
  };
  run_step(first);
  (run_step(rest), ...);
}

}  // namespace mapreduce
