// The cluster engine's fix for Open MPI's launcher connection
// (lib/cluster/launcher_connection.cpp), without MPI: TCP_NODELAY must end
// up on this process's loopback TCP connections, both ends, and on nothing
// else.
#define BOOST_TEST_MODULE launcher_connection
#include "cluster/launcher_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

namespace {

using mapreduce::detail::send_small_messages_to_launcher_at_once;

struct Socket {
  int fd;
  explicit Socket(int fd_) : fd(fd_) { BOOST_REQUIRE(fd >= 0); }
  ~Socket() { close(fd); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
};

bool has_nodelay(int fd) {
  int value = -1;
  socklen_t length = sizeof value;
  BOOST_REQUIRE_EQUAL(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length), 0);
  return value != 0;
}

// A listening socket on 127.0.0.1, and a connection to it: the client end
// and the accepted end.
struct LoopbackConnection {
  Socket listener{socket(AF_INET, SOCK_STREAM, 0)};
  Socket client{socket(AF_INET, SOCK_STREAM, 0)};
  int accepted_fd = -1;

  LoopbackConnection() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE_EQUAL(bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    BOOST_REQUIRE_EQUAL(listen(listener.fd, 1), 0);
    socklen_t length = sizeof address;
    BOOST_REQUIRE_EQUAL(getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    BOOST_REQUIRE_EQUAL(connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    accepted_fd = accept(listener.fd, nullptr, nullptr);
    BOOST_REQUIRE(accepted_fd >= 0);
  }
  ~LoopbackConnection() { close(accepted_fd); }
};

BOOST_AUTO_TEST_CASE(loopback_connections_get_nodelay_and_nothing_else_is_touched) {
  // What this process had already (a connection inherited from whatever
  // started it would count too).
  const unsigned before = send_small_messages_to_launcher_at_once();
  {
    LoopbackConnection connection;
    Socket unconnected{socket(AF_INET, SOCK_STREAM, 0)};
    int pair[2];
    BOOST_REQUIRE_EQUAL(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    Socket unix_end{pair[0]};
    Socket unix_other_end{pair[1]};
    BOOST_REQUIRE(!has_nodelay(connection.client.fd));
    BOOST_REQUIRE(!has_nodelay(connection.accepted_fd));

    BOOST_TEST(send_small_messages_to_launcher_at_once() == before + 2);

    BOOST_TEST(has_nodelay(connection.client.fd));
    BOOST_TEST(has_nodelay(connection.accepted_fd));
    BOOST_TEST(!has_nodelay(connection.listener.fd));
    BOOST_TEST(!has_nodelay(unconnected.fd));
  }
  // Closed, they are not counted any more.
  BOOST_TEST(send_small_messages_to_launcher_at_once() == before);
}

}  // namespace
