#include "input/input_set.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "base/system_error.hpp"
#include "input/chunking.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// The regular files of a directory, in name order, as Hadoop's input formats
// list them: hidden ('.') and bookkeeping ('_', such as _SUCCESS) names,
// subdirectories and anything else that is not a regular file are left out.
std::vector<std::string> files_in(const std::string& directory) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) throw_errno<InputError>("cannot read input directory " + directory, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.' || entry->d_name[0] == '_') continue;
    names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  const std::string prefix = directory.ends_with('/') ? directory : directory + "/";
  std::vector<std::string> files;
  for (const std::string& name : names) {
    struct stat status;
    const std::string path = prefix + name;
    // Subdirectories, FIFOs, devices and sockets are not part of the data;
    // a name that cannot be looked up is opened, and its error reported.
    if (::stat(path.c_str(), &status) == 0 && !S_ISREG(status.st_mode)) continue;
    files.push_back(path);
  }
  return files;
}

bool is_directory(const std::string& path) {
  struct stat status;
  return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

}  // namespace

InputSet::InputSet(const std::vector<std::string>& paths, const RecordFormat& records) : records_(records) {
  if (paths.empty()) throw UsageError("no input given");
  for (const std::string& path : paths) add(path);
  cut_into_tasks();
}

void InputSet::add(const std::string& path) {
  if (path == "-") {
    if (has_standard_input_) throw UsageError("standard input (-) can be read only once");
    has_standard_input_ = true;
    add_file(InputFile::standard_input());
  } else if (is_directory(path)) {
    for (const std::string& file : files_in(path)) add_file(std::make_unique<InputFile>(file));
  } else {
    add_file(std::make_unique<InputFile>(path));
  }
}

void InputSet::add_file(std::unique_ptr<InputFile> input) {
  const std::string_view data = input->data();
  // Standard input has no name: its content alone says how to read it.
  const Compression compression = compression_of(data, input->path(), input->path() != "standard input");
  stored_bytes_ += data.size();
  if (compression == Compression::none && records_.kind == RecordKind::fixed &&
      data.size() % records_.size != 0) {
    throw InputError("input " + input->path() + " is " + std::to_string(data.size()) +
                     " bytes, not a whole number of " + std::to_string(records_.size) + "-byte records");
  }
  files_.push_back(File{std::move(input), compression});
}

// Once every file is known, since the task size depends on them all.
void InputSet::cut_into_tasks() {
  const std::size_t task_size = map_task_size(stored_bytes_);
  for (std::uint32_t index = 0; index < files_.size(); ++index) {
    const std::string_view data = files_[index].input->data();
    if (files_[index].compression != Compression::none || records_.kind == RecordKind::file) {
      // A file record is read whole, an empty one too.
      tasks_.push_back(MapTask{index, data});
    } else if (!data.empty()) {
      for (std::string_view range :
           record_aligned_ranges(data, map_task_count(data.size(), task_size), records_)) {
        if (!range.empty()) tasks_.push_back(MapTask{index, range});
      }
    }
  }
}

void InputSet::read(std::size_t t, const std::function<void(std::string_view text)>& blocks) const {
  const MapTask& task = tasks_[t];
  const File& file = files_[task.file];
  if (file.compression == Compression::none) {
    blocks(task.bytes);
  } else {
    decompress_records(file.compression, task.bytes, file.input->path(), records_, blocks);
  }
  file.input->release(task.bytes);
}

std::string InputSet::describe(std::size_t t) const {
  const MapTask& task = tasks_[t];
  const File& file = files_[task.file];
  if (file.compression != Compression::none) return file.input->path() + " (compressed, read whole)";
  const auto begin = static_cast<std::size_t>(task.bytes.data() - file.input->data().data());
  return "bytes " + std::to_string(begin) + "-" + std::to_string(begin + task.bytes.size()) + " of " +
         file.input->path();
}

void InputSet::check_unchanged() const {
  for (const File& file : files_) file.input->check_unchanged();
}

}  // namespace mapreduce::detail
