#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "input/decompression.hpp"
#include "input/input_file.hpp"
#include "input/input_paths.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce::detail {

// One map task: a record-aligned byte range of an uncompressed input (a whole
// input, for file records), or a whole compressed input (which can only be
// read from its start).
struct MapTask {
  std::uint32_t file;
  std::string_view bytes;
};

// All the inputs of a job, opened and mapped, and cut into map tasks. Inputs
// are files, directories (their regular files in name order, skipping names
// that start with '.' or '_', as Hadoop does, and subdirectories unless they
// are read), globs, "-" for standard input (at most once); compressed ones
// (compression_format.hpp: recognised by content) are decompressed by the
// task that reads them (input_paths.hpp says what each input stands for). A
// record never spans two inputs. The tasks depend on the inputs and the
// record format alone, never on the number of processes.
class InputSet {
 public:
  // Throws InputError naming the path and the cause (for fixed records, an
  // uncompressed input whose size is not a multiple of the record size), or
  // UsageError for no input or "-" given twice.
  explicit InputSet(const std::vector<std::string>& paths, const RecordFormat& records = {},
                    Subdirectories subdirectories = Subdirectories::skip);

  const std::vector<MapTask>& tasks() const { return tasks_; }
  std::size_t file_count() const { return files_.size(); }
  // The bytes of every input as stored (compressed ones compressed).
  std::uint64_t stored_bytes() const { return stored_bytes_; }
  const RecordFormat& records() const { return records_; }
  // Subdirectories of input directories that were not read.
  std::uint64_t skipped_subdirectories() const { return skipped_subdirectories_; }

  // Calls blocks(text) with the text of task t, in blocks of whole records
  // (decompressed). Throws InputError for corrupt compressed data.
  void read(std::size_t t, const std::function<void(std::string_view text)>& blocks) const;

  // The mapped text of the file task t reads, or "" when the task
  // decompresses it (its text exists only block by block).
  std::string_view file_text(std::size_t t) const {
    const File& file = files_[tasks_[t].file];
    return file.compression == InputCompression::none ? file.input->data() : std::string_view();
  }

  // The path of the input that task t reads ("standard input" for "-").
  const std::string& path_of(std::size_t t) const { return files_[tasks_[t].file].input->path(); }

  // "bytes 0-1048576 of PATH" or "PATH (compressed, read whole)".
  std::string describe(std::size_t t) const;

  // Throws InputError if any input changed since it was mapped.
  void check_unchanged() const;

 private:
  struct File {
    std::unique_ptr<InputFile> input;
    InputCompression compression;
  };
  void add(const InputPath& file);
  void add_file(std::unique_ptr<InputFile> input);
  void cut_into_tasks();

  RecordFormat records_;
  std::vector<File> files_;
  std::vector<MapTask> tasks_;
  std::uint64_t stored_bytes_ = 0;
  std::uint64_t skipped_subdirectories_ = 0;
  bool has_standard_input_ = false;
};

}  // namespace mapreduce::detail
