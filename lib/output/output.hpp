#pragma once

#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/unique_fd.hpp"
#include "mapreduce/detail/byte_buffer.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/options.hpp"
#include "output/compressor.hpp"

namespace mapreduce::detail {

// Where the job's output lines go: a stream, standard output, a file, or a
// directory of part files. A file or directory is written beside its final
// path and renamed into place by commit(); until then nothing replaces an
// existing file, and a destroyed, uncommitted Output removes what it wrote.
// Output is buffered in large blocks, and compressed as it goes when the
// options ask for it (output_compression): a file as one gzip member or zstd
// frame, each part file as its own, named part-00000.gz or .zst.
class Output {
 public:
  // Opens the destination named by the options; a file's temporary (or a
  // directory's) is created now, so an unwritable place fails the job before
  // any work. Throws ResourceError naming the path and the cause (a missing
  // or unwritable directory), or UsageError for an output file that is a
  // directory, an output directory that exists and is not empty, or
  // compressed output to a terminal.
  // How standard output is reached: directly, or relayed by an MPI launcher
  // through a pseudo-terminal, which is no reason to refuse compressed bytes.
  enum class StandardOutput { direct, relayed };
  explicit Output(const Options& options, StandardOutput standard_output = StandardOutput::direct);
  // Part files for options.output_dir written into `temporary_directory`,
  // the temporary of another process's Output for it (a cluster rank's
  // into rank 0's, which commits it, and removes every part file it
  // expects if it does not): this one only writes them.
  Output(const Options& options, const std::string& temporary_directory);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Writes the output lines of reduce records (key, line) from the reduced
  // partitions, each sorted by key, keys disjoint across partitions: merged
  // in ascending key order, or, for a directory, partition p into part file p.
  // Called once.
  void write_partitions(std::span<const std::string_view> partitions);

  // Writes `pieces`, output lines already merged (merge_key_range's parts,
  // each made by a worker), one after the other. Not for a directory.
  // Called once.
  void write_merged(std::span<const std::string_view> pieces);

  // Writes the output lines of (empty key, line) records from runs in the
  // given order (a map-only job's map tasks): one after the other, or, for a
  // directory, run r into part file r. Called once.
  void write_in_order(std::span<const std::string_view> runs);

  // For a directory: writes the output lines of `runs[i]` into part file
  // `numbers[i]`, the others being written by other processes.
  void write_part_files(std::span<const std::string_view> runs, std::span<const std::size_t> numbers);

  // For a directory: its temporary, where other processes write part files
  // (the constructor above), and how many part files there will be in all,
  // 0 to parts - 1, for this Output to remove when it is not committed.
  const std::string& temporary_directory() const { return temp_path_; }
  void expect_parts(std::size_t parts);

  // The runs given to the write_ functions are shared mappings (memfd
  // arenas, spill files): their pages are given back as they are written,
  // so that an output larger than memory streams through it.
  void release_pages_as_written() { release_pages_ = true; }

  // Writes raw bytes (the streaming modes' output). Not for a directory.
  void write(std::string_view bytes);

  // Flushes and, for a file or directory, moves it into place (a directory
  // gets its _SUCCESS file first). Throws ResourceError.
  void commit();

 private:
  void flush();
  void end_stream();  // flushes, and ends the compressed stream
  void refuse_terminal() const;
  std::string name() const;
  void write_out(std::string& bytes);
  void write_lines(std::string_view records);
  // With release_pages_as_written: gives back `run`'s pages from
  // `*released` up to `written`, once that is many.
  void release_written(const char*& released, const char* written) const;
  void open_part(std::size_t p);
  void remove_temporary();
  bool link_into_place(int fd);  // false when a file of the final name exists
  void give_name(int fd);

  std::ostream* stream_ = nullptr;
  UniqueFd file_;
  int fd_ = -1;
  std::string path_;       // the final path, for a file or directory
  std::string temp_path_;  // its temporary, until commit
  bool unnamed_ = false;   // an O_TMPFILE file, until commit
  bool directory_ = false;
  std::size_t parts_ = 0;  // part files to remove from the temporary directory
  std::size_t part_ = 0;   // the part file being written
  bool borrowed_ = false;  // the temporary directory is another Output's
  bool release_pages_ = false;
  std::string_view part_extension_;
  std::unique_ptr<Compressor> compressor_;  // null for plain output
  std::string buffer_;
  std::string compressed_;  // compressor_'s output, written out in large blocks
};

// The reader of the output pipe went away (`| head`): the job ends quietly.
class OutputClosed : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

// "part-00042": Hadoop's name for the output of reduce partition 42, and
// "part-00042.gz" with the extension of a compressed one.
std::string part_file_name(std::size_t partition, std::string_view extension = "");

}  // namespace mapreduce::detail
