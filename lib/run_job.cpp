#include <new>
#include <thread>

#include "engines.hpp"
#include "mapreduce/detail/erased_job.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// setup() and cleanup() errors keep their type when they are ours already
// (a catalogue that cannot be read is an InputError) and are otherwise named.
template <class F>
void call_user_code(const char* what, F&& f) {
  try {
    f();
  } catch (const Error&) {
    throw;
  } catch (...) {
    throw UserCodeError(std::string(what) + " failed: " + current_exception_message());
  }
}

unsigned resolve_processes(unsigned requested) {
  if (requested > Options::kMaxProcesses) {
    throw UsageError("processes must be at most " + std::to_string(Options::kMaxProcesses) + ", not " +
                     std::to_string(requested));
  }
  if (requested != 0) return requested;
  const unsigned online = std::thread::hardware_concurrency();
  return online == 0 ? 1 : (online > Options::kMaxProcesses ? Options::kMaxProcesses : online);
}

EngineSettings resolve_settings(const Options& options) {
  if (options.max_attempts < 1) throw UsageError("max_attempts must be at least 1");
  if (!(options.task_timeout >= 0)) throw UsageError("task_timeout must be 0 (no limit) or a positive number of seconds");
  EngineSettings settings;
  settings.processes = resolve_processes(options.processes);
  settings.max_attempts = options.max_attempts;
  settings.task_timeout = options.task_timeout;
  settings.retry_exceptions = options.retry_exceptions;
  return settings;
}

}  // namespace

void run_job(ErasedJob& job, const std::string& input_path, const Options& options, EngineKind kind) {
  const EngineSettings settings = kind == EngineKind::concurrent ? resolve_settings(options) : EngineSettings{};
  const InputFile input(input_path);
  Output out(options);
  call_user_code("setup()", [&] { job.setup(); });
  try {
    if (kind == EngineKind::sequential) {
      run_sequential(job, input, out);
    } else {
      run_concurrent(job, input, settings, out);
    }
  } catch (const std::bad_alloc&) {
    throw ResourceError("out of memory while running the job on " + input_path);
  }
  out.commit();
  call_user_code("cleanup()", [&] { job.cleanup(); });
}

}  // namespace mapreduce::detail
