// eio::os interop: socket pairs, adopting sockets, passing descriptors.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Os_socket : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Os_socket);

TEST_P(Os_socket, SocketpairCarriesBothWays) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [a, b] = os::socketpair_stream(sw);
      a.write("to b");
      char buf[8];
      EXPECT_EQ(std::string(buf, b.read_some(buf)), "to b");
      b.write("to a");
      EXPECT_EQ(std::string(buf, a.read_some(buf)), "to a");
      EXPECT_EQ(a.peer_addr().to_string(), "unix:@");
    });
  });
}

// A blocking socket from elsewhere: eio adopts it and closes it with the switch.
TEST_P(Os_socket, ImportedBlockingSocketWorksAndIsClosed) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto a = os::import_socket_stream(sw, fds[0]);
      auto b = os::import_socket_stream(sw, fds[1]);
      fiber::both(
          [&] {
            char buf[16];
            EXPECT_EQ(std::string(buf, a.read_some(buf)), "blocking");
          },
          [&] { b.write("blocking"); });
    });
  });
  EXPECT_LT(::fcntl(fds[0], F_GETFD), 0);
  EXPECT_LT(::fcntl(fds[1], F_GETFD), 0);
}

TEST_P(Os_socket, PassesDescriptorsOverAUnixSocket) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [a, b] = os::socketpair_stream(sw);
      auto p = os::pipe(sw);
      int to_send[] = {p.sink.fd().get()};
      os::send_with_fds(a, "here", to_send);
      char buf[8];
      auto got = os::recv_with_fds(sw, b, buf, 4);
      EXPECT_EQ(std::string(buf, got.size), "here");
      ASSERT_EQ(got.fds.size(), 1u);
      EXPECT_NE(got.fds[0].get(), p.sink.fd().get());
      EXPECT_NE(::fcntl(got.fds[0].get(), F_GETFD) & FD_CLOEXEC, 0);
      // The received descriptor is the same pipe.
      ASSERT_EQ(::write(got.fds[0].get(), "via copy", 8), 8);
      EXPECT_EQ(std::string(buf, p.source.read_some(buf)), "via copy");
    });
  });
}

TEST_P(Os_socket, PeerClosingIsEndOfFile) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [a, b] = os::socketpair_stream(sw);
      a.close();
      char buf[4];
      EXPECT_THROW(os::recv_with_fds(sw, b, buf, 1), End_of_file);
      EXPECT_THROW(b.read_some(buf), End_of_file);
      EXPECT_THROW(os::send_with_fds(b, "", {}), std::invalid_argument);
    });
  });
}

}  // namespace
}  // namespace eio::test
