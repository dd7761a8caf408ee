#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string_view>

namespace mapreduce::detail {

// What an interrupted job must not leave behind, recorded where a signal
// handler can reach it without locks or allocation: the worker processes, the
// output's temporary file, and the input mapping. Runner programs install the
// handlers (install_interruption_handlers); library users who do not still get
// workers that die with their parent (PR_SET_PDEATHSIG) and memory that is
// freed with the last process holding it.
void register_worker(pid_t pid);
void unregister_worker(pid_t pid);
void register_temporary_file(const char* path);
// A temporary output directory holding part-00000 ... part-(parts - 1),
// each name followed by `part_extension` (".gz", at most 7 bytes).
void register_temporary_directory(const char* path, std::string_view part_extension = "");
void set_temporary_directory_parts(std::size_t parts);
void unregister_temporary_file();
// Whether a progress line stands on standard error, to be cleared before a
// message.
void set_progress_line_shown(bool shown);
// The job's failure has been reported: a signal that ends the program now
// (mpirun stopping the ranks of a failed job) cleans up and ends it as
// before, without a message of its own.
void set_failure_reported();
// Any number of mappings at once; `path` must outlive the registration.
void register_input(const void* begin, std::size_t size, const char* path);
void unregister_input(const void* begin);

// In a freshly forked worker: forget the parent's registrations (a worker
// must never kill its siblings), ignore SIGINT (the parent, which gets it too,
// decides) and take the default action for SIGTERM, SIGBUS and every signal
// the parent catches (the parent reports a worker's death). A signal the
// program was started with ignored (SIGINT and SIGQUIT in a script's
// background job, SIGHUP under nohup, SIGTERM) stays ignored.
void reset_interruption_in_worker();

// Every signal whose default action ends the process (SIGHUP, SIGINT,
// SIGQUIT, SIGTERM, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGSEGV,
// SIGABRT, ...; not SIGKILL or SIGSTOP, which cannot be caught) unless the
// program was started with it ignored: kill the registered workers, remove
// the temporary output, print "PROGRAM: interrupted" (SIGINT, SIGTERM),
// nothing (SIGPIPE) or "PROGRAM: terminated by SIGNAME", and die of the same
// signal (exit status 128 + its number). SIGBUS inside an input mapping (the
// file shrank while mapped): the same clean-up, "PROGRAM: error: input PATH
// changed while the job was reading it", exit status 1.
void install_interruption_handlers(std::string_view program);

// The signals install_interruption_handlers catches (whether or not it ran):
// blocked around a fork, so that a worker never runs the parent's handlers.
sigset_t caught_signals();

}  // namespace mapreduce::detail
