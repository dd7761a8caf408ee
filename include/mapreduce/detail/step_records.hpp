#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

#include "mapreduce/codec.hpp"
#include "mapreduce/detail/escape.hpp"
#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/export.hpp"

namespace mapreduce::detail {

// How a pipeline step's output records reach the next step: each (key,
// value) pair in its Codec encoding, framed as one line,
//   ESCAPED-KEY-BYTES <TAB> ESCAPED-VALUE-BYTES <NEWLINE>
// where '\\', '\n', '\r' and '\t' are written as "\\\\", "\\n", "\\r" and
// "\\t" (append_c_escaped, as StreamText writes strings). Lines, so that the next step's map tasks are cut as
// any input's are; escaped bytes, so that a record is its encoding, never a text form.

// The type a written key or value travels as: its own, but strings of any
// kind (literals, std::string, views) as std::string.
template <class T>
using StepType = std::conditional_t<std::is_convertible_v<const T&, std::string_view>, std::string,
                                    std::remove_cvref_t<T>>;

// What identifies a type between steps: the view its Codec reads and
// writes (std::string and std::string_view alike, a pair of them alike),
// void for a type without a Codec.
template <class T>
const std::type_info& step_type_id() {
  if constexpr (Encodable<StepType<T>>) {
    return typeid(ViewOf<StepType<T>>);
  } else {
    return typeid(void);
  }
}

template <class T>
void append_step_field(std::string& line, const T& v) {
  using Type = StepType<T>;
  std::string bytes;
  if constexpr (std::is_same_v<Type, std::string>) {
    append_c_escaped(line, std::string_view(v));
  } else {
    bytes.resize(Codec<Type>::size(v));
    Codec<Type>::encode(v, bytes.data());
    append_c_escaped(line, bytes);
  }
}

// Appends the step record of (key, value), newline included. Throws
// UsageError when a type has no Codec (what the next step could not read).
template <class K, class V>
void append_step_record(std::string& line, const K& key, const V& value) {
  if constexpr (Encodable<StepType<K>> && Encodable<StepType<V>>) {
    append_step_field(line, key);
    line += '\t';
    append_step_field(line, value);
    line += '\n';
  } else {
    throw UsageError(
        "a pipeline step that feeds another must write keys and values that have a mapreduce::Codec");
  }
}

// The key and value types the next step of a pipeline reads (as StepType),
// against which an emitting reducer's records are checked as it writes
// them: its types are chosen per call, so only then can they be known.
struct StepTypes {
  const std::type_info* key = nullptr;
  const std::type_info* value = nullptr;

  // Throws UsageError naming both pairs of types when they differ.
  void check(const std::type_info& written_key, const std::type_info& written_value) const {
    if (written_key == *key && written_value == *value) [[likely]]
      return;
    throw_mismatch(written_key, written_value);
  }
  [[noreturn]] MAPREDUCE_EXPORT void throw_mismatch(const std::type_info& written_key,
                                                    const std::type_info& written_value) const;
};

// Splits a step record line (without its newline) into the encoded key and
// value, unescaped into `scratch`, which the views point into. False when the
// line is not a step record.
inline bool parse_step_record(std::string_view line, std::string& scratch, std::string_view& key,
                              std::string_view& value) {
  // Escaped bytes hold no TAB: the one TAB is the separator.
  const std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos || line.find('\t', tab + 1) != std::string_view::npos) return false;
  scratch.clear();
  if (!append_c_unescaped(line.substr(0, tab), scratch)) return false;
  const std::size_t key_size = scratch.size();
  if (!append_c_unescaped(line.substr(tab + 1), scratch)) return false;
  key = std::string_view(scratch).substr(0, key_size);
  value = std::string_view(scratch).substr(key_size);
  return true;
}

// Whether `bytes` can be the encoding of a T: the size of a fixed-size
// encoding (numbers, trivially copyable types), anything for the others. A
// guard against a step reading another type than the previous one wrote.
template <class T>
bool may_decode_as(std::string_view bytes) {
  if constexpr (std::is_same_v<ViewOf<T>, T> && std::is_trivially_copyable_v<T> &&
                std::is_default_constructible_v<T>) {
    return bytes.size() == Codec<T>::size(T{});
  } else {
    return true;
  }
}

}  // namespace mapreduce::detail
