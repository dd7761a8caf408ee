#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "mapreduce/detail/erased_job.hpp"

namespace mapreduce::detail {

// Reduces one partition of a job without a combiner: reads its (key, value)
// records from every section in place, groups them by key bytes, and calls
// the job's reducer once per distinct key in ascending byte order of the keys.
// Values reach reducer in the order of `sections`, then of the records within
// each. Throws what the job throws (ReduceFailure).
void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out);

// The buffers reduce_grouped lays a partition's records out in. A worker
// that reduces several partitions keeps one and passes it to each call, so
// that their memory is faulted in once, for its largest partition, rather
// than once per partition: the kernel's zeroing of fresh pages was a tenth of
// a no-combiner word count's time. Holds that memory (about the largest
// partition's records' group numbers and values, and its keys' table) until
// it goes, outside the memory limit's accounting.
class GroupingScratch {
 public:
  GroupingScratch();
  ~GroupingScratch();
  GroupingScratch(const GroupingScratch&) = delete;
  GroupingScratch& operator=(const GroupingScratch&) = delete;

  struct Buffers;  // reduce.cpp's
  // Made at the first call that needs them: a job with a combiner, or a
  // merge after a spill, never does.
  Buffers& buffers();

 private:
  std::unique_ptr<Buffers> buffers_;
};

// reduce_grouped, in `scratch`'s buffers.
void reduce_grouped(ErasedJob& job, std::span<const std::string_view> sections, ReduceOutput& out,
                    GroupingScratch& scratch);

}  // namespace mapreduce::detail
