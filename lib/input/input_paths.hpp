#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mapreduce::detail {

// Whether the subdirectories of an input directory are read (--recursive).
enum class Subdirectories { skip, read };

// One file to read: a path, or standard input.
struct InputPath {
  std::string path;  // as the job names it: in messages and input_context().path()
  bool standard_input = false;
};

// What a job's inputs stand for: the files to open, in the order they are
// read.
struct ResolvedInputs {
  std::vector<InputPath> files;
  // Subdirectories of input directories left out because they are not read
  // (hidden ones, never read, are not counted).
  std::uint64_t skipped_subdirectories = 0;
};

// The files that the inputs a job was given stand for, in order:
// - "-" is standard input;
// - a path that exists is taken literally, glob characters and all: a
//   directory stands for its regular files in name order (names that start
//   with '.' or '_' left out, as Hadoop does; symbolic links followed;
//   FIFOs, devices and sockets left out; subdirectories counted and left
//   out, or, with Subdirectories::read, read in their place, recursively);
//   anything else is a file, which opening checks;
// - a path that does not exist and holds a '*', '?' or '[' (escaped or
//   not) is a glob (glob_pattern.hpp): its matches in byte order, each taken
//   as an entry of a directory is (a directory for its files, read as
//   above; a FIFO, device or socket left out), every file once;
// - any other path is a file, which opening reports missing.
// Throws InputError for a glob that matches nothing ("input 'logs/*.gz'
// matches no file"), a directory that cannot be read, or one inside itself
// (a loop of symbolic links, by device and inode).
ResolvedInputs resolve_inputs(const std::vector<std::string>& inputs, Subdirectories subdirectories);

}  // namespace mapreduce::detail
