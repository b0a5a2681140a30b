// run_server when the process runs out of descriptors. (This is why the ASan+UBSan build
// leaves out UBSan's vptr check: see cmake/eio_sanitizers.cmake.)

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "eio/mock/clock.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

class Server_out_of_fds : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Server_out_of_fds);

// With no descriptor left, accept fails with EMFILE: the server reports it once and
// sleeps (here on a mock clock) rather than retrying in a tight loop; once a descriptor is
// free again and the back-off ends, the waiting client is served. Nothing in the window
// without descriptors may need one, so the server is already waiting in accept and the
// client socket exists beforehand.
TEST_P(Server_out_of_fds, EmfileOnAcceptBacksOff) {
  run([&](Env& env) {
    mock::Mono_clock clock;
    Switch::run([&](Switch& sw) {
      auto listening = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto [stop, stopper] = Promise<void>::create();
      int emfiles = 0;
      int served = 0;
      fiber::fork(sw, [&] {
        net::run_server(listening,
                        [&](net::Stream_socket& conn, const Sockaddr&) {
                          ++served;
                          conn.write("served");
                        },
                        {.on_error =
                             [&](std::exception_ptr e) {
                               try {
                                 std::rethrow_exception(e);
                               } catch (const Io_error& io) {
                                 if (io.code() == std::errc::too_many_files_open) ++emfiles;
                               }
                             },
                         .stop = stop,
                         .clock = &clock});
      });
      int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      ASSERT_GE(client, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(listening.listening_addr().port());
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      // Use up every descriptor below a limit set just above what is open now.
      rlimit old{};
      ::getrlimit(RLIMIT_NOFILE, &old);
      rlimit tight = old;
      tight.rlim_cur = open_fd_count() + 2;
      std::vector<int> fillers;
      ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
      for (int fd; (fd = ::dup(0)) >= 0;) fillers.push_back(fd);
      int connected = ::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to);
      while (clock.sleepers() == 0) fiber::yield();  // accept failed; the server backs off
      int emfiles_while_full = emfiles;
      for (int fd : fillers) ::close(fd);
      ::setrlimit(RLIMIT_NOFILE, &old);
      ASSERT_EQ(connected, 0);
      EXPECT_EQ(emfiles_while_full, 1);  // one failure, then a sleep: no spinning
      EXPECT_EQ(served, 0);
      clock.advance();
      auto conn = os::import_socket_stream(sw, client);
      EXPECT_EQ(flow::read_all(conn), "served");
      EXPECT_EQ(emfiles, 1);
      EXPECT_EQ(served, 1);
      stopper.resolve();
    });
  });
}

}  // namespace
}  // namespace eio::test
