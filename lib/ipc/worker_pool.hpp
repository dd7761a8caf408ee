#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace mapreduce::detail {

// A pool of forked worker processes, each joined to the parent by a private
// socket pair that carries one-byte commands and replies (the data itself goes
// through shared memory). A worker that dies closes its end, so the parent
// notices every death at once instead of hanging; a parent that dies closes
// its ends and the worker also gets SIGKILL (PR_SET_PDEATHSIG). A dead worker
// can be replaced by a fresh one in the same slot. The destructor kills and
// reaps every worker still alive, so no path leaves a zombie.
class WorkerPool {
 public:
  // The body of worker `index`; it talks to the parent with receive_command()
  // and send_reply() on `channel`. When it returns, the worker _exits(0).
  using WorkerMain = std::function<void(unsigned index, int channel)>;

  // Forks `count` workers. The caller must be single-threaded and have
  // flushed its stdio buffers. Throws ResourceError, with every worker already
  // forked killed and reaped.
  WorkerPool(unsigned count, WorkerMain body);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

  // Sends a command to one worker. A worker that is gone is not an error
  // here: wait() reports its death.
  void send(unsigned worker, char command);

  // What wait() saw.
  struct Event {
    enum class Kind { timeout, reply, death } kind = Kind::timeout;
    unsigned worker = 0;
    pid_t pid = -1;
    char reply = 0;         // for a reply
    int signal = 0;         // for a death by a signal
    std::string exit_text;  // for a death: "was killed by signal 9 (Killed)"
  };

  // Waits up to timeout_ms milliseconds (-1: no limit) for one of `watched`
  // to reply or die. A dead worker is reaped before its death is reported.
  Event wait(const std::vector<unsigned>& watched, int timeout_ms);

  // Kills a worker; wait() then reports its death.
  void kill(unsigned worker);

  // Kills and reaps a worker that is still alive (say, one that reported an
  // error and is to be replaced).
  void kill_and_reap(unsigned worker);

  // Forks a fresh worker into the slot of a reaped one. Throws ResourceError.
  void replace(unsigned worker);

  // Tells every worker to exit and reaps them all.
  void shut_down();

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

  void fork_worker(unsigned index);
  int reap(Worker& worker, bool kill_first);
  void kill_all();

  WorkerMain body_;
  pid_t parent_;
  std::vector<Worker> workers_;
};

// "was killed by signal 11 (Segmentation fault)" or "exited with status 3".
std::string describe_wait_status(int status);

}  // namespace mapreduce::detail
