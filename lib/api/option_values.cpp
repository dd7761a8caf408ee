// The parsers and default texts of the Runner's typed options (runner.hpp).
// Each parser reads the whole text, or throws UsageError with what the value
// must be; the Runner prefixes the option and appends the value.
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mapreduce/error.hpp"
#include "mapreduce/runner.hpp"

namespace mapreduce::detail {
namespace {

// K, M, G, T: powers of 1024, as GNU sort -S and du -B read them.
constexpr std::string_view kUnits = "KMGT";

std::string_view without_plus(std::string_view text) {
  // from_chars takes no '+', strtol and the shell's users do.
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

template <class T>
std::string number_text(T value) {
  return std::to_string(value);
}

[[noreturn]] void throw_below(const std::string& min) { throw UsageError("must be at least " + min); }
[[noreturn]] void throw_above(const std::string& max) { throw UsageError("must be at most " + max); }

// Reads all of `text` as an integer of type T; sets `too_big` (with the
// sign in `negative`) when it is one, but not of T's range.
template <class T>
bool read_integer(std::string_view text, T& value, bool& too_big) {
  too_big = false;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (ptr != end || error == std::errc::invalid_argument) return false;
  too_big = error == std::errc::result_out_of_range;
  return true;
}

}  // namespace

std::intmax_t parse_signed(std::string_view text, std::intmax_t min, std::intmax_t max) {
  text = without_plus(text);
  std::intmax_t value = 0;
  bool too_big = false;
  if (!read_integer(text, value, too_big)) throw UsageError("must be an integer");
  if ((too_big && text[0] == '-') || (!too_big && value < min)) throw_below(number_text(min));
  if (too_big || value > max) throw_above(number_text(max));
  return value;
}

std::uintmax_t parse_unsigned(std::string_view text, std::uintmax_t min, std::uintmax_t max) {
  text = without_plus(text);
  if (!text.empty() && text[0] == '-') {
    std::intmax_t negative = 0;
    bool too_big = false;
    if (!read_integer(text, negative, too_big)) throw UsageError("must be an integer");
    if (too_big || negative < 0 || min > 0) throw_below(number_text(min));
    return 0;  // "-0"
  }
  std::uintmax_t value = 0;
  bool too_big = false;
  if (!read_integer(text, value, too_big)) throw UsageError("must be an integer");
  if (!too_big && value < min) throw_below(number_text(min));
  if (too_big || value > max) throw_above(number_text(max));
  return value;
}

double parse_floating(std::string_view text, double min, double max, bool single) {
  text = without_plus(text);
  const char* end = text.data() + text.size();
  double value = 0;
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (ptr != end || error == std::errc::invalid_argument || value != value ||
      (error == std::errc() && (value == std::numeric_limits<double>::infinity() ||
                                value == -std::numeric_limits<double>::infinity()))) {
    throw UsageError("must be a number");
  }
  if (error == std::errc::result_out_of_range) {
    // Too small to be told from 0 (a negative exponent), or too big.
    const auto exponent = text.find_first_of("eE");
    const bool tiny =
        exponent != std::string_view::npos && exponent + 1 < text.size() && text[exponent + 1] == '-';
    value = tiny             ? 0.0
            : text[0] == '-' ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity();
  }
  if (value < min) throw_below(floating_text(min, single));
  if (value > max) throw_above(floating_text(max, single));
  return value;
}

ByteSize parse_byte_size(std::string_view text, ByteSize min, ByteSize max) {
  std::string_view digits = text;
  std::uint64_t unit = 1;
  if (!digits.empty()) {
    const auto at = kUnits.find(static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back()))));
    if (at != std::string_view::npos) {
      unit = std::uint64_t(1) << (10 * (at + 1));
      digits.remove_suffix(1);
    }
  }
  std::uint64_t count = 0;
  bool too_big = false;
  if (digits.empty() || digits[0] == '-' || digits[0] == '+' || !read_integer(digits, count, too_big)) {
    throw UsageError("must be a size in bytes (such as 512, 64K, 4M or 1G)");
  }
  if (too_big || count > std::numeric_limits<std::uint64_t>::max() / unit) throw_above(byte_size_text(max));
  const ByteSize size{count * unit};
  if (size < min) throw_below(byte_size_text(min));
  if (size > max) throw_above(byte_size_text(max));
  return size;
}

std::size_t choice_index(std::string_view text, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return i;
  }
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    list += i == 0 ? "" : i + 1 == names.size() ? " or " : ", ";
    list += names[i];
  }
  throw UsageError("must be " + list);
}

std::string floating_text(double value, bool single) {
  char buffer[64];
  const auto result = single ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value))
                             : std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string byte_size_text(ByteSize size) {
  std::uint64_t count = size.bytes;
  std::size_t unit = 0;
  while (count != 0 && count % 1024 == 0 && unit < kUnits.size()) {
    count /= 1024;
    ++unit;
  }
  std::string text = std::to_string(count);
  if (unit > 0) text += kUnits[unit - 1];
  return text;
}

}  // namespace mapreduce::detail
