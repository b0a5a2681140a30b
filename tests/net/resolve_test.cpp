// Name resolution on helper threads, and connecting by name. No test depends on DNS: names
// come from numeric lookups, /etc/hosts, or a replaced getaddrinfo.

#include <netdb.h>

#include <atomic>
#include <cstring>
#include <string>

#include "eio/mock/clock.hpp"
#include "net/resolve_hook.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using net::Ipaddr;
using net::Sockaddr;

class Resolve : public Backends {
 protected:
  void TearDown() override {
    net::detail::set_getaddrinfo_for_testing(nullptr);
    Backends::TearDown();
  }
};
EIO_TEST_ON_BOTH_BACKENDS(Resolve);

bool contains(const std::vector<Sockaddr>& v, const Sockaddr& a) {
  return std::find(v.begin(), v.end(), a) != v.end();
}

TEST_P(Resolve, NumericHostGivesTcpAndUdpEntries) {
  run([&](Env& env) {
    auto all = net::getaddrinfo(env.net(), "127.0.0.1", "80");
    EXPECT_TRUE(contains(all, Sockaddr::tcp(Ipaddr::v4_loopback(), 80)));
    EXPECT_TRUE(contains(all, Sockaddr::udp(Ipaddr::v4_loopback(), 80)));
    auto tcp = net::getaddrinfo_stream(env.net(), "::1", "443");
    ASSERT_EQ(tcp.size(), 1u);
    EXPECT_EQ(tcp[0], Sockaddr::tcp(Ipaddr::v6_loopback(), 443));
    auto udp = net::getaddrinfo_datagram(env.net(), "127.0.0.1", "53");
    for (auto& a : udp) EXPECT_EQ(a.kind(), Sockaddr::Kind::udp);
  });
}

TEST_P(Resolve, LocalhostResolvesToLoopback) {
  run([&](Env& env) {
    auto addrs = net::getaddrinfo_stream(env.net(), "localhost", "8080");
    ASSERT_FALSE(addrs.empty());
    for (auto& a : addrs) {
      EXPECT_TRUE(a.ip() == Ipaddr::v4_loopback() || a.ip() == Ipaddr::v6_loopback())
          << a.to_string();
      EXPECT_EQ(a.port(), 8080);
    }
  });
}

// eio#776: a failed lookup is an error, never an empty list.
TEST_P(Resolve, FailureIsAnErrorNotAnEmptyList) {
  run([&](Env& env) {
    try {
      net::getaddrinfo(env.net(), "127.0.0.1", "no-such-service-eio");
      ADD_FAILURE() << "resolved an unknown service";
    } catch (const Io_error& e) {
      EXPECT_EQ(e.code().category(), net::resolver_category());
      EXPECT_EQ(e.context()[0], "resolving 127.0.0.1:no-such-service-eio");
    }
    net::detail::set_getaddrinfo_for_testing(
        [](const char*, const char*, const addrinfo*, addrinfo**) { return EAI_NONAME; });
    try {
      net::getaddrinfo(env.net(), "nowhere.invalid", "80");
      ADD_FAILURE() << "resolved nowhere";
    } catch (const Io_error& e) {
      EXPECT_EQ(e.code(), std::error_code(EAI_NONAME, net::resolver_category()));
      EXPECT_NE(std::string(e.what()).find("resolving nowhere.invalid:80"), std::string::npos);
    }
  });
}

Trigger* lookup_entered = nullptr;
std::atomic<bool> release_lookup{false};
Trigger* lookup_left = nullptr;

int hanging_getaddrinfo(const char*, const char*, const addrinfo*, addrinfo**) {
  lookup_entered->signal();
  while (!release_lookup.load()) release_lookup.wait(false);
  lookup_left->signal();
  return EAI_AGAIN;
}

TEST_P(Resolve, GetaddrinfoCancelReturnsAtOnce) {
  Trigger entered, left;
  lookup_entered = &entered;
  lookup_left = &left;
  release_lookup = false;
  net::detail::set_getaddrinfo_for_testing(&hanging_getaddrinfo);
  run([&](Env& env) {
    std::string outcome;
    Switch::run([&](Switch& sw) {
      cancel::Context* ctx = nullptr;
      fiber::fork(sw, [&] {
        try {
          cancel::sub([&](cancel::Context& cc) {
            ctx = &cc;
            net::getaddrinfo(env.net(), "slow.example", "80");
            outcome = "returned";
          });
        } catch (const Cancelled&) {
          outcome = "cancelled";
        }
      });
      entered.await();
      ctx->cancel(std::make_exception_ptr(std::runtime_error("stop")));
    });
    // The lookup is still stuck in the resolver, and the caller is already back.
    EXPECT_EQ(outcome, "cancelled");
    EXPECT_FALSE(left.is_signalled());
    release_lookup = true;
    release_lookup.notify_all();
    left.await();
  });
}

TEST_P(Resolve, GetnameinfoOfLoopback) {
  run([&](Env& env) {
    auto [host, service] = net::getnameinfo(env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 80));
    EXPECT_FALSE(host.empty());
    EXPECT_TRUE(service == "http" || service == "80") << service;
    EXPECT_THROW(net::getnameinfo(env.net(), Sockaddr::unix_abstract("x")), std::invalid_argument);
  });
}

// Two numeric lookups chained into one list: a closed port first, then `good_port`.
std::atomic<int> closed_port{0};
std::atomic<int> good_port{0};

int two_addresses(const char*, const char*, const addrinfo* hints, addrinfo** out) {
  addrinfo h{};
  if (hints != nullptr) h = *hints;
  h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
  h.ai_socktype = SOCK_STREAM;
  addrinfo* first = nullptr;
  addrinfo* second = nullptr;
  if (int rc = ::getaddrinfo("127.0.0.1", std::to_string(closed_port).c_str(), &h, &first))
    return rc;
  if (int rc = ::getaddrinfo("127.0.0.1", std::to_string(good_port).c_str(), &h, &second)) {
    ::freeaddrinfo(first);
    return rc;
  }
  addrinfo* last = first;
  while (last->ai_next != nullptr) last = last->ai_next;
  last->ai_next = second;
  *out = first;
  return 0;
}

TEST_P(Resolve, WithTcpConnectFallsBackToTheNextAddress) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      {
        auto probe = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
        closed_port = probe.listening_addr().port();
      }
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      good_port = server.listening_addr().port();
      net::detail::set_getaddrinfo_for_testing(&two_addresses);
      fiber::both(
          [&] {
            auto [conn, peer] = net::accept(sw, server);
            conn.write("found me");
          },
          [&] {
            std::string got = net::with_tcp_connect(
                env.net(), "server.test", "http",
                [](net::Stream_socket& conn) { return flow::read_all(conn); });
            EXPECT_EQ(got, "found me");
          });
      // Every address refusing: the last error, naming what was asked for.
      good_port = closed_port.load();
      try {
        net::with_tcp_connect(env.net(), "server.test", "http", [](net::Stream_socket&) {});
        ADD_FAILURE() << "connected to nothing";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::connection_refused);
        EXPECT_EQ(e.context().back(), "connecting to server.test:http");
      }
    });
  });
}

// The first address never answers (a listener whose backlog is full drops the SYN): with
// a timeout, that attempt is abandoned when the (mock) clock says so and the next works.
TEST_P(Resolve, WithTcpConnectTimesOutAnAttemptAndMovesOn) {
  run([&](Env& env) {
    mock::Mono_clock clock;
    Switch::run([&](Switch& sw) {
      auto full =
          net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0), {.backlog = 0});
      auto queued = net::connect(sw, env.net(), full.listening_addr());
      closed_port = full.listening_addr().port();
      auto server = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      good_port = server.listening_addr().port();
      net::detail::set_getaddrinfo_for_testing(&two_addresses);
      fiber::all(
          [&] {
            auto [conn, peer] = net::accept(sw, server);
            conn.write("second address");
          },
          [&] {
            std::string got =
                net::with_tcp_connect(env.net(), "server.test", "http",
                                      [](net::Stream_socket& conn) { return flow::read_all(conn); },
                                      {.clock = &clock, .timeout = std::chrono::seconds(5)});
            EXPECT_EQ(got, "second address");
          },
          [&] {
            while (clock.sleepers() == 0) fiber::yield();  // the first attempt is waiting
            clock.advance();
          });
    });
  });
}

}  // namespace
}  // namespace eio::test
