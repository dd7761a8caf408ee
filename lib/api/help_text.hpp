#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

namespace mapreduce::detail {

// --help laid out as GNU tools lay it out, whatever options the Runner's
// lists hold: the usage line, paragraphs, then each group of options as
//   -o, --output=FILE           write the output to FILE ...
//       --output-dir=DIR        write Hadoop-style part-NNNNN files, one per
//                               reduce partition, ...
// (a long name without a short one indented as if it had one, `=VALUE` for
// an option that takes one, `[=VALUE]` for an optional value), the
// descriptions starting in one column and every line wrapped to at most
// kHelpWidth columns.
constexpr std::size_t kHelpWidth = 79;
// Where descriptions start; a longer spelling puts its description on the
// next line.
constexpr std::size_t kHelpDescriptionColumn = 30;

struct HelpGroup {
  std::string title = {};  // "Options", printed as "Options:"
  const boost::program_options::options_description* options = nullptr;
};

// Members default to empty, so that a page names only what it has.
struct HelpPage {
  std::string usage = {};                    // after "Usage: "
  std::vector<std::string> paragraphs = {};  // after the usage line, each wrapped
  std::vector<HelpGroup> groups = {};        // groups without options are left out
  std::vector<std::string> epilogue = {};    // paragraphs after the options
};

void write_help(std::ostream& out, const HelpPage& page);

// "  -o, --output=FILE": an option's spelling in --help, without its
// description.
std::string help_spelling(const boost::program_options::option_description& option);

// `text` cut at spaces into lines of at most `width` columns (a word longer
// than a line cut where it must), each but the first indented by `indent`
// spaces, the first starting at `first_column` (what the caller has already
// written of it); no trailing newline.
std::string wrapped(const std::string& text, std::size_t width, std::size_t indent,
                    std::size_t first_column = 0);

}  // namespace mapreduce::detail
