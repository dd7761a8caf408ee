#include "input/input_set.hpp"

#include "input/chunking.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {

InputSet::InputSet(const std::vector<std::string>& paths, const RecordFormat& records,
                   Subdirectories subdirectories)
    : records_(records) {
  if (paths.empty()) throw UsageError("no input given");
  const ResolvedInputs resolved = resolve_inputs(paths, subdirectories);
  skipped_subdirectories_ = resolved.skipped_subdirectories;
  for (const InputPath& file : resolved.files) add(file);
  cut_into_tasks();
}

void InputSet::add(const InputPath& file) {
  if (file.standard_input) {
    if (has_standard_input_) throw UsageError("standard input (-) can be read only once");
    has_standard_input_ = true;
    add_file(InputFile::standard_input());
  } else {
    add_file(std::make_unique<InputFile>(file.path));
  }
}

void InputSet::add_file(std::unique_ptr<InputFile> input) {
  const std::string_view data = input->data();
  // Standard input has no name: its content alone says how to read it.
  const InputCompression compression = compression_of(data, input->path(), input->path() != "standard input");
  stored_bytes_ += data.size();
  if (compression == InputCompression::none && records_.kind == RecordKind::fixed &&
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
    if (files_[index].compression != InputCompression::none || records_.kind == RecordKind::file) {
      // A file record is read whole, an empty one too.
      tasks_.push_back(MapTask{index, data});
    } else if (!data.empty()) {
      const InputFile& file = *files_[index].input;
      for (std::string_view range : record_aligned_ranges(data, map_task_count(data.size(), task_size),
                                                          records_, [&file] { file.release(); })) {
        if (!range.empty()) tasks_.push_back(MapTask{index, range});
      }
    }
  }
}

void InputSet::read(std::size_t t, const std::function<void(std::string_view text)>& blocks) const {
  const MapTask& task = tasks_[t];
  const File& file = files_[task.file];
  if (file.compression == InputCompression::none) {
    blocks(task.bytes);
  } else {
    decompress_records(file.compression, task.bytes, file.input->path(), records_, blocks);
  }
  file.input->release();
}

std::string InputSet::describe(std::size_t t) const {
  const MapTask& task = tasks_[t];
  const File& file = files_[task.file];
  if (file.compression != InputCompression::none) return file.input->path() + " (compressed, read whole)";
  const auto begin = static_cast<std::size_t>(task.bytes.data() - file.input->data().data());
  return "bytes " + std::to_string(begin) + "-" + std::to_string(begin + task.bytes.size()) + " of " +
         file.input->path();
}

void InputSet::check_unchanged() const {
  for (const File& file : files_) file.input->check_unchanged();
}

}  // namespace mapreduce::detail
