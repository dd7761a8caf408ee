#include "spill/output_spill.hpp"

namespace mapreduce::detail {

void ReduceRunSpiller::spill(ReduceOutput& out) {
  if (!spilled_) {
    start_ = file_.size();
    spilled_ = true;
  }
  file_.append(out.bytes());
  out.drop_records();
}

SpillExtent ReduceRunSpiller::finish(ReduceOutput& out) {
  spill(out);
  spilled_ = false;
  return SpillExtent{start_, file_.size() - start_};
}

}  // namespace mapreduce::detail
