// Cancelling each blocking network call: the call ends with Cancelled, and nothing leaks
// (the fixture checks descriptors and fibers after every test).

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

class Net_cancel : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Net_cancel);

TEST_P(Net_cancel, Accept) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      EXPECT_EQ(cancel_while_blocked(
                    [&] { Switch::run([&](Switch& inner) { net::accept(inner, server); }); }),
                "cancelled");
      // The listening socket still works afterwards.
      fiber::both([&] { auto c = net::accept(sw, server); },
                  [&] { auto c = net::connect(sw, env.net(), server.listening_addr()); });
    });
  });
}

TEST_P(Net_cancel, Read) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto client = net::connect(sw, env.net(), server.listening_addr());
      auto [conn, peer] = net::accept(sw, server);
      EXPECT_EQ(cancel_while_blocked([&] {
                  char buf[16];
                  conn.read_some(buf);
                }),
                "cancelled");
      client.write("still works");
      char buf[32];
      EXPECT_EQ(std::string(buf, conn.read_some(buf)), "still works");
    });
  });
}

TEST_P(Net_cancel, Write) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto client = net::connect(sw, env.net(), server.listening_addr());
      auto [conn, peer] = net::accept(sw, server);
      std::string big(16 << 20, 'w');  // far more than the socket buffers hold
      EXPECT_EQ(cancel_while_blocked([&] { client.write(big); }), "cancelled");
    });
  });
}

// A listener with a backlog of 0 that never accepts holds one connection in its queue;
// the kernel drops the next SYN, so that connection attempt waits until cancelled.
TEST_P(Net_cancel, Connect) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server =
          net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0), {.backlog = 0});
      std::vector<net::Stream_socket> queued;
      for (int i = 0; i < 1; ++i)
        queued.push_back(net::connect(sw, env.net(), server.listening_addr()));
      EXPECT_EQ(cancel_while_blocked([&] {
                  Switch::run([&](Switch& inner) {
                    net::connect(inner, env.net(), server.listening_addr());
                  });
                }),
                "cancelled");
    });
  });
}

TEST_P(Net_cancel, CloseListeningSocketWithAcceptInFlight) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      std::string outcome;
      Switch::run([&](Switch& inner) {
        fiber::fork(inner, [&] {
          try {
            net::accept(inner, server);
            outcome = "accepted";
          } catch (const Closed&) {
            outcome = "closed";
          }
        });
        server.close();
      });
      EXPECT_EQ(outcome, "closed");
    });
  });
}

}  // namespace
}  // namespace eio::test
