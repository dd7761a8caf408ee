#include "api/help_text.hpp"

#include <algorithm>
#include <string_view>

#include <boost/program_options/cmdline.hpp>

namespace mapreduce::detail {
namespace po = boost::program_options;

namespace {

// The parts of a value's name as Boost spells it: "FILE", "FILE (=x)" for a
// default, "[=N(=1)]" for an implicit value.
struct ValueName {
  std::string name;
  std::string default_text;
  bool optional = false;
};

ValueName value_name(const po::option_description& option) {
  ValueName parsed;
  std::string text = option.semantic()->name();
  if (const auto at = text.rfind(" (="); at != std::string::npos && text.back() == ')') {
    parsed.default_text = text.substr(at + 3, text.size() - at - 4);
    text.erase(at);
  }
  if (text.starts_with("[=") && text.ends_with("]")) {
    parsed.optional = true;
    text = text.substr(2, text.size() - 3);
    if (const auto at = text.find("(="); at != std::string::npos) text.erase(at);
  }
  parsed.name = text;
  return parsed;
}

bool takes_value(const po::option_description& option) { return option.semantic()->max_tokens() > 0; }

}  // namespace

std::string help_spelling(const po::option_description& option) {
  // Boost's short name, when there is one, is "-o"; otherwise the long name
  // comes back without its dashes.
  const std::string short_name = option.canonical_display_name(po::command_line_style::allow_dash_for_short);
  const bool has_short = short_name.size() == 2 && short_name[0] == '-';
  std::string spelling = has_short ? "  " + short_name : "    ";
  if (!option.long_name().empty()) spelling += (has_short ? ", --" : "  --") + option.long_name();
  if (takes_value(option)) {
    const ValueName value = value_name(option);
    // A value after a short name alone is separate: "-n N".
    const std::string separator = option.long_name().empty() ? " " : "=";
    spelling += value.optional ? "[" + separator + value.name + "]" : separator + value.name;
  }
  return spelling;
}

std::string wrapped(const std::string& text, std::size_t width, std::size_t indent,
                    std::size_t first_column) {
  std::string out;
  std::size_t column = first_column;  // of the current line, its indent included
  std::size_t start = 0;
  bool line_empty = true;
  const auto new_line = [&] {
    out += '\n';
    out.append(indent, ' ');
    column = indent;
    line_empty = true;
  };
  while (start < text.size()) {
    if (text[start] == ' ') {
      ++start;
      continue;
    }
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string_view word(text.data() + start, end - start);
    start = end;
    while (!word.empty()) {
      const std::size_t needed = word.size() + (line_empty ? 0 : 1);
      if (column + needed <= width) {
        if (!line_empty) out += ' ';
        out += word;
        column += needed;
        line_empty = false;
        break;
      }
      if (!line_empty) {
        new_line();
        continue;
      }
      // A word wider than a whole line: as much of it as fits.
      const std::size_t room = width > column ? width - column : 1;
      out += word.substr(0, room);
      word.remove_prefix(std::min(room, word.size()));
      if (!word.empty()) new_line();
    }
  }
  return out;
}

void write_help(std::ostream& out, const HelpPage& page) {
  out << wrapped("Usage: " + page.usage, kHelpWidth, 2) << '\n';
  for (const std::string& paragraph : page.paragraphs) out << wrapped(paragraph, kHelpWidth, 0) << '\n';
  for (const HelpGroup& group : page.groups) {
    if (group.options->options().empty()) continue;
    out << '\n' << group.title << ":\n";
    for (const auto& option : group.options->options()) {
      std::string line = help_spelling(*option);
      std::string description = option->description();
      if (takes_value(*option)) {
        const std::string default_text = value_name(*option).default_text;
        if (!default_text.empty()) description += " (default: " + default_text + ")";
      }
      if (description.empty()) {
        out << line << '\n';
        continue;
      }
      if (line.size() + 2 > kHelpDescriptionColumn) {
        out << line << '\n';
        line.clear();
      }
      line.resize(kHelpDescriptionColumn, ' ');
      out << line << wrapped(description, kHelpWidth, kHelpDescriptionColumn, kHelpDescriptionColumn) << '\n';
    }
  }
  if (!page.epilogue.empty()) out << '\n';
  for (const std::string& paragraph : page.epilogue) out << wrapped(paragraph, kHelpWidth, 0) << '\n';
}

}  // namespace mapreduce::detail
