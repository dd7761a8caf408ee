#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mapreduce/detail/require_cxx20.hpp"
#include "mapreduce/export.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce {

// A number of bytes, as an option takes it: a decimal number, optionally
// followed by K, M, G or T (either case), each 1024 times the one before:
// 512, 64K (65536), 4M (4194304), 1G, 2T. --help shows a default in the
// largest of these units that holds it exactly (4M, 1536K).
struct ByteSize {
  std::uint64_t bytes = 0;
  friend auto operator<=>(const ByteSize&, const ByteSize&) = default;
};

// The values an option accepts, both ends included; an end left out is the
// type's own limit: {.min = 1}, {.min = 0.0, .max = 1.0}.
template <class T>
struct Bounds {
  std::optional<T> min = std::nullopt;
  std::optional<T> max = std::nullopt;
};

namespace detail {

// The types a typed option stores: integers (bool is add_flag's), float,
// double and ByteSize.
template <class T>
concept OptionValue = (std::integral<T> && !std::same_as<T, bool>) || std::same_as<T, float> ||
                      std::same_as<T, double> || std::same_as<T, ByteSize>;

// The parsers of typed options, compiled in libmapreduce. Each reads all of
// `text` or throws UsageError saying what the value must be ("must be an
// integer", "must be at least 1"); the Runner adds the option and the value.
MAPREDUCE_EXPORT std::intmax_t parse_signed(std::string_view text, std::intmax_t min, std::intmax_t max);
MAPREDUCE_EXPORT std::uintmax_t parse_unsigned(std::string_view text, std::uintmax_t min, std::uintmax_t max);
// A finite number; `single`: the bounds are a float's, and are shown as one.
MAPREDUCE_EXPORT double parse_floating(std::string_view text, double min, double max, bool single);
MAPREDUCE_EXPORT ByteSize parse_byte_size(std::string_view text, ByteSize min, ByteSize max);
// The index of `text` in `names`, or UsageError("must be fast or exact").
MAPREDUCE_EXPORT std::size_t choice_index(std::string_view text, const std::vector<std::string>& names);
// How --help shows a default: shortest round trip, largest exact unit.
MAPREDUCE_EXPORT std::string floating_text(double value, bool single);
MAPREDUCE_EXPORT std::string byte_size_text(ByteSize size);

template <OptionValue T>
T parse_option_value(std::string_view text, const Bounds<T>& bounds) {
  using Limits = std::numeric_limits<T>;
  if constexpr (std::same_as<T, ByteSize>) {
    return parse_byte_size(text, bounds.min.value_or(ByteSize{0}),
                           bounds.max.value_or(ByteSize{std::numeric_limits<std::uint64_t>::max()}));
  } else if constexpr (std::floating_point<T>) {
    return static_cast<T>(parse_floating(text, bounds.min.value_or(Limits::lowest()),
                                         bounds.max.value_or(Limits::max()), std::same_as<T, float>));
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(
        parse_signed(text, bounds.min.value_or(Limits::min()), bounds.max.value_or(Limits::max())));
  } else {
    return static_cast<T>(
        parse_unsigned(text, bounds.min.value_or(Limits::min()), bounds.max.value_or(Limits::max())));
  }
}

template <OptionValue T>
std::string option_value_text(const T& value) {
  if constexpr (std::same_as<T, ByteSize>) {
    return byte_size_text(value);
  } else if constexpr (std::floating_point<T>) {
    return floating_text(value, std::same_as<T, float>);
  } else if constexpr (std::is_signed_v<T>) {
    return std::to_string(static_cast<std::intmax_t>(value));
  } else {
    return std::to_string(static_cast<std::uintmax_t>(value));
  }
}

}  // namespace detail

// The command line every job program shares, so that a user's job gets it for
// free:
//   PROGRAM [OPTION]... INPUT...
// with -o/--output, --output-dir, --format, --records, -p/--processes,
// --sequential, --reducers, --max-attempts, --task-timeout, --progress,
// --stats, --stream-map, --stream-reduce, --help and --version. An INPUT is a
// file, a directory, or "-" for standard input (the default in the streaming
// modes); compressed ones (gzip, zstd, bzip2, xz, lz4, recognised by content)
// are decompressed. --help and --version print and exit 0; a
// usage error prints one line and exits 2; a job error prints
// `PROGRAM: error: MESSAGE` on stderr and exits 1; SIGINT and SIGTERM stop the
// job cleanly (exit 130, 143).
//
// Job options are added before run(), each under its long name, with a
// one-letter short name after a comma ("count,n" is --count and -n). Their
// targets must outlive run() and keep their value when the option is absent:
// set the default first. --help shows each under "Job options", with the
// default of a typed option or a choice. A value that does not parse, is out
// of its Bounds or is not one of the choices is a usage error naming the
// option and the value (`--count must be at least 0, not '-3'`, exit 2).
// An option given twice is a usage error, except one stored into a
// std::vector: there each occurrence appends its value, and the vector's
// elements before run() are the default, dropped at the first occurrence.
class MAPREDUCE_EXPORT Runner {
 public:
  // `program` names the program in messages; `summary` is the first line of
  // --help after the usage line.
  Runner(std::string program, std::string summary);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // What the usage line of --help names after [OPTION]... (default
  // "INPUT..."), e.g. "PATTERN INPUT..." or "LEFT RIGHT".
  void set_operands(const std::string& operands);

  // Adds `--NAME=VALUE_NAME`, stored as it is into `target`. --help shows
  // no default for it (say it in `help` when there is one).
  void add_option(const std::string& name, const std::string& value_name, const std::string& help,
                  std::string& target);

  // Adds `--NAME=VALUE_NAME` for a number or a ByteSize, read in full
  // (integers in decimal with an optional sign; floating-point numbers in
  // decimal or scientific notation, 0.5 or 1e-3, finite only; sizes as
  // ByteSize says) and checked against `bounds` and the type's range.
  //   long count = 10;
  //   runner.add_option("count,n", "N", "how many to print", count, {.min = 0});
  template <detail::OptionValue T>
  void add_option(const std::string& name, const std::string& value_name, const std::string& help, T& target,
                  const Bounds<std::type_identity_t<T>>& bounds = {}) {
    add_parsed_option(name, value_name, help, detail::option_value_text(target), false,
                      [&target, bounds](std::string_view text, bool) {
                        target = detail::parse_option_value<T>(text, bounds);
                      });
  }

  // The same, repeatable: each occurrence appends one value.
  //   std::vector<long> columns;
  //   runner.add_option("column,c", "N", "a column to keep (repeatable)", columns, {.min = 1});
  template <detail::OptionValue T>
  void add_option(const std::string& name, const std::string& value_name, const std::string& help,
                  std::vector<T>& target, const Bounds<std::type_identity_t<T>>& bounds = {}) {
    std::vector<std::string> defaults;
    for (const T& value : target) defaults.push_back(detail::option_value_text(value));
    add_parsed_option(name, value_name, help, join_defaults(defaults), true,
                      [&target, bounds](std::string_view text, bool first) {
                        if (first) target.clear();
                        target.push_back(detail::parse_option_value<T>(text, bounds));
                      });
  }
  // Repeatable strings: --tag=a --tag=b gives {"a", "b"}.
  void add_option(const std::string& name, const std::string& value_name, const std::string& help,
                  std::vector<std::string>& target);

  // Adds `--NAME=A|B|...`, one of the names in `choices`, each standing for a
  // value stored into `target`; --help shows the names and, as the default,
  // the name of target's value (when one has it).
  //   enum class Mode { fast, exact } mode = Mode::fast;
  //   runner.add_choice("mode", {{"fast", Mode::fast}, {"exact", Mode::exact}}, "how to add", mode);
  template <std::equality_comparable T>
  void add_choice(const std::string& name, std::vector<std::pair<std::string, T>> choices,
                  const std::string& help, T& target) {
    std::vector<std::string> names;
    std::string default_name;
    for (const auto& [choice, value] : choices) {
      names.push_back(choice);
      if (default_name.empty() && value == target) default_name = choice;
    }
    add_parsed_option(name, choice_value_name(names), help, default_name, false,
                      [&target, names, choices = std::move(choices)](std::string_view text, bool) {
                        target = choices[detail::choice_index(text, names)].second;
                      });
  }

  // Adds `--NAME`, a switch: `target` becomes true when it is given.
  void add_flag(const std::string& name, const std::string& help, bool& target);

  // The job: given the inputs and the options from the command line, it
  // constructs the job and calls run().
  using JobFunction = std::function<void(const std::vector<std::string>& inputs, const Options& options)>;

  // Parses argv, runs the job, reports errors. Returns the exit status.
  int run(int argc, const char* const* argv, const JobFunction& job);

 private:
  struct Impl;

  // The typed options' common core: `parse` stores the text of one
  // occurrence (`first`: the first of the command line) into the target, or
  // throws UsageError saying what the value must be. `default_text`, when
  // not empty, is shown by --help as "(default: TEXT)".
  using ParseFunction = std::function<void(std::string_view text, bool first)>;
  void add_parsed_option(const std::string& name, const std::string& value_name, const std::string& help,
                         const std::string& default_text, bool repeated, ParseFunction parse);
  static std::string join_defaults(const std::vector<std::string>& values);
  static std::string choice_value_name(const std::vector<std::string>& names);

  std::unique_ptr<Impl> impl_;
};

// main() for a job class with the usual (inputs, options) constructor (the
// inherited one: `using MapReduceConcurrent::MapReduceConcurrent;`):
//   int main(int argc, char** argv) {
//     return mapreduce::run_main<WordCount>(argc, argv, "Counts words.");
//   }
template <class Job>
int run_main(int argc, const char* const* argv, const std::string& summary) {
  Runner runner(argc > 0 ? argv[0] : "mapreduce", summary);
  return runner.run(argc, argv, [](const std::vector<std::string>& inputs, const Options& options) {
    Job job(inputs, options);
    job.run();
  });
}

// The library's version, "MAJOR.MINOR.PATCH".
MAPREDUCE_EXPORT const char* version();

}  // namespace mapreduce
