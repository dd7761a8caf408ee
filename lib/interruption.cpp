#include "interruption.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

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
std::atomic<bool> g_progress_line_shown{false};
// The mapped inputs: a slot is in use while its begin is not null.
struct InputRegion {
  std::atomic<const char*> begin{nullptr};
  std::atomic<std::size_t> size{0};
  std::atomic<const char*> path{nullptr};
};
InputRegion g_inputs[kMaxRegisteredInputs];
char g_program[256] = "mapreduce";

void copy_text(char* to, const char* from) {
  std::strncpy(to, from, kMaxText - 1);
  to[kMaxText - 1] = '\0';
}

void write_text(const char* text) {
  const std::size_t length = std::strlen(text);
  [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, text, length);
}

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
  char path[kMaxText + 32];
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
    path[at] = '\0';
    ::unlink(path);
  }
  ::rmdir(g_temporary);
}

// The message starts on a clean line, not after the progress line.
void clear_progress_line() {
  if (g_progress_line_shown.load()) write_text("\r\x1b[K");
}

void on_interrupt(int signal) {
  clean_up();
  clear_progress_line();
  write_text(g_program);
  write_text(": interrupted\n");
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void on_bus_error(int signal, siginfo_t* info, void*) {
  const char* address = static_cast<const char*>(info->si_addr);
  for (const InputRegion& input : g_inputs) {
    const char* begin = input.begin.load();
    if (begin != nullptr && address >= begin && address < begin + input.size.load()) {
      clean_up();
      clear_progress_line();
      write_text(g_program);
      write_text(": error: input ");
      write_text(input.path.load());
      write_text(" changed while the job was reading it (it shrank)\n");
      ::_exit(1);
    }
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);
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

void register_temporary_directory(const char* path) {
  g_has_temporary = false;
  copy_text(g_temporary, path);
  g_temporary_parts = 0;
  g_temporary_is_directory = true;
  g_has_temporary = true;
}

void set_temporary_directory_parts(std::size_t parts) { g_temporary_parts = parts; }

void unregister_temporary_file() { g_has_temporary = false; }

void set_progress_line_shown(bool shown) { g_progress_line_shown = shown; }

void register_input(const void* begin, std::size_t size, const char* path) {
  for (InputRegion& input : g_inputs) {
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
}

void unregister_input(const void* begin) {
  for (InputRegion& input : g_inputs) {
    const char* registered = static_cast<const char*>(begin);
    if (input.begin.compare_exchange_strong(registered, nullptr)) return;
  }
}

void reset_interruption_in_worker() {
  for (auto& worker : g_workers) worker = 0;
  g_has_temporary = false;
  for (InputRegion& input : g_inputs) input.begin = nullptr;
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGBUS, SIG_DFL);
}

void install_interruption_handlers(std::string_view program) {
  const std::size_t length = program.size() < sizeof g_program - 1 ? program.size() : sizeof g_program - 1;
  std::memcpy(g_program, program.data(), length);
  g_program[length] = '\0';

  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  struct sigaction bus {};
  sigemptyset(&bus.sa_mask);
  bus.sa_sigaction = on_bus_error;
  bus.sa_flags = SA_SIGINFO;
  ::sigaction(SIGBUS, &bus, nullptr);
}

}  // namespace mapreduce::detail
