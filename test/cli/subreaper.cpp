// subreaper: runs a command and reports every process it leaves behind, the
// cli tests' check for zombies and stray workers. Built for the tests only.
//
//   subreaper REPORT COMMAND [ARG...]
//
// This process becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so the
// kernel hands it every descendant orphaned by the command: a worker the
// command did not reap (a zombie) or one still running when it ended. Each is
// reaped and described in one line appended to REPORT, which stays empty when
// the command cleaned up after itself. A descendant still running 5 seconds
// after the command ended is killed with SIGKILL and reported as such.
//
// The command runs in a process group of its own, with SIGINT and SIGTERM at
// their defaults (as a foreground job started from a terminal), so a test can
// signal the job and its workers as Ctrl-C does without reaching this process.
// If this process gets SIGINT, SIGTERM or SIGHUP (a test timing out), it kills
// the command's process group first. It exits with the command's status, or
// 128 + N if signal N ended it, as a shell reports.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace {

constexpr int kGraceMilliseconds = 5000;
constexpr int kExitSetupFailed = 125;
constexpr int kExitCannotRun = 127;

volatile sig_atomic_t g_command = 0;

void on_signal(int signal) {
  if (g_command > 0) ::kill(-g_command, SIGKILL);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "wait status " + std::to_string(status);
}

// "(name) S" from /proc/PID/stat: the command name and the state letter.
std::string name_and_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto open = stat.find('(');
  const auto close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= stat.size()) return "(?) ?";
  return stat.substr(open, close - open + 1) + " " + stat[close + 2];
}

// This process's children right now, from /proc (CONFIG_PROC_CHILDREN).
std::map<pid_t, std::string> children() {
  const std::string self = std::to_string(::getpid());
  std::ifstream in("/proc/" + self + "/task/" + self + "/children");
  std::map<pid_t, std::string> found;
  pid_t pid = 0;
  while (in >> pid) found[pid] = name_and_state(pid);
  return found;
}

void sleep_one_millisecond() {
  const timespec delay{0, 1000000};
  ::nanosleep(&delay, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: subreaper REPORT COMMAND [ARG...]\n");
    return kExitSetupFailed;
  }
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    std::perror("subreaper: PR_SET_CHILD_SUBREAPER");
    return kExitSetupFailed;
  }
  // Close-on-exec: with the test's stdout closed this may be descriptor 1,
  // which the command must find closed too.
  const int report = ::open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (report < 0) {
    std::fprintf(stderr, "subreaper: cannot open %s: %s\n", argv[1], std::strerror(errno));
    return kExitSetupFailed;
  }

  const pid_t command = ::fork();
  if (command < 0) {
    std::perror("subreaper: fork");
    return kExitSetupFailed;
  }
  if (command == 0) {
    ::setpgid(0, 0);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(argv[2], argv + 2);
    std::fprintf(stderr, "subreaper: cannot run %s: %s\n", argv[2], std::strerror(errno));
    ::_exit(kExitCannotRun);
  }
  // Both sides set the group, so it exists before either goes on.
  ::setpgid(command, command);
  g_command = command;
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_signal;
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal, &action, nullptr);

  int status = 0;
  while (::waitpid(command, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("subreaper: waitpid");
      return kExitSetupFailed;
    }
  }
  g_command = 0;

  // Orphans are reparented before the command's parent is told of its end, so
  // this list is complete: what the command left behind, as it left it.
  const std::map<pid_t, std::string> left = children();
  std::set<pid_t> killed;
  for (int waited = 0;; ++waited) {
    int leftover_status = 0;
    const pid_t pid = ::waitpid(-1, &leftover_status, WNOHANG);
    if (pid < 0 && errno == ECHILD) break;
    if (pid > 0) {
      const auto found = left.find(pid);
      const std::string line =
          "pid " + std::to_string(pid) + " " + (found == left.end() ? std::string("(?) ?") : found->second) +
          " when the command ended; " + (killed.count(pid) ? "still running after 5 s, then " : "") +
          describe(leftover_status) + "\n";
      [[maybe_unused]] const ssize_t ignored = ::write(report, line.data(), line.size());
      continue;
    }
    if (waited == kGraceMilliseconds) {
      for (const auto& [child, ignored] : children()) {
        killed.insert(child);
        ::kill(child, SIGKILL);
      }
    }
    sleep_one_millisecond();
  }

  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : kExitSetupFailed;
}
