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
  for (const auto& [prefix, phase, claimed] :
       {std::tuple{"map-taken:", Phase::map, false}, std::tuple{"map-claimed:", Phase::map, true},
        std::tuple{"reduce-taken:", Phase::reduce, false},
        std::tuple{"reduce-claimed:", Phase::reduce, true}}) {
    if (spec.starts_with(prefix)) {
      fault.phase = phase;
      fault.claimed = claimed;
      rest = spec.substr(std::string_view(prefix).size());
    }
  }
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), fault.task);
  if (fault.phase == Phase::idle || rest.empty() || error != std::errc() ||
      end != rest.data() + rest.size()) {
    throw UsageError(
        "MAPREDUCE_TEST_FAULT must be map-taken:N, map-claimed:N, reduce-taken:N or reduce-claimed:N, not '" +
        std::string(spec) + "'");
  }
  return fault;
}

void FaultPoint::strike_if_due(ControlBlock& control, Phase at_phase, std::uint32_t at_task,
                               bool at_claimed) const {
  if (phase == at_phase && claimed == at_claimed && task == at_task && control.fire_fault()) ::raise(SIGKILL);
}

}  // namespace mapreduce::detail
