#include "input/glob_pattern.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

constexpr std::size_t kNoBracket = std::string_view::npos;

// Whether the <cctype> class `name` ("digit" of "[:digit:]") holds `c`, or
// nothing for a name that is not one.
std::optional<bool> class_holds(std::string_view name, unsigned char c) {
  const int b = c;
  if (name == "alnum") return std::isalnum(b) != 0;
  if (name == "alpha") return std::isalpha(b) != 0;
  if (name == "blank") return std::isblank(b) != 0;
  if (name == "cntrl") return std::iscntrl(b) != 0;
  if (name == "digit") return std::isdigit(b) != 0;
  if (name == "graph") return std::isgraph(b) != 0;
  if (name == "lower") return std::islower(b) != 0;
  if (name == "print") return std::isprint(b) != 0;
  if (name == "punct") return std::ispunct(b) != 0;
  if (name == "space") return std::isspace(b) != 0;
  if (name == "upper") return std::isupper(b) != 0;
  if (name == "xdigit") return std::isxdigit(b) != 0;
  return std::nullopt;
}

// The byte at pattern[i], '\' escaping the next one; advances i past it.
unsigned char next_byte(std::string_view pattern, std::size_t& i) {
  if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
  return static_cast<unsigned char>(pattern[i++]);
}

// The bracket expression that opens at pattern[open] == '[': sets `matched`
// to whether it holds `c` and returns the index past its ']', or kNoBracket
// when it has no ']' (the '[' is then an ordinary byte).
std::size_t match_bracket(std::string_view pattern, std::size_t open, unsigned char c, bool& matched) {
  std::size_t i = open + 1;
  const bool negated = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negated) ++i;
  bool found = false;
  for (bool first = true;; first = false) {
    if (i >= pattern.size()) return kNoBracket;
    if (pattern[i] == ']' && !first) break;
    if (pattern.substr(i, 2) == "[:") {
      const std::size_t close = pattern.find(":]", i + 2);
      const std::optional<bool> holds = close == std::string_view::npos
                                            ? std::nullopt
                                            : class_holds(pattern.substr(i + 2, close - i - 2), c);
      if (holds) {
        found = found || *holds;
        i = close + 2;
        continue;
      }
    }
    const unsigned char low = next_byte(pattern, i);
    unsigned char high = low;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      ++i;
      high = next_byte(pattern, i);
    }
    found = found || (low <= c && c <= high);
  }
  matched = found != negated;
  return i + 1;
}

// A hidden name needs a component that spells its first byte.
bool may_match_hidden(std::string_view pattern, std::string_view name) {
  if (!is_hidden_name(name)) return true;
  const std::size_t first = pattern.starts_with('\\') ? 1 : 0;
  return first < pattern.size() && pattern[first] == name[0];
}

std::string unescaped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) out += static_cast<char>(next_byte(text, i));
  return out;
}

struct Component {
  enum Kind { literal, wildcard, any_directories } kind;
  std::string text;  // literal: unescaped; wildcard: the pattern
};

std::string joined(const std::string& prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return prefix.back() == '/' ? prefix + std::string(name) : prefix + "/" + std::string(name);
}

class Expansion {
 public:
  Expansion(std::string_view pattern, const DirectoryTree& tree) : tree_(tree) {
    directories_only_ = pattern.ends_with('/');
    std::size_t start = 0;
    while (start <= pattern.size()) {
      const std::size_t slash = std::min(pattern.find('/', start), pattern.size());
      const std::string_view text = pattern.substr(start, slash - start);
      if (!text.empty()) {
        if (text == "**") {
          components_.push_back({Component::any_directories, {}});
        } else if (has_glob_characters(text)) {
          components_.push_back({Component::wildcard, std::string(text)});
        } else {
          components_.push_back({Component::literal, unescaped(text)});
        }
      }
      start = slash + 1;
    }
    walk(pattern.starts_with('/') ? "/" : "", 0);
    std::sort(matches_.begin(), matches_.end());
    matches_.erase(std::unique(matches_.begin(), matches_.end()), matches_.end());
  }

  std::vector<std::string> matches() && { return std::move(matches_); }

 private:
  void walk(const std::string& prefix, std::size_t index) {
    if (index == components_.size()) {
      const DirectoryTree::Node node = tree_.look_up(prefix);
      if (directories_only_ ? node.directory : node.exists) {
        const std::string path = prefix.empty() ? "." : prefix;
        matches_.push_back(directories_only_ && !path.ends_with('/') ? path + "/" : path);
      }
      return;
    }
    const Component& component = components_[index];
    if (component.kind == Component::literal) {
      walk(joined(prefix, component.text), index + 1);
      return;
    }
    const DirectoryTree::Node directory = tree_.look_up(prefix);
    if (!directory.directory) return;
    std::vector<std::string> names = tree_.names(prefix);
    std::sort(names.begin(), names.end());
    if (component.kind == Component::wildcard) {
      for (const std::string& name : names) {
        if (may_match_hidden(component.text, name) && name_matches(component.text, name)) {
          walk_into(joined(prefix, name), index + 1);
        }
      }
      return;
    }
    // **: this directory (no directory at all), then each subdirectory with
    // the same ** still to match. A directory met again below itself is a
    // loop of symbolic links, which would never end (met again at the same
    // path, it is only a second ** starting where the first one did).
    for (const auto& [above, above_path] : descent_) {
      if (above.device == directory.device && above.inode == directory.inode && above_path != prefix) {
        throw InputError("input directory " + prefix + " leads back to " +
                         (above_path.empty() ? "." : above_path) + " (a loop of symbolic links)");
      }
    }
    descent_.emplace_back(directory, prefix);
    walk(prefix, index + 1);
    for (const std::string& name : names) {
      if (!is_hidden_name(name)) walk(joined(prefix, name), index);
    }
    descent_.pop_back();
  }

  // An entry just listed: a match if it was the last component (it exists),
  // otherwise a directory to go on in.
  void walk_into(const std::string& path, std::size_t index) {
    if (index == components_.size() && !directories_only_) {
      matches_.push_back(path);
    } else {
      walk(path, index);
    }
  }

  const DirectoryTree& tree_;
  std::vector<Component> components_;
  bool directories_only_ = false;
  std::vector<std::pair<DirectoryTree::Node, std::string>> descent_;  // the directories ** is inside
  std::vector<std::string> matches_;
};

}  // namespace

bool is_hidden_name(std::string_view name) { return !name.empty() && (name[0] == '.' || name[0] == '_'); }

bool has_glob_characters(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') {
      ++i;
    } else if (path[i] == '*' || path[i] == '?' || path[i] == '[') {
      return true;
    }
  }
  return false;
}

bool name_matches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0;
  std::size_t s = 0;
  // Where the last '*' was, and the byte of the name it is to swallow next,
  // if the rest fails to match: one '*' to go back to is enough, since every
  // other element matches exactly one byte.
  std::size_t star = std::string_view::npos;
  std::size_t star_name = 0;
  while (s < name.size()) {
    bool advanced = false;
    if (p < pattern.size()) {
      const auto c = static_cast<unsigned char>(name[s]);
      if (pattern[p] == '*') {
        star = ++p;
        star_name = s;
        continue;
      }
      if (pattern[p] == '?') {
        ++p;
        advanced = true;
      } else {
        bool matched = false;
        const std::size_t after = pattern[p] == '[' ? match_bracket(pattern, p, c, matched) : kNoBracket;
        if (after != kNoBracket) {
          if (matched) p = after;
          advanced = matched;
        } else {
          std::size_t next = p;
          if (next_byte(pattern, next) == c) {
            p = next;
            advanced = true;
          }
        }
      }
    }
    if (advanced) {
      ++s;
    } else if (star != std::string_view::npos) {
      p = star;
      s = ++star_name;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> expand_glob(std::string_view pattern, const DirectoryTree& tree) {
  return Expansion(pattern, tree).matches();
}

}  // namespace mapreduce::detail
