#pragma once

namespace mapreduce::detail {

// Open MPI's ranks talk to their launcher (mpirun's or orted's PMIx server,
// on the same host) over a loopback TCP connection without TCP_NODELAY.
// Small messages sent back to back then wait for the peer's delayed
// acknowledgement (Nagle's algorithm): MPI_Finalize, which sends a few,
// stalled about 40 ms on every rank, at any rank count, which was a fifth of
// a 256 MiB word count's time at -np 2.
//
// Sets TCP_NODELAY on each TCP connection of this process whose peer is a
// loopback address (127.0.0.0/8, ::1), and returns how many it set: called
// once MPI_Init has made the launcher's connection. That is every such
// connection the process has then, the program's own included, for which
// it only means that small writes go out at once. Open MPI's own TCP
// transport has it on already; other sockets (UNIX, UDP, listening, peers
// at any other address, even this host's) are left as they are. Linux only
// (it lists /proc/self/fd), as the library is.
unsigned send_small_messages_to_launcher_at_once();

}  // namespace mapreduce::detail
