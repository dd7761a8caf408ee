#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/detail/step_records.hpp"
#include "mapreduce/json_format.hpp"
#include "mapreduce/nothing.hpp"
#include "mapreduce/options.hpp"
#include "mapreduce/text_format.hpp"

namespace mapreduce::detail {

// The output line formats (Options::format), in one place: the name the
// command line gives each, and how a reduced (key, value) becomes its line.
// A new format is an enumerator in options.hpp and a case here.

inline constexpr std::pair<std::string_view, OutputFormat> kOutputFormats[] = {
    {"tsv", OutputFormat::tsv},
    {"jsonl", OutputFormat::jsonl},
};

// The format called `name`, if there is one.
inline std::optional<OutputFormat> output_format_named(std::string_view name) {
  for (const auto& [format_name, format] : kOutputFormats) {
    if (format_name == name) return format;
  }
  return std::nullopt;
}

// "tsv or jsonl", for messages.
inline std::string output_format_names() {
  std::string names;
  for (std::size_t i = 0; i < std::size(kOutputFormats); ++i) {
    if (i > 0) names += i + 1 == std::size(kOutputFormats) ? " or " : ", ";
    names += kOutputFormats[i].first;
  }
  return names;
}

// Not a format a user chooses: the records a pipeline step writes for the
// next one (step_records.hpp).
inline constexpr auto kStepRecords = static_cast<OutputFormat>(-1);

// Appends the output line of (key, value), newline included, to `line`:
//   tsv:   KEY<TAB>VALUE               (TextFormat), or KEY alone when the
//          value is a Nothing
//   jsonl: {"key": KEY, "value": VALUE} (JsonFormat; null for a Nothing)
template <class K, class V>
void append_output_line(std::string& line, OutputFormat format, const K& key, const V& value) {
  if (format == kStepRecords) {
    append_step_record(line, key, value);
    return;
  }
  switch (format) {
    case OutputFormat::jsonl:
      line += "{\"key\": ";
      append_json(line, key);
      line += ", \"value\": ";
      append_json(line, value);
      line += "}\n";
      return;
    case OutputFormat::tsv:
      break;
  }
  append_text(line, key);
  if constexpr (!std::is_same_v<std::remove_cvref_t<V>, Nothing>) {
    line += '\t';
    append_text(line, value);
  }
  line += '\n';
}

}  // namespace mapreduce::detail
