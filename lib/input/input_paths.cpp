#include "input/input_paths.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <set>

#include "base/system_error.hpp"
#include "input/glob_pattern.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

class FileSystemTree final : public DirectoryTree {
 public:
  Node look_up(const std::string& path) const override {
    const char* const name = path.empty() ? "." : path.c_str();
    struct stat status;
    Node node;
    if (::stat(name, &status) == 0) {
      node.exists = true;
      node.directory = S_ISDIR(status.st_mode);
      node.device = status.st_dev;
      node.inode = status.st_ino;
    } else {
      node.exists = ::lstat(name, &status) == 0;  // a dangling symbolic link
    }
    return node;
  }

  std::vector<std::string> names(const std::string& path) const override {
    const std::string directory = path.empty() ? "." : path;
    const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
    if (dir == nullptr) throw_errno<InputError>("cannot read input directory " + directory, errno);
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir.get())) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    return names;
  }
};

// The same directory, spelled with or without a final '/'.
std::string without_final_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

class Resolver {
 public:
  explicit Resolver(Subdirectories subdirectories) : subdirectories_(subdirectories) {}

  void add(const std::string& input) {
    struct stat status;
    if (input == "-") {
      resolved_.files.push_back(InputPath{"-", true});
    } else if (::lstat(input.c_str(), &status) == 0 || input.find_first_of("*?[") == std::string::npos) {
      add_named(input);
    } else {
      const std::vector<std::string> matches = expand_glob(input, tree_);
      if (matches.empty()) throw InputError("input '" + input + "' matches no file");
      // A file that two matches lead to (a directory and a file in it, or a
      // directory read recursively and its subdirectory) is read once.
      std::set<std::string> seen;
      seen_ = &seen;
      for (const std::string& match : matches) add_match(match);
      seen_ = nullptr;
    }
  }

  ResolvedInputs result() && {
    for (const std::string& skipped : skipped_) {
      if (!read_.contains(skipped)) ++resolved_.skipped_subdirectories;
    }
    return std::move(resolved_);
  }

 private:
  struct Ancestor {
    dev_t device;
    ino_t inode;
    std::string path;
  };

  // A path as if given by name: a directory for its files, anything else
  // for itself (opening it says what is wrong).
  void add_named(const std::string& path) {
    struct stat status;
    if (::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) {
      add_directory(path, status);
    } else {
      add_file(path);
    }
  }

  // A path a glob matched, as an entry of a directory is taken: a directory
  // for its files, a FIFO, device or socket left out.
  void add_match(const std::string& path) {
    struct stat status;
    if (::stat(path.c_str(), &status) != 0 || S_ISREG(status.st_mode)) {
      add_file(path);
    } else if (S_ISDIR(status.st_mode)) {
      add_directory(path, status);
    }
  }

  void add_file(const std::string& path) {
    if (seen_ != nullptr && !seen_->insert(path).second) return;
    resolved_.files.push_back(InputPath{path, false});
  }

  void add_directory(const std::string& directory, const struct stat& status) {
    for (const Ancestor& above : ancestors_) {
      if (above.device == status.st_dev && above.inode == status.st_ino) {
        throw InputError("input directory " + directory + " leads back to " + above.path +
                         " (a loop of symbolic links)");
      }
    }
    read_.insert(without_final_slash(directory));
    std::vector<std::string> names = tree_.names(directory);
    std::erase_if(names, [](const std::string& name) { return is_hidden_name(name); });
    std::sort(names.begin(), names.end());
    ancestors_.push_back(Ancestor{status.st_dev, status.st_ino, directory});
    const std::string prefix = directory.ends_with('/') ? directory : directory + "/";
    for (const std::string& name : names) {
      const std::string path = prefix + name;
      struct stat entry;
      if (::stat(path.c_str(), &entry) != 0 || S_ISREG(entry.st_mode)) {
        // A name that cannot be looked up is opened, and its error reported.
        add_file(path);
      } else if (S_ISDIR(entry.st_mode)) {
        if (subdirectories_ == Subdirectories::read) {
          add_directory(path, entry);
        } else {
          skipped_.insert(path);
        }
      }
      // FIFOs, devices and sockets are not part of the data.
    }
    ancestors_.pop_back();
  }

  const Subdirectories subdirectories_;
  const FileSystemTree tree_;
  ResolvedInputs resolved_;
  std::set<std::string>* seen_ = nullptr;  // the files of the glob being added
  std::vector<Ancestor> ancestors_;        // the directories being read, outermost first
  // Subdirectories left out, and the directories read: one left out inside
  // a directory but read as an input of its own is not counted.
  std::set<std::string> skipped_;
  std::set<std::string> read_;
};

}  // namespace

ResolvedInputs resolve_inputs(const std::vector<std::string>& inputs, Subdirectories subdirectories) {
  Resolver resolver(subdirectories);
  for (const std::string& input : inputs) resolver.add(input);
  return std::move(resolver).result();
}

}  // namespace mapreduce::detail
