#include "worker_pool.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "mapreduce/error.hpp"
#include "system_error.hpp"

namespace mapreduce::detail {
namespace {

// How long a worker whose channel closed may take to finish exiting before it
// is killed: it has nothing left to do but die.
constexpr int kExitGraceMilliseconds = 2000;

void sleep_one_millisecond() {
  const timespec delay{0, 1000000};
  ::nanosleep(&delay, nullptr);
}

[[noreturn]] void run_worker(unsigned index, int channel, pid_t parent, const WorkerPool::WorkerMain& body) {
  // Die with the parent. The parent may have died before prctl took effect, so
  // check that we were not already handed to another process.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
  int status = 0;
  try {
    body(index, channel);
  } catch (...) {
    status = 70;
  }
  // What user code printed in the worker must not be lost; the parent's
  // buffers were empty at fork, so nothing prints twice.
  std::fflush(nullptr);
  ::_exit(status);
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = ::strsignal(signal);
    return "was killed by signal " + std::to_string(signal) + " (" + (name ? name : "unknown") + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped with wait status " + std::to_string(status);
}

WorkerPool::WorkerPool(unsigned count, const WorkerMain& body) {
  workers_.reserve(count);
  const pid_t parent = ::getpid();
  for (unsigned i = 0; i < count; ++i) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      const int error = errno;
      kill_all();
      throw_errno<ResourceError>("cannot create a channel for worker " + std::to_string(i), error);
    }
    UniqueFd parent_end(ends[0]);
    UniqueFd worker_end(ends[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int error = errno;
      kill_all();
      throw_errno<ResourceError>("cannot fork worker " + std::to_string(i) + " of " + std::to_string(count), error);
    }
    if (pid == 0) {
      // The other workers' channels must close when the parent dies, so this
      // worker must not hold their parent ends.
      for (Worker& other : workers_) ::close(other.channel.release());
      ::close(parent_end.release());
      run_worker(i, worker_end.release(), parent, body);
    }
    workers_.push_back(Worker{pid, std::move(parent_end)});
  }
}

WorkerPool::~WorkerPool() { kill_all(); }

void WorkerPool::kill_all() {
  for (Worker& worker : workers_) {
    if (worker.pid > 0) reap(worker, true);
  }
}

std::string WorkerPool::reap(Worker& worker, bool kill_first) {
  if (kill_first) ::kill(worker.pid, SIGKILL);
  int status = 0;
  for (int waited = 0;; ++waited) {
    const pid_t done = ::waitpid(worker.pid, &status, kill_first ? 0 : WNOHANG);
    if (done == worker.pid) break;
    if (done < 0 && errno != EINTR) {
      worker.pid = -1;
      return "could not be waited for: " + errno_text(errno);
    }
    if (done == 0) {
      if (waited >= kExitGraceMilliseconds) {
        ::kill(worker.pid, SIGKILL);
        kill_first = true;
      } else {
        sleep_one_millisecond();
      }
    }
  }
  worker.pid = -1;
  worker.channel.reset();
  return describe_wait_status(status);
}

std::optional<WorkerPool::Failure> WorkerPool::run_phase(char command) {
  std::vector<pollfd> waiting;
  std::vector<unsigned> owner;
  for (unsigned i = 0; i < workers_.size(); ++i) {
    if (::send(workers_[i].channel.get(), &command, 1, MSG_NOSIGNAL) != 1) {
      {
        const pid_t pid = workers_[i].pid;
        return Failure{i, pid, 0, reap(workers_[i], false)};
      }
    }
    waiting.push_back(pollfd{workers_[i].channel.get(), POLLIN, 0});
    owner.push_back(i);
  }
  while (!waiting.empty()) {
    if (::poll(waiting.data(), waiting.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno<ResourceError>("cannot wait for the workers", errno);
    }
    for (std::size_t k = 0; k < waiting.size();) {
      if (waiting[k].revents == 0) {
        ++k;
        continue;
      }
      const unsigned i = owner[k];
      char reply = 0;
      const ssize_t got = ::recv(waiting[k].fd, &reply, 1, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got != 1) {
        const pid_t pid = workers_[i].pid;
        return Failure{i, pid, 0, reap(workers_[i], false)};
      }
      if (reply != kReplyDone) return Failure{i, workers_[i].pid, reply, {}};
      waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(k));
      owner.erase(owner.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return std::nullopt;
}

std::optional<WorkerPool::Failure> WorkerPool::shut_down() {
  for (Worker& worker : workers_) {
    ::send(worker.channel.get(), &kCommandQuit, 1, MSG_NOSIGNAL);
  }
  std::optional<Failure> failure;
  for (unsigned i = 0; i < workers_.size(); ++i) {
    int status = 0;
    while (::waitpid(workers_[i].pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!failure && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      failure = Failure{i, workers_[i].pid, 0, describe_wait_status(status)};
    }
    workers_[i].pid = -1;
    workers_[i].channel.reset();
  }
  return failure;
}

char WorkerPool::receive_command(int channel) {
  char command = 0;
  for (;;) {
    const ssize_t got = ::recv(channel, &command, 1, 0);
    if (got == 1) return command;
    if (got < 0 && errno == EINTR) continue;
    ::_exit(1);  // the parent is gone
  }
}

void WorkerPool::send_reply(int channel, char reply) {
  while (::send(channel, &reply, 1, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) ::_exit(1);
  }
}

}  // namespace mapreduce::detail
