#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "unique_fd.hpp"

namespace mapreduce::detail {

// A pool of forked worker processes, each joined to the parent by a private
// socket pair that carries one-byte commands and replies (the data itself goes
// through shared memory). A worker that dies closes its end, so the parent
// notices every death at once instead of hanging; a parent that dies closes
// its ends and the worker also gets SIGKILL (PR_SET_PDEATHSIG). The destructor
// kills and reaps every worker still alive, so no path leaves a zombie.
class WorkerPool {
 public:
  // The body of worker `index`; it talks to the parent with receive_command()
  // and send_reply() on `channel`. When it returns, the worker _exits(0).
  using WorkerMain = std::function<void(unsigned index, int channel)>;

  // Forks `count` workers. The caller must be single-threaded and have
  // flushed its stdio buffers. Throws ResourceError, with every worker already
  // forked killed and reaped.
  WorkerPool(unsigned count, const WorkerMain& body);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

  // A worker that did not reply kReplyDone.
  struct Failure {
    unsigned worker;
    pid_t pid;
    char reply;              // kReplyError, or 0 when the worker died
    std::string exit_text;   // how it died: "was killed by signal 9 (Killed)"
  };

  // Sends `command` to every worker and waits for each to reply. Returns the
  // first failure without waiting for the others.
  std::optional<Failure> run_phase(char command);

  // Tells every worker to exit and reaps them. Returns the first worker that
  // did not exit with status 0.
  std::optional<Failure> shut_down();

  static constexpr char kCommandQuit = 'Q';
  static constexpr char kReplyDone = 'D';
  static constexpr char kReplyError = 'E';

  // For workers: the next command; exits the process when the parent is gone.
  static char receive_command(int channel);
  static void send_reply(int channel, char reply);

 private:
  struct Worker {
    pid_t pid = -1;
    UniqueFd channel;
  };

  std::string reap(Worker& worker, bool kill_first);
  void kill_all();

  std::vector<Worker> workers_;
};

// "was killed by signal 11 (Segmentation fault)" or "exited with status 3".
std::string describe_wait_status(int status);

}  // namespace mapreduce::detail
