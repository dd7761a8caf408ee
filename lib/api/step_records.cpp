#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <boost/core/demangle.hpp>

#include "base/system_error.hpp"
#include "base/unique_fd.hpp"
#include "mapreduce/error.hpp"
#include "mapreduce/pipeline.hpp"

namespace mapreduce::detail {

struct StepRecords::Impl {
  std::ostringstream stream;
  UniqueFd fd;
  std::vector<std::string> inputs;
};

StepRecords::StepRecords() : impl_(std::make_unique<Impl>()) {}
StepRecords::~StepRecords() = default;
StepRecords::StepRecords(StepRecords&&) noexcept = default;
StepRecords& StepRecords::operator=(StepRecords&&) noexcept = default;

std::ostream& StepRecords::stream() { return impl_->stream; }

void StepRecords::seal() {
  const std::string bytes = std::move(impl_->stream).str();
  impl_->stream = std::ostringstream();
  UniqueFd fd(::memfd_create("mapreduce-step", MFD_CLOEXEC));
  if (!fd) throw_errno<ResourceError>("cannot hold a pipeline step's output in memory", errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno<ResourceError>("cannot hold a pipeline step's output in memory", errno);
    written += static_cast<std::size_t>(n);
  }
  impl_->inputs = {"/proc/self/fd/" + std::to_string(fd.get())};
  impl_->fd = std::move(fd);
}

const std::vector<std::string>& StepRecords::inputs() const { return impl_->inputs; }

void StepTypes::throw_mismatch(const std::type_info& written_key, const std::type_info& written_value) const {
  using boost::core::demangle;
  throw UsageError("the reducer wrote a (" + demangle(written_key.name()) + ", " +
                   demangle(written_value.name()) + ") record, but the next step reads (" +
                   demangle(key->name()) + ", " + demangle(value->name()) +
                   ") records: write those types, or change the next step's mapreduce::Pairs<K, V>");
}

}  // namespace mapreduce::detail
