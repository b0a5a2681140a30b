// Stream sockets on both backends (Eio's tests/network.md): echo over every address
// family, half-close, refusal, resets, and fairness for a socket that is always ready.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

class Tcp : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Tcp);

std::string temp_socket_path() {
  static int n = 0;
  return "/tmp/eio-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".sock";
}

// Connects to a server that echoes until end-of-file; returns what came back.
std::string echo_through(Env& env, const Sockaddr& addr, std::string_view message) {
  std::string reply;
  Switch::run([&](Switch& sw) {
    auto server = net::listen(sw, env.net(), addr, {.reuse_addr = true});
    fiber::both(
        [&] {
          auto [conn, peer] = net::accept(sw, server);
          flow::copy(conn, conn);
        },
        [&] {
          auto conn = net::connect(sw, env.net(), server.listening_addr());
          conn.write(message);
          conn.shutdown(flow::Shutdown::send);
          reply = flow::read_all(conn);
        });
  });
  return reply;
}

TEST_P(Tcp, EchoOverIpv4) {
  run([&](Env& env) {
    EXPECT_EQ(echo_through(env, Sockaddr::tcp(Ipaddr::v4_loopback(), 0), "over v4"), "over v4");
  });
}

TEST_P(Tcp, EchoOverIpv6) {
  run([&](Env& env) {
    EXPECT_EQ(echo_through(env, Sockaddr::tcp(Ipaddr::v6_loopback(), 0), "over v6"), "over v6");
  });
}

TEST_P(Tcp, EchoOverUnixPath) {
  std::string path = temp_socket_path();
  run([&](Env& env) {
    EXPECT_EQ(echo_through(env, Sockaddr::unix_path(path), "over a path"), "over a path");
  });
  ::unlink(path.c_str());
}

TEST_P(Tcp, EchoOverAbstractUnixName) {
  run([&](Env& env) {
    auto addr = Sockaddr::unix_abstract("eio-test-" + std::to_string(::getpid()));
    EXPECT_EQ(echo_through(env, addr, "abstract"), "abstract");
  });
}

TEST_P(Tcp, ListeningOnPortZeroReportsTheChosenPort) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      EXPECT_NE(server.listening_addr().port(), 0);
      EXPECT_EQ(server.listening_addr().ip(), Ipaddr::v4_loopback());
      fiber::both([&] { auto accepted = net::accept(sw, server); },
                  [&] {
                    auto conn = net::connect(sw, env.net(), server.listening_addr());
                    EXPECT_EQ(conn.peer_addr(), server.listening_addr());
                    EXPECT_EQ(conn.local_addr().ip(), Ipaddr::v4_loopback());
                  });
    });
  });
}

TEST_P(Tcp, ShutdownSendThenReadTheReply) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      fiber::both(
          [&] {
            auto [conn, peer] = net::accept(sw, server);
            std::string request = flow::read_all(conn);
            trace("server got " + request);
            conn.write("reply to " + request);
          },
          [&] {
            auto conn = net::connect(sw, env.net(), server.listening_addr());
            conn.write("question");
            conn.shutdown(flow::Shutdown::send);
            trace("client got " + flow::read_all(conn));
          });
    });
  });
  EXPECT_EQ(trace.str(), "server got question\nclient got reply to question");
}

TEST_P(Tcp, ConnectionRefusedNamesTheAddress) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      // A port that was just free: bind and close a listener to find one.
      std::uint16_t port;
      {
        auto probe = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
        port = probe.listening_addr().port();
      }
      auto addr = Sockaddr::tcp(Ipaddr::v4_loopback(), port);
      try {
        net::connect(sw, env.net(), addr);
        ADD_FAILURE() << "connected to a closed port";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::connection_refused);
        ASSERT_FALSE(e.context().empty());
        EXPECT_EQ(e.context()[0], "connecting to " + addr.to_string());
        EXPECT_NE(std::string(e.what()).find("connecting to tcp:127.0.0.1:"), std::string::npos);
      }
    });
  });
}

TEST_P(Tcp, ListeningOnAPortInUseIsAddressInUse) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto a = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      try {
        net::listen(sw, env.net(), a.listening_addr());
        ADD_FAILURE() << "listened twice";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::address_in_use);
        EXPECT_EQ(e.context()[0], "listening on " + a.listening_addr().to_string());
      }
      EXPECT_THROW(net::listen(sw, env.net(), Sockaddr::udp(Ipaddr::v4_loopback(), 0)),
                   std::invalid_argument);
    });
  });
}

// The peer resets the connection (SO_LINGER 0) while we keep writing.
TEST_P(Tcp, PeerResetMidWriteIsIoError) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto conn = net::connect(sw, env.net(), server.listening_addr());
      {
        auto [peer, addr] = net::accept(sw, server);
        linger lg{1, 0};
        ASSERT_EQ(::setsockopt(peer.fd().get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
      }  // closing with linger 0 sends a reset
      std::string chunk(64 * 1024, 'x');
      try {
        for (int i = 0; i < 1000; ++i) conn.write(chunk);
        ADD_FAILURE() << "writes to a reset connection kept succeeding";
      } catch (const Io_error& e) {
        EXPECT_TRUE(e.code() == std::errc::connection_reset || e.code() == std::errc::broken_pipe)
            << e.what();
      }
    });
  });
}

// Even with SIGPIPE's default action (death) restored, a socket write to a closed peer
// is an error, not a signal.
TEST_P(Tcp, NoSigpipe) {
  run([&](Env& env) {
    struct sigaction dfl {
    }, old{};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, &old);
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto conn = net::connect(sw, env.net(), server.listening_addr());
      net::accept(sw, server).first.close();
      std::string chunk(64 * 1024, 'y');
      EXPECT_THROW(for (int i = 0; i < 1000; ++i) conn.write(chunk), Io_error);
    });
    ::sigaction(SIGPIPE, &old, nullptr);
  });
}

TEST_P(Tcp, SocketOptions) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0),
                                {.reuse_addr = true, .reuse_port = true, .nodelay = true});
      auto conn = net::connect(sw, env.net(), server.listening_addr());
      auto [accepted, peer] = net::accept(sw, server);
      EXPECT_NE(accepted.get_option(IPPROTO_TCP, TCP_NODELAY), 0) << "listen's .nodelay";
      EXPECT_EQ(conn.get_option(IPPROTO_TCP, TCP_NODELAY), 0);
      conn.set_nodelay(true);
      conn.set_keepalive(true);
      EXPECT_NE(conn.get_option(IPPROTO_TCP, TCP_NODELAY), 0);
      EXPECT_NE(conn.get_option(SOL_SOCKET, SO_KEEPALIVE), 0);
      EXPECT_EQ(peer, conn.local_addr());
      conn.close();
      EXPECT_THROW(conn.set_nodelay(false), Closed);
    });
  });
}

// A reader whose socket always has data must still let the domain's other fibers run
// (eio#477): after many reads that did not have to wait, it yields.
TEST_P(Tcp, AlwaysReadySocketDoesNotStarveOthers) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [a, b] = os::socketpair_stream(sw);
      a.write(std::string(1000, 'r'));
      bool other_ran = false;
      bool ran_before_reader_finished = false;
      fiber::both(
          [&] {
            char c;
            for (int i = 0; i < 1000; ++i) b.read_some(std::span(&c, 1));
            ran_before_reader_finished = other_ran;
          },
          [&] { other_ran = true; });
      EXPECT_TRUE(ran_before_reader_finished);
    });
  });
}

}  // namespace
}  // namespace eio::test
