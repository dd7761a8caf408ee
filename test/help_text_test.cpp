// --help's layout (lib/api/help_text.cpp): options spelled as GNU tools
// spell them, descriptions in one column, every line wrapped to 79 columns,
// groups in order, for any option a Boost options_description can hold (so
// that an option added to the Runner's list needs nothing more).
#define BOOST_TEST_MODULE help_text
#include "api/help_text.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <boost/test/unit_test.hpp>

namespace {

namespace po = boost::program_options;
using mapreduce::detail::help_spelling;
using mapreduce::detail::HelpPage;
using mapreduce::detail::kHelpWidth;
using mapreduce::detail::wrapped;
using mapreduce::detail::write_help;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string spelling_of(const po::options_description& options, const std::string& name) {
  return help_spelling(options.find(name, false));
}

const std::string kLong =
    "a description long enough to need three lines at this width, with words of every length, "
    "so that the wrapping is seen to keep each of them whole and in order, "
    "however many there are";

}  // namespace

BOOST_AUTO_TEST_CASE(options_are_spelled_as_gnu_tools_spell_them) {
  long n = 0;
  bool flag = false;
  po::options_description options;
  options.add_options()("processes,p", po::value<long>(&n)->value_name("N"), "")(
      "output-dir", po::value<std::string>(), "")("sequential", "")("help,h", "")(
      "switch", po::bool_switch(&flag), "")("level", po::value<int>()->value_name("L")->implicit_value(6),
                                            "")("x", po::value<int>(), "");
  BOOST_TEST(spelling_of(options, "processes") == "  -p, --processes=N");
  BOOST_TEST(spelling_of(options, "output-dir") == "      --output-dir=arg");
  BOOST_TEST(spelling_of(options, "sequential") == "      --sequential");
  BOOST_TEST(spelling_of(options, "help") == "  -h, --help");
  BOOST_TEST(spelling_of(options, "switch") == "      --switch");
  BOOST_TEST(spelling_of(options, "level") == "      --level[=L]");
  BOOST_TEST(spelling_of(options, "x") == "      --x=arg");
}

BOOST_AUTO_TEST_CASE(descriptions_start_in_one_column_and_wrap) {
  po::options_description options;
  options.add_options()("processes,p", po::value<long>()->value_name("N"), "how many")(
      "a-very-long-option-name", po::value<std::string>()->value_name("SOMETHING"), "its own line")(
      "wordy", kLong.c_str())("given", po::value<int>()->value_name("N")->default_value(4), "with a default");
  std::ostringstream out;
  write_help(out, HelpPage{.usage = "prog [OPTION]... INPUT...",
                           .paragraphs = {"Does things."},
                           .groups = {{"Options", &options}},
                           .epilogue = {"The end."}});
  const std::vector<std::string> expected = {
      "Usage: prog [OPTION]... INPUT...",
      "Does things.",
      "",
      "Options:",
      "  -p, --processes=N           how many",
      "      --a-very-long-option-name=SOMETHING",
      "                              its own line",
      "      --wordy                 a description long enough to need three lines at",
      "                              this width, with words of every length, so that",
      "                              the wrapping is seen to keep each of them whole",
      "                              and in order, however many there are",
      "      --given=N               with a default (default: 4)",
      "",
      "The end.",
  };
  BOOST_TEST(lines_of(out.str()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(groups_come_in_order_and_empty_ones_are_left_out) {
  po::options_description first, empty, second;
  first.add_options()("one", "the first");
  second.add_options()("two", "the second");
  std::ostringstream out;
  write_help(out, HelpPage{.usage = "prog",
                           .groups = {{"Options", &first}, {"Nothing", &empty}, {"Job options", &second}}});
  BOOST_TEST(out.str() ==
             "Usage: prog\n\nOptions:\n      --one                   the first\n\nJob options:\n"
             "      --two                   the second\n");
}

BOOST_AUTO_TEST_CASE(no_line_is_wider_than_the_page) {
  const std::string words[] = {
      "a", "tiny", "medium-sized", "somewhat-longer-word", std::string(60, 'x'), std::string(120, 'y')};
  std::string text;
  for (int i = 0; i < 200; ++i) text += words[(i * 7) % 6] + (i % 5 ? " " : "  ");
  for (const std::size_t indent : {0u, 2u, 30u}) {
    // The first line's indent is the caller's to write.
    const std::string out = std::string(indent, ' ') + wrapped(text, kHelpWidth, indent, indent);
    std::string rejoined;
    for (const std::string& line : lines_of(out)) {
      BOOST_TEST(line.size() <= kHelpWidth, line);
      BOOST_TEST(line.substr(0, indent) == std::string(indent, ' '));
      rejoined += line.substr(indent);
    }
    // Nothing lost or reordered: only spaces (and the cuts) differ.
    std::string expected;
    for (char c : text) {
      if (c != ' ') expected += c;
    }
    std::string got;
    for (char c : rejoined) {
      if (c != ' ') got += c;
    }
    BOOST_TEST((got == expected), "the text changed at indent " << indent);
  }
  BOOST_TEST(wrapped("", kHelpWidth, 4) == "");
  BOOST_TEST(wrapped("one two", 7, 0) == "one two");
  BOOST_TEST(wrapped("one two", 6, 1) == "one\n two");
}
