// Input globs: one file name against one pattern component (wildcards,
// brackets, classes, escapes, bytes), which inputs are globs at all, and
// whole patterns expanded against a model directory tree (** over any number
// of directories, hidden names, directories only, absolute patterns, loops
// of symbolic links). The expected matches are written out by hand.
// GCC 12 reports a false -Wrestrict in the std::string code that
// BOOST_DATA_TEST_CASE inlines to name its test cases (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#define BOOST_TEST_MODULE glob_pattern
#include "input/glob_pattern.hpp"

#include <initializer_list>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include <mapreduce/error.hpp>

namespace data = boost::unit_test::data;
using mapreduce::detail::DirectoryTree;
using mapreduce::detail::expand_glob;
using mapreduce::detail::has_glob_characters;
using mapreduce::detail::name_matches;

namespace {

struct NameCase {
  std::string_view pattern;
  std::string_view name;
  bool matches;
};

std::ostream& operator<<(std::ostream& out, const NameCase& c) {
  return out << "'" << mapreduce::test::escaped(c.pattern) << "' against '"
             << mapreduce::test::escaped(c.name) << "'";
}

const NameCase kNameCases[] = {
    {"abc", "abc", true},
    {"abc", "abd", false},
    {"abc", "ab", false},
    {"abc", "abcd", false},
    {"A", "a", false},  // bytes, no case folding
    {"*", "", true},
    {"*", "anything at all", true},
    {"a*c", "ac", true},
    {"a*c", "abbbc", true},
    {"a*c", "abcd", false},
    {"*ab", "aab", true},  // the '*' must give a byte back
    {"a*b*c", "abxbc", true},
    {"a*b*c", "abxb", false},
    {"**", "x", true},  // not a whole component of a path here: as '*'
    {"*.gz", "logs.gz", true},
    {"*.gz", "logs.gz.tmp", false},
    {"?", "", false},
    {"?", "x", true},
    {"?", "xy", false},
    {"a?c", "abc", true},
    {"a?c", "ac", false},
    {"?", "\xff", true},       // one byte, not one character
    {"?", "\xc3\xa9", false},  // é is two bytes
    {"??", "\xc3\xa9", true},
    {"[abc]", "b", true},
    {"[abc]", "d", false},
    {"[a-c]x", "bx", true},
    {"[a-c]x", "dx", false},
    {"[!a-c]", "d", true},
    {"[!a-c]", "b", false},
    {"[^a]", "a", false},
    {"[^a]", "b", true},
    {"[]]", "]", true},  // ']' first is a member
    {"[]a]", "a", true},
    {"[!]]", "]", false},
    {"[!]]", "x", true},
    {"[a-]", "-", true},  // '-' last is a member
    {"[\\]]", "]", true},
    {"[\\!a]", "!", true},
    {"[\x80-\xff]", "\xe9", true},  // ranges by unsigned byte
    {"[a-z]", "\xe9", false},
    {"[", "[", true},  // no ']': an ordinary byte
    {"a[", "a[", true},
    {"[ab", "[ab", true},
    {"[ab", "a", false},
    {"[[:digit:]]", "7", true},
    {"[[:digit:]]", "x", false},
    {"[[:alpha:][:digit:]_]", "_", true},
    {"[![:space:]]", " ", false},
    {"[![:space:]]", "x", true},
    {"[[:upper:]]", "a", false},
    {"[[:xdigit:]][[:xdigit:]]", "fF", true},
    {"\\*", "*", true},
    {"\\*", "x", false},
    {"\\?", "?", true},
    {"\\[a]", "[a]", true},
    {"\\[a]", "a", false},
    {"\\\\", "\\", true},
    {"part-*", "part-00000", true},
    {"part-[0-9][0-9][0-9][0-9][0-9]", "part-00042", true},
    {"part-[0-9][0-9][0-9][0-9][0-9]", "part-0042", false},
    {"*.gz", ".gz", true},  // the hidden rule is the caller's
};

struct GlobCharactersCase {
  std::string_view path;
  bool is_glob;
};

std::ostream& operator<<(std::ostream& out, const GlobCharactersCase& c) {
  return out << "'" << mapreduce::test::escaped(c.path) << "'";
}

const GlobCharactersCase kGlobCharactersCases[] = {
    {"", false},         {"plain/path.txt", false},
    {"a*", true},        {"a?", true},
    {"a[1]", true},      {"a]", false},
    {"a\\*", false},     {"a\\[1]", false},
    {"a\\\\*", true},    {"{a,b}", false},
    {"/abs/**/x", true}, {"a\\", false},
    {"dir\\?/*", true},
};

// A model of a directory tree: paths relative to the current directory (""),
// or absolute (under "/"); a directory ends in '/'. A link shares its target
// directory's entries and identity, as a symbolic link to it does.
class ModelTree final : public DirectoryTree {
 public:
  ModelTree(std::initializer_list<std::string_view> paths) {
    add_directory("");
    add_directory("/");
    for (std::string_view path : paths) {
      if (path.ends_with('/')) {
        add_directory(std::string(path.substr(0, path.size() - 1)));
      } else {
        add(std::string(path), false);
      }
    }
  }

  void link(const std::string& link, const std::string& target) {
    links_[link] = target;
    add_name(link);
  }

  Node look_up(const std::string& path) const override {
    const auto it = nodes_.find(resolved(path));
    return it == nodes_.end() ? Node{} : it->second;
  }

  std::vector<std::string> names(const std::string& path) const override {
    const auto it = children_.find(resolved(path));
    if (it == children_.end()) throw mapreduce::InputError("the model has no directory " + path);
    return {it->second.begin(), it->second.end()};
  }

 private:
  static std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return "";
    return slash == 0 ? "/" : path.substr(0, slash);
  }
  static std::string name_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }

  void add(const std::string& path, bool directory) {
    if (nodes_.contains(path)) return;
    nodes_[path] = Node{true, directory, 1, ++last_inode_};
    if (path != "" && path != "/") add_name(path);
  }
  void add_directory(const std::string& path) {
    add(path, true);
    children_[path];
  }
  void add_name(const std::string& path) {
    const std::string parent = parent_of(path);
    if (!nodes_.contains(parent)) add_directory(parent);
    children_[parent].insert(name_of(path));
  }

  // The path with every link in it replaced by its target ("." is "").
  std::string resolved(std::string path) const {
    if (path == ".") return "";
    if (path.starts_with("./")) path.erase(0, 2);
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& [link, target] : links_) {
        if (path == link || path.starts_with(link + "/")) {
          path = target + path.substr(link.size());
          changed = true;
        }
      }
    }
    return path;
  }

  std::map<std::string, Node> nodes_;
  std::map<std::string, std::set<std::string>> children_;
  std::map<std::string, std::string> links_;
  std::uint64_t last_inode_ = 0;
};

const ModelTree& model() {
  static const ModelTree tree{
      "a.txt",
      "b.log",
      ".hidden.txt",
      "_SUCCESS",
      "data/part-0",
      "data/part-1",
      "data/part-10",
      "data/.crc",
      "data/_tmp/part-9",
      "data/sub/part-2",
      "data/sub/deep/part-3",
      "data/.git/part-4",
      "data/empty/",
      "logs/x.gz",
      "logs/y.gz",
      "logs/z.txt",
      "lit[1]/f",
      "star*/s",
      "weird\\name",
      "/abs/one.txt",
  };
  return tree;
}

struct ExpansionCase {
  std::string_view pattern;
  std::vector<std::string> matches;
};

std::ostream& operator<<(std::ostream& out, const ExpansionCase& c) {
  return out << "'" << mapreduce::test::escaped(c.pattern) << "'";
}

const ExpansionCase kExpansionCases[] = {
    {"*.txt", {"a.txt"}},  // not .hidden.txt
    {".*.txt", {".hidden.txt"}},
    {"\\.*.txt", {".hidden.txt"}},
    {"?hidden.txt", {}},
    {"[.]hidden.txt", {}},
    {"*", {"a.txt", "b.log", "data", "lit[1]", "logs", "star*", "weird\\name"}},
    {"_*", {"_SUCCESS"}},
    {"logs/*.gz", {"logs/x.gz", "logs/y.gz"}},
    {"logs/?.gz", {"logs/x.gz", "logs/y.gz"}},
    {"logs/[xz].*", {"logs/x.gz", "logs/z.txt"}},
    {"logs/[!x].gz", {"logs/y.gz"}},
    {"*/*.gz", {"logs/x.gz", "logs/y.gz"}},
    {"data/part-[0-9]", {"data/part-0", "data/part-1"}},
    {"data/part-[[:digit:]][[:digit:]]", {"data/part-10"}},
    // ** is any number of directories, zero included, never hidden ones.
    {"data/**/part-*",
     {"data/part-0", "data/part-1", "data/part-10", "data/sub/deep/part-3", "data/sub/part-2"}},
    {"**/part-2", {"data/sub/part-2"}},
    {"**/part-*", {"data/part-0", "data/part-1", "data/part-10", "data/sub/deep/part-3", "data/sub/part-2"}},
    {"data/**", {"data", "data/empty", "data/sub", "data/sub/deep"}},
    {"data/**/", {"data/", "data/empty/", "data/sub/", "data/sub/deep/"}},
    {"**", {".", "data", "data/empty", "data/sub", "data/sub/deep", "lit[1]", "logs", "star*"}},
    {"data/**/**/part-2", {"data/sub/part-2"}},  // each match once
    {"data/**/deep/*", {"data/sub/deep/part-3"}},
    {"data/s**/part-2", {"data/sub/part-2"}},  // not a whole component: as *
    {"data/_tmp/*", {"data/_tmp/part-9"}},     // a hidden directory named
    {"data/.git/**/part-*", {"data/.git/part-4"}},
    {"data/_*/part-*", {"data/_tmp/part-9"}},
    // Directories only, with a final '/'.
    {"data/*/", {"data/empty/", "data/sub/"}},
    {"*/", {"data/", "lit[1]/", "logs/", "star*/"}},
    // Escapes and brackets that spell a literal component.
    {"lit\\[1\\]/*", {"lit[1]/f"}},
    {"lit[[]1]/*", {"lit[1]/f"}},
    {"star\\*/*", {"star*/s"}},
    {"star*/s", {"star*/s"}},
    {"weird\\\\*", {"weird\\name"}},
    {"/abs/*.txt", {"/abs/one.txt"}},
    {"/ab?/one.txt", {"/abs/one.txt"}},
    {"./*.log", {"./b.log"}},
    {"data//sub/*-2", {"data/sub/part-2"}},
    // Nothing.
    {"nothing/*", {}},
    {"*.gz", {}},
    {"data/part-0/*", {}},  // a file is no directory
    {"a.txt/**", {}},
    {"logs/*.gz/", {}},
    {"data/empty/*", {}},
};

}  // namespace

BOOST_DATA_TEST_CASE(a_name_against_a_pattern_component, data::make(kNameCases), c) {
  BOOST_TEST(name_matches(c.pattern, c.name) == c.matches);
}

BOOST_DATA_TEST_CASE(a_component_is_matched_when_it_has_an_unescaped_wildcard,
                     data::make(kGlobCharactersCases), c) {
  BOOST_TEST(has_glob_characters(c.path) == c.is_glob);
}

BOOST_DATA_TEST_CASE(a_pattern_expanded_in_a_tree, data::make(kExpansionCases), c) {
  BOOST_TEST(expand_glob(c.pattern, model()) == c.matches, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(symbolic_links_are_followed_and_a_loop_under_double_star_is_an_error) {
  ModelTree tree{"data/part-0", "data/sub/part-1", "other/part-2"};
  tree.link("data/sub/up", "data");  // data/sub/up -> ..
  tree.link("data/other", "other");  // not a loop: another directory
  // Without **, a link is just a directory to go through.
  BOOST_TEST(expand_glob("data/*/up/part-*", tree) == std::vector<std::string>{"data/sub/up/part-0"},
             boost::test_tools::per_element());
  BOOST_TEST(expand_glob("data/other/*", tree) == std::vector<std::string>{"data/other/part-2"},
             boost::test_tools::per_element());
  for (std::string_view pattern : {"data/**", "data/**/part-*", "**/part-1", "data/sub/**"}) {
    BOOST_TEST_CONTEXT(pattern) {
      std::string message;
      try {
        expand_glob(pattern, tree);
      } catch (const mapreduce::InputError& e) {
        message = e.what();
      }
      BOOST_TEST(message.starts_with("input directory data/sub/up"));
      BOOST_TEST(message.ends_with(" (a loop of symbolic links)"));
    }
  }
  // The directory it leads back to is named.
  std::string message;
  try {
    expand_glob("data/**", tree);
  } catch (const mapreduce::InputError& e) {
    message = e.what();
  }
  BOOST_TEST(message == "input directory data/sub/up leads back to data (a loop of symbolic links)");
}
