#include "ipc/worker_pool.hpp"

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

#include "base/system_error.hpp"
#include "ipc/interruption.hpp"
#include "mapreduce/error.hpp"

namespace mapreduce::detail {
namespace {

// How long a worker whose channel closed may take to finish exiting before it
// is killed: it has nothing left to do but die.
constexpr int kExitGraceMilliseconds = 2000;

void sleep_one_millisecond() {
  const timespec delay{0, 1000000};
  ::nanosleep(&delay, nullptr);
}

[[noreturn]] void run_worker(unsigned index, int channel, pid_t parent, const WorkerPool::WorkerMain& body,
                             const sigset_t& signal_mask) {
  // Die with the parent. The parent may have died before prctl took effect, so
  // check that we were not already handed to another process.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
  reset_interruption_in_worker();
  // Only now may the signals the parent catches arrive: with the parent's
  // handlers this worker would have acted as the parent.
  ::sigprocmask(SIG_SETMASK, &signal_mask, nullptr);
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

WorkerPool::WorkerPool(unsigned count, WorkerMain body) : body_(std::move(body)), parent_(::getpid()) {
  workers_.resize(count);
  try {
    for (unsigned i = 0; i < count; ++i) fork_worker(i);
  } catch (...) {
    kill_all();
    throw;
  }
}

WorkerPool::~WorkerPool() { kill_all(); }

void WorkerPool::fork_worker(unsigned index) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    throw_errno<ResourceError>("cannot create a channel for worker " + std::to_string(index), errno);
  }
  UniqueFd parent_end(ends[0]);
  UniqueFd worker_end(ends[1]);
  // Every signal the parent catches waits until the child has its worker
  // handlers and the parent has registered the child, so that a signal right
  // at the fork neither runs the parent's clean-up (and message) in the child
  // nor misses the child.
  const sigset_t interrupts = caught_signals();
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &interrupts, &previous);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    throw_errno<ResourceError>("cannot fork worker " + std::to_string(index) + " of " +
                                   std::to_string(workers_.size()) +
                                   (error == EAGAIN ? " (at the limit on processes? see ulimit -u)" : ""),
                               error);
  }
  if (pid == 0) {
    // The other workers' channels must close when the parent dies, so this
    // worker must not hold their parent ends.
    for (Worker& other : workers_) ::close(other.channel.release());
    ::close(parent_end.release());
    run_worker(index, worker_end.release(), parent_, body_, previous);
  }
  register_worker(pid);
  workers_[index] = Worker{pid, std::move(parent_end)};
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
}

void WorkerPool::kill_all() {
  for (Worker& worker : workers_) {
    if (worker.pid > 0) reap(worker, true);
  }
}

int WorkerPool::reap(Worker& worker, bool kill_first) {
  if (kill_first) ::kill(worker.pid, SIGKILL);
  // Wait for the exit without reaping (WNOWAIT), then reap and forget the
  // pid with the caught signals blocked: a signal handler in between would
  // SIGKILL a pid that is no longer ours, and may be another process's.
  for (int waited = 0;; ++waited) {
    siginfo_t info{};
    const int waited_on =
        ::waitid(P_PID, static_cast<id_t>(worker.pid), &info, WEXITED | WNOWAIT | (kill_first ? 0 : WNOHANG));
    if (waited_on == 0 && info.si_pid == worker.pid) break;
    if (waited_on < 0 && errno != EINTR) break;
    if (waited_on == 0) {
      if (waited >= kExitGraceMilliseconds) {
        ::kill(worker.pid, SIGKILL);
        kill_first = true;
      } else {
        sleep_one_millisecond();
      }
    }
  }
  const sigset_t caught = caught_signals();
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &caught, &previous);
  int status = 0;
  while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_worker(worker.pid);
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  worker.pid = -1;
  worker.channel.reset();
  return status;
}

void WorkerPool::send(unsigned worker, char command) {
  if (workers_[worker].pid > 0) ::send(workers_[worker].channel.get(), &command, 1, MSG_NOSIGNAL);
}

WorkerPool::Event WorkerPool::wait(const std::vector<unsigned>& watched, int timeout_ms) {
  std::vector<pollfd> fds;
  fds.reserve(watched.size());
  for (unsigned w : watched) fds.push_back(pollfd{workers_[w].channel.get(), POLLIN, 0});
  for (;;) {
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno<ResourceError>("cannot wait for the workers", errno);
    }
    if (ready == 0) return Event{};
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Event event;
      event.worker = watched[k];
      Worker& worker = workers_[event.worker];
      event.pid = worker.pid;
      char reply = 0;
      const ssize_t got = ::recv(fds[k].fd, &reply, 1, 0);
      if (got < 0 && errno == EINTR) break;
      if (got == 1) {
        event.kind = Event::Kind::reply;
        event.reply = reply;
        return event;
      }
      const int status = reap(worker, false);
      event.kind = Event::Kind::death;
      event.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      event.exit_text = describe_wait_status(status);
      return event;
    }
  }
}

void WorkerPool::kill(unsigned worker) {
  if (workers_[worker].pid > 0) ::kill(workers_[worker].pid, SIGKILL);
}

void WorkerPool::kill_and_reap(unsigned worker) {
  if (workers_[worker].pid > 0) reap(workers_[worker], true);
}

void WorkerPool::replace(unsigned worker) { fork_worker(worker); }

void WorkerPool::shut_down() {
  for (unsigned i = 0; i < workers_.size(); ++i) send(i, kCommandQuit);
  // A worker that dies now has finished its work; its exit status no longer
  // matters.
  for (Worker& worker : workers_) {
    if (worker.pid > 0) reap(worker, false);
  }
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
