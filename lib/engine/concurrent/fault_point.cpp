#include "engine/concurrent/fault_point.hpp"

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {

FaultPoint FaultPoint::from_environment() {
  const char* text = std::getenv("MAPREDUCE_TEST_FAULT");
  if (text == nullptr || *text == '\0') return {};
  const std::string_view spec(text);
  FaultPoint fault;
  std::string_view rest;
  for (const auto& [prefix, phase, point] : {std::tuple{"map-taken:", Phase::map, Point::taken},
                                             std::tuple{"map-claimed:", Phase::map, Point::claimed},
                                             std::tuple{"map-mapped:", Phase::map, Point::mapped},
                                             std::tuple{"map-committed:", Phase::map, Point::committed},
                                             std::tuple{"map-spilling:", Phase::map, Point::spilling},
                                             std::tuple{"reduce-taken:", Phase::reduce, Point::taken},
                                             std::tuple{"reduce-merging:", Phase::reduce, Point::merging},
                                             std::tuple{"reduce-claimed:", Phase::reduce, Point::claimed},
                                             std::tuple{"reduce-output:", Phase::reduce, Point::output}}) {
    if (spec.starts_with(prefix)) {
      fault.phase = phase;
      fault.point = point;
      rest = spec.substr(std::string_view(prefix).size());
    }
  }
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), fault.task);
  if (fault.phase == Phase::idle || rest.empty() || error != std::errc() ||
      end != rest.data() + rest.size()) {
    throw UsageError(
        "MAPREDUCE_TEST_FAULT must be map-taken:N, map-claimed:N, map-mapped:N, map-committed:N, "
        "map-spilling:N, reduce-taken:N, reduce-claimed:N, reduce-merging:N or reduce-output:N, not '" +
        std::string(spec) + "'");
  }
  return fault;
}

void FaultPoint::strike_if_due(ControlBlock& control, Phase at_phase, std::uint32_t at_task,
                               Point at_point) const {
  if (phase == at_phase && point == at_point && task == at_task && control.fire_fault()) ::raise(SIGKILL);
}

FaultOnAppend::FaultOnAppend(const FaultPoint& fault, ControlBlock& control, SpillFile& file, Phase phase,
                             FaultPoint::Point point, const std::atomic<std::uint32_t>& task) {
  if (fault.phase != phase || fault.point != point) return;
  armed_ = &file;
  file.after_append(
      [&fault, &control, &task, phase, point] { fault.strike_if_due(control, phase, task.load(), point); });
}

FaultOnAppend::~FaultOnAppend() {
  if (armed_ != nullptr) armed_->after_append({});
}

}  // namespace mapreduce::detail
