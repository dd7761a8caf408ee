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
std::atomic<const char*> g_input_begin{nullptr};
std::atomic<std::size_t> g_input_size{0};
char g_input_path[kMaxText];
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
  if (g_has_temporary.load()) ::unlink(g_temporary);
}

void on_interrupt(int signal) {
  clean_up();
  write_text(g_program);
  write_text(": interrupted\n");
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void on_bus_error(int signal, siginfo_t* info, void*) {
  const char* begin = g_input_begin.load();
  const char* address = static_cast<const char*>(info->si_addr);
  if (begin != nullptr && address >= begin && address < begin + g_input_size.load()) {
    clean_up();
    write_text(g_program);
    write_text(": error: input ");
    write_text(g_input_path);
    write_text(" changed while the job was reading it (it shrank)\n");
    ::_exit(1);
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
  g_has_temporary = true;
}

void unregister_temporary_file() { g_has_temporary = false; }

void register_input(const void* begin, std::size_t size, const char* path) {
  g_input_begin = nullptr;
  copy_text(g_input_path, path);
  g_input_size = size;
  g_input_begin = static_cast<const char*>(begin);
}

void unregister_input() { g_input_begin = nullptr; }

void reset_interruption_in_worker() {
  for (auto& worker : g_workers) worker = 0;
  g_has_temporary = false;
  g_input_begin = nullptr;
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
