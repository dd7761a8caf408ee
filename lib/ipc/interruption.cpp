#include "ipc/interruption.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "base/stderr_writer.hpp"
#include "mapreduce/options.hpp"

namespace mapreduce::detail {
namespace {

// Twice the process limit: replacements for dead workers are registered
// before the dead ones are forgotten.
constexpr std::size_t kMaxWorkers = 2 * Options::kMaxProcesses;
constexpr std::size_t kMaxText = 4096;

std::atomic<pid_t> g_workers[kMaxWorkers];
char g_temporary[kMaxText];
std::atomic<bool> g_has_temporary{false};
std::atomic<bool> g_temporary_is_directory{false};
std::atomic<std::size_t> g_temporary_parts{0};
char g_part_extension[8];  // of the part files, ".gz" or ".zst" or ""
std::atomic<bool> g_progress_line_shown{false};
std::atomic<bool> g_failure_reported{false};  // no "interrupted" after the job's own error
// The mapped inputs: a slot is in use while its begin is not null. Slots come
// in blocks chained by `next`, which only ever grows (a block, once linked,
// lives as long as the program), so the SIGBUS handler can walk them without a
// lock and every input is watched, however many a job has.
struct InputRegion {
  std::atomic<const char*> begin{nullptr};
  std::atomic<std::size_t> size{0};
  std::atomic<const char*> path{nullptr};
};
constexpr std::size_t kInputsPerBlock = 1024;
struct InputBlock {
  InputRegion regions[kInputsPerBlock];
  std::atomic<InputBlock*> next{nullptr};
};
InputBlock g_inputs;

template <class F>
void for_each_input_block(F&& f) {
  for (InputBlock* block = &g_inputs; block != nullptr; block = block->next.load()) f(*block);
}

char g_program[256] = "mapreduce";

// The signals whose default action ends the process, except SIGKILL and
// SIGSTOP, which cannot be caught, and SIGBUS, which has its own handler. A
// runner program catches each, unless it was started with it ignored.
constexpr int kEndingSignals[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP, SIGABRT, SIGFPE,
                                  SIGUSR1, SIGSEGV, SIGUSR2,   SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT,
                                  SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGPOLL, SIGPWR,  SIGSYS};
constexpr int kMaxSignal = 65;
// "terminated by SIGHUP\n" and the like, made before any handler runs.
char g_signal_messages[kMaxSignal][48];
std::atomic<bool> g_handled[kMaxSignal];

void copy_text(char* to, const char* from) {
  std::strncpy(to, from, kMaxText - 1);
  to[kMaxText - 1] = '\0';
}

// write_to_standard_error is async-signal-safe: write(2) only.
void write_text(const char* text) { write_to_standard_error(std::string_view(text, std::strlen(text))); }

// Async-signal-safe: kill, waitpid, unlink and write only. The workers are
// reaped here so that none outlives the job even as a zombie.
void clean_up() {
  for (auto& worker : g_workers) {
    const pid_t pid = worker.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  for (auto& worker : g_workers) {
    const pid_t pid = worker.exchange(0);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
  if (!g_has_temporary.load()) return;
  if (!g_temporary_is_directory.load()) {
    ::unlink(g_temporary);
    return;
  }
  // DIR/part-NNNNN and DIR/_SUCCESS, spelled out without snprintf, which a
  // signal handler may not call.
  char path[kMaxText + 32 + sizeof g_part_extension];
  const std::size_t length = std::strlen(g_temporary);
  std::memcpy(path, g_temporary, length);
  std::memcpy(path + length, "/_SUCCESS", 10);
  ::unlink(path);
  std::memcpy(path + length, "/part-", 6);
  for (std::size_t p = 0, parts = g_temporary_parts.load(); p < parts; ++p) {
    char digits[21];
    std::size_t n = 0;
    for (std::size_t v = p; v > 0 || n == 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
    while (n < 5) digits[n++] = '0';
    std::size_t at = length + 6;
    while (n > 0) path[at++] = digits[--n];
    for (const char* c = g_part_extension; *c != '\0'; ++c) path[at++] = *c;
    path[at] = '\0';
    ::unlink(path);
  }
  ::rmdir(g_temporary);
}

// The message starts on a clean line, not after the progress line.
void clear_progress_line() {
  if (g_progress_line_shown.load()) write_text("\r\x1b[K");
}

// ": terminated by SIGHUP\n" for `signal`, made before any handler runs.
void set_signal_message(int signal) {
  const char* name = ::sigabbrev_np(signal);
  char* message = g_signal_messages[signal];
  std::strcpy(message, ": terminated by SIG");
  std::strncat(message, name != nullptr ? name : "?", sizeof g_signal_messages[signal] - 24);
  std::strcat(message, "\n");
}

// Cleans up, says why (SIGPIPE, which `| head` causes, silently), and dies of
// the same signal, so the caller sees 128 + its number.
void on_ending_signal(int signal) {
  clean_up();
  if (signal != SIGPIPE && !g_failure_reported.load()) {
    clear_progress_line();
    write_text(g_program);
    write_text(signal == SIGINT || signal == SIGTERM ? ": interrupted\n" : g_signal_messages[signal]);
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

const InputRegion* input_holding(const char* address) {
  const InputRegion* found = nullptr;
  for_each_input_block([&](const InputBlock& block) {
    for (const InputRegion& input : block.regions) {
      const char* begin = input.begin.load();
      if (begin != nullptr && address >= begin && address < begin + input.size.load()) found = &input;
    }
  });
  return found;
}

void on_bus_error(int signal, siginfo_t* info, void*) {
  // Only a fault the kernel raised has an address (a kill(2) has si_code <= 0).
  const InputRegion* input =
      info->si_code > 0 ? input_holding(static_cast<const char*>(info->si_addr)) : nullptr;
  if (input != nullptr) {
    clean_up();
    clear_progress_line();
    write_text(g_program);
    write_text(": error: input ");
    write_text(input->path.load());
    write_text(" changed while the job was reading it (it shrank)\n");
    ::_exit(1);
  }
  on_ending_signal(signal);
}

}  // namespace

void register_worker(pid_t pid) {
  for (auto& worker : g_workers) {
    pid_t free = 0;
    if (worker.compare_exchange_strong(free, pid)) return;
  }
}

void unregister_worker(pid_t pid) {
  for (auto& worker : g_workers) {
    pid_t registered = pid;
    if (worker.compare_exchange_strong(registered, 0)) return;
  }
}

void register_temporary_file(const char* path) {
  g_has_temporary = false;
  copy_text(g_temporary, path);
  g_temporary_is_directory = false;
  g_has_temporary = true;
}

void register_temporary_directory(const char* path, std::string_view part_extension) {
  g_has_temporary = false;
  copy_text(g_temporary, path);
  const std::size_t length = std::min(part_extension.size(), sizeof g_part_extension - 1);
  std::memcpy(g_part_extension, part_extension.data(), length);
  g_part_extension[length] = '\0';
  g_temporary_parts = 0;
  g_temporary_is_directory = true;
  g_has_temporary = true;
}

void set_temporary_directory_parts(std::size_t parts) { g_temporary_parts = parts; }

void unregister_temporary_file() { g_has_temporary = false; }

void set_progress_line_shown(bool shown) { g_progress_line_shown = shown; }

void set_failure_reported() { g_failure_reported = true; }

void register_input(const void* begin, std::size_t size, const char* path) {
  for (InputBlock* block = &g_inputs;;) {
    for (InputRegion& input : block->regions) {
      const char* free = nullptr;
      // Claim the slot with a placeholder first, so that the handler never
      // sees a begin without its size and path.
      if (input.begin.compare_exchange_strong(free, reinterpret_cast<const char*>(&input))) {
        input.size = 0;
        input.path = path;
        input.size = size;
        input.begin = static_cast<const char*>(begin);
        return;
      }
    }
    InputBlock* next = block->next.load();
    if (next == nullptr) {
      auto fresh = std::make_unique<InputBlock>();
      // The chain owns the block from here on: it is never unlinked.
      if (block->next.compare_exchange_strong(next, fresh.get())) next = fresh.release();
    }
    block = next;
  }
}

void unregister_input(const void* begin) {
  bool done = false;
  for_each_input_block([&](InputBlock& block) {
    for (InputRegion& input : block.regions) {
      const char* registered = static_cast<const char*>(begin);
      if (!done && input.begin.compare_exchange_strong(registered, nullptr)) done = true;
    }
  });
}

void reset_interruption_in_worker() {
  for (auto& worker : g_workers) worker = 0;
  g_has_temporary = false;
  for_each_input_block([](InputBlock& block) {
    for (InputRegion& input : block.regions) input.begin = nullptr;
  });
  for (int signal : kEndingSignals) {
    if (g_handled[signal].load()) ::signal(signal, SIG_DFL);
  }
  ::signal(SIGINT, SIG_IGN);
  // A SIGTERM the program was started with ignored stays ignored in the
  // workers too; otherwise it ends a worker, whatever handler the parent has.
  struct sigaction term {};
  if (::sigaction(SIGTERM, nullptr, &term) != 0 || term.sa_handler != SIG_IGN) ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGBUS, SIG_DFL);
}

void install_interruption_handlers(std::string_view program) {
  const std::size_t length = program.size() < sizeof g_program - 1 ? program.size() : sizeof g_program - 1;
  std::memcpy(g_program, program.data(), length);
  g_program[length] = '\0';

  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  // One clean-up at a time: a second signal waits for the first to finish.
  for (int signal : kEndingSignals) sigaddset(&action.sa_mask, signal);
  action.sa_handler = on_ending_signal;
  for (int signal : kEndingSignals) {
    set_signal_message(signal);
    struct sigaction previous {};
    // A signal the program was started with ignored (nohup, a script's
    // background job) stays ignored, as the shell and Python expect.
    if (::sigaction(signal, nullptr, &previous) != 0 || previous.sa_handler == SIG_IGN) continue;
    ::sigaction(signal, &action, nullptr);
    g_handled[signal] = true;
  }

  set_signal_message(SIGBUS);
  struct sigaction bus {};
  bus.sa_mask = caught_signals();
  bus.sa_sigaction = on_bus_error;
  bus.sa_flags = SA_SIGINFO;
  ::sigaction(SIGBUS, &bus, nullptr);
}

sigset_t caught_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : kEndingSignals) sigaddset(&signals, signal);
  sigaddset(&signals, SIGBUS);
  return signals;
}

}  // namespace mapreduce::detail
