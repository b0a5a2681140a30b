// Choosing a backend: a ring that cannot be set up falls back to POSIX, and operations
// whose opcode the kernel lacks are emulated on the ring.

#include <cerrno>
#include <cstdlib>
#include <string>

#include "backends/uring/loop.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

// A little of everything: a pipe, a TCP echo, a UDP datagram.
void exercise_io(Env& env) {
  Switch::run([&](Switch& sw) {
    auto [src, sink] = os::pipe(sw);
    sink.write("through a pipe");
    char buf[32];
    EXPECT_EQ(std::string(buf, src.read_some(buf)), "through a pipe");

    auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
    fiber::both(
        [&] {
          auto [conn, peer] = net::accept(sw, server);
          flow::copy(conn, conn);
        },
        [&] {
          auto conn = net::connect(sw, env.net(), server.listening_addr());
          conn.write("echo");
          conn.shutdown(flow::Shutdown::send);
          EXPECT_EQ(flow::read_all(conn), "echo");
        });

    auto a = net::datagram_socket(sw, env.net(), Sockaddr::udp(Ipaddr::v4_loopback(), 0));
    fiber::both(
        [&] {
          auto got = net::recv(a, buf);
          EXPECT_EQ(std::string(buf, got.size), "datagram");
        },
        [&] { net::send(a, a.local_addr(), "datagram"); });
  });
}

class Backend_selection : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("EIO_BACKEND");
    fds_before_ = open_fd_count();
  }
  void TearDown() override {
    uring::fail_setup_for_testing(0);
    uring::hide_opcodes_for_testing(0);
    ::unsetenv("EIO_DEBUG");
    EXPECT_EQ(open_fd_count(), fds_before_) << "a file descriptor leaked";
  }

 private:
  std::size_t fds_before_ = 0;
};

TEST_F(Backend_selection, RingSetupFailureFallsBackToPosix) {
  uring::fail_setup_for_testing(EPERM);  // as under a seccomp filter
  ::setenv("EIO_DEBUG", "1", 1);
  testing::internal::CaptureStderr();
  std::string name = eio::run([](Env& env) {
    exercise_io(env);
    return std::string(backend_name());
  });
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_EQ(name, "posix");
  EXPECT_NE(said.find("io_uring unavailable"), std::string::npos) << said;
  EXPECT_NE(said.find("not permitted"), std::string::npos) << said;
}

TEST_F(Backend_selection, ForcedRingThatCannotStartIsAnError) {
  uring::fail_setup_for_testing(ENOMEM);
  try {
    eio::run([](Env&) {}, {.backend = Backend::uring, .report_uncaught = false});
    ADD_FAILURE() << "ran on a ring that cannot be set up";
  } catch (const Io_error& e) {
    EXPECT_EQ(e.code(), std::errc::not_enough_memory);
  }
}

TEST_F(Backend_selection, ForcedPosixRunsEverything) {
  ::setenv("EIO_BACKEND", "posix", 1);
  std::string name = eio::run([](Env& env) {
    exercise_io(env);
    return std::string(backend_name());
  });
  ::unsetenv("EIO_BACKEND");
  EXPECT_EQ(name, "posix");
}

// Every opcode hidden but POLL_ADD: each operation is a poll plus a non-blocking call.
TEST_F(Backend_selection, MissingOpcodesAreEmulatedOneByOne) {
  uring::hide_opcodes_for_testing(0x7f);
  std::string name = eio::run(
      [](Env& env) {
        exercise_io(env);
        return std::string(backend_name());
      },
      {.backend = Backend::uring});
  EXPECT_EQ(name, "uring");
}

}  // namespace
}  // namespace eio::test
