#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/export.hpp"

namespace mapreduce {

// Named 64-bit counters in groups, as Hadoop's: user code counts events with
//   counter("quality", "malformed lines") += 1;
// from setup, mapper, combiner, reducer or cleanup. With the concurrent engine
// each worker counts in its own copy; what a task counted is sent to the
// parent when, and only when, that task attempt succeeds, so retried and
// failed attempts count nothing. The engine adds its own counters to the group
// "mapreduce" (input bytes and lines, map output records, distinct keys,
// reduce output records, the wall time of each phase, peak resident memory).
// A plain value; not thread-safe. References returned by operator() stay valid
// for the life of the object.
class MAPREDUCE_EXPORT Counters {
  struct Less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const int group = std::string_view(a.first).compare(std::string_view(b.first));
      return group != 0 ? group < 0 : std::string_view(a.second) < std::string_view(b.second);
    }
  };

 public:
  using Name = std::pair<std::string, std::string>;  // (group, name)
  using Map = std::map<Name, std::int64_t, Less>;

  // The counter `name` of `group`, created at 0 the first time.
  std::int64_t& operator()(std::string_view group, std::string_view name) {
    const auto it = map_.find(std::pair(group, name));
    if (it != map_.end()) return it->second;
    return map_.emplace(Name(group, name), 0).first->second;
  }

  // Its value; 0 if it was never counted.
  std::int64_t get(std::string_view group, std::string_view name) const {
    const auto it = map_.find(std::pair(group, name));
    return it == map_.end() ? 0 : it->second;
  }

  // Every counter, ordered by group, then name.
  const Map& entries() const { return map_; }
  bool empty() const { return map_.empty(); }

  // Adds every counter of `other` to this one's.
  void add(const Counters& other) {
    for (const auto& [name, value] : other.map_) (*this)(name.first, name.second) += value;
  }

  void clear() { map_.clear(); }

  // The counters whose value differs from `before`, with the difference:
  // what was counted since `before` was copied from this object.
  Counters since(const Counters& before) const {
    Counters delta;
    for (const auto& [name, value] : map_) {
      const std::int64_t change = value - before.get(name.first, name.second);
      if (change != 0) delta.map_.emplace(name, change);
    }
    return delta;
  }

  // A byte form that carries counters between processes, and back.
  std::string serialize() const;
  // Adds the counters of a serialize()d form. Throws std::invalid_argument.
  void add_serialized(std::string_view bytes);

 private:
  Map map_;
};

// The group of the engine's own counters.
inline constexpr std::string_view kEngineCounters = "mapreduce";

}  // namespace mapreduce
