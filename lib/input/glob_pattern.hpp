#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mapreduce::detail {

// Input globs, as Hadoop's and mrjob's inputs take them ('logs/*.gz',
// 'data/**/part-*'), matched by bytes (as in the C locale):
//   *        any bytes within a path component, none included
//   ?        one byte
//   [abc]    one of the bytes; [a-z] a range, [!a] or [^a] any other byte,
//            [[:digit:]] a class of <cctype> (alnum alpha blank cntrl digit
//            graph lower print punct space upper xdigit); a ']' first is a
//            member; a '[' without its ']' is itself
//   \c       the byte c itself
//   **       as a whole component: any number of directories, zero included
//            (elsewhere, as *)
// A name that starts with '.' or '_' (hidden, or bookkeeping such as
// _SUCCESS, which reading a directory skips too) is matched only by a
// component that starts with that byte, and ** never enters such a
// directory. '.' and '..' are never matched.

// Whether `path` holds a '*', '?' or '[' that no '\' escapes: whether a
// component must be matched against the names of its directory, or is a
// name itself (once its escapes are removed).
bool has_glob_characters(std::string_view path);

// Whether a file name starts with '.' (hidden) or '_' (bookkeeping, such as
// _SUCCESS or _logs): names that Hadoop's input formats leave out.
bool is_hidden_name(std::string_view name);

// Whether the file name `name` (no '/') matches the pattern component
// `pattern`, hidden names included: the caller applies the rule above.
bool name_matches(std::string_view pattern, std::string_view name);

// The directory tree a glob is matched against: the file system, or a model
// of it in the tests.
class DirectoryTree {
 public:
  struct Node {
    bool exists = false;     // the path names something, perhaps a dangling symbolic link
    bool directory = false;  // it is a directory, or a symbolic link to one
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
  };
  virtual ~DirectoryTree() = default;
  // What `path` is ("" is the current directory); symbolic links followed.
  virtual Node look_up(const std::string& path) const = 0;
  // The names in the directory `path` ("" for the current one), without '.'
  // and '..', in any order. Throws InputError if it cannot be read.
  virtual std::vector<std::string> names(const std::string& path) const = 0;
};

// The paths that match `pattern` in `tree`, sorted by their bytes, each once:
// relative ones as the pattern spells them (no "./" added; "." for the
// current directory itself), absolute ones from "/". A pattern that ends in
// '/' matches directories only, and its matches end in '/'. Symbolic links
// are followed; a directory that ** would enter inside itself (by device and
// inode) is an InputError naming it. Throws InputError for a directory that
// cannot be read.
std::vector<std::string> expand_glob(std::string_view pattern, const DirectoryTree& tree);

}  // namespace mapreduce::detail
