// run_server: many clients at once, the connection limit, stopping, errors, other
// domains, and surviving descriptor exhaustion.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using namespace std::chrono_literals;
using net::Ipaddr;
using net::Sockaddr;

class Server : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Server);

void echo_handler(net::Stream_socket& conn, const Sockaddr&) {
  flow::copy(conn, conn);
}

// One request-reply exchange as a client.
std::string ask(Switch& sw, Env& env, const Sockaddr& addr, const std::string& text) {
  auto conn = net::connect(sw, env.net(), addr);
  conn.write(text);
  conn.shutdown(flow::Shutdown::send);
  return flow::read_all(conn);
}

// Makes room for `n` more descriptors than are open now.
void ensure_fd_headroom(rlim_t n) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  rlim_t want = open_fd_count() + n;
  if (lim.rlim_cur < want) {
    ASSERT_GE(lim.rlim_max, want) << "the hard RLIMIT_NOFILE is too low for this test";
    lim.rlim_cur = want;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  }
}

// 1,000 clients connected at once, each kept open until all are connected, both ends in
// this process (eio#409: Eio hung with 63 or more).
TEST_P(Server, ThousandConcurrentClients) {
  constexpr int kClients = 1000;
  ensure_fd_headroom(2 * kClients + 64);
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening =
          net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0), {.backlog = 4096});
      auto [stop, stopper] = Promise<void>::create();
      std::atomic<int> open{0};
      int peak = 0;
      fiber::fork(sw, [&] {
        net::run_server(listening,
                        [&](net::Stream_socket& conn, const Sockaddr&) {
                          peak = std::max(peak, ++open);
                          flow::copy(conn, conn);
                          --open;
                        },
                        {.stop = stop});
      });
      auto [all_echoed, all_echoed_r] = Promise<void>::create();
      int replies_ok = 0;
      Switch::run([&](Switch& clients) {
        for (int i = 0; i < kClients; ++i) {
          fiber::fork(clients, [&, i] {
            Switch::run([&](Switch& csw) {
              auto conn = net::connect(csw, env.net(), listening.listening_addr());
              std::string msg = "client " + std::to_string(i);
              conn.write(msg);
              char buf[32];
              flow::read_exact(conn, std::span(buf, msg.size()));
              if (std::string(buf, msg.size()) == msg && ++replies_ok == kClients) {
                all_echoed_r.resolve();
              }
              // Stay connected until every client has its echo: all 1,000 are open at once.
              all_echoed.await();
            });
          });
        }
      });
      EXPECT_EQ(replies_ok, kClients);
      EXPECT_EQ(peak, kClients);
      stopper.resolve();
    });
  });
}

TEST_P(Server, MaxConnectionsIsRespected) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening =
          net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0), {.backlog = 128});
      auto [stop, stopper] = Promise<void>::create();
      int open = 0;
      int peak = 0;
      auto [five_open, five_open_r] = Promise<void>::create();
      fiber::fork(sw, [&] {
        net::run_server(listening,
                        [&](net::Stream_socket& conn, const Sockaddr&) {
                          peak = std::max(peak, ++open);
                          if (open == 5) five_open_r.try_resolve();
                          five_open.await();  // the first five hold on until the limit is reached
                          flow::copy(conn, conn);
                          --open;
                        },
                        {.max_connections = 5, .stop = stop});
      });
      Switch::run([&](Switch& clients) {
        for (int i = 0; i < 40; ++i) {
          fiber::fork(clients, [&, i] {
            Switch::run([&](Switch& csw) {
              EXPECT_EQ(ask(csw, env, listening.listening_addr(), std::to_string(i)),
                        std::to_string(i));
            });
          });
        }
      });
      EXPECT_EQ(peak, 5);
      stopper.resolve();
    });
  });
}

TEST_P(Server, GracefulStopLetsHandlersFinish) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto [stop, stopper] = Promise<void>::create();
      auto [handling, handling_r] = Promise<void>::create();
      fiber::fork(sw, [&] {
        net::run_server(listening,
                        [&](net::Stream_socket& conn, const Sockaddr&) {
                          handling_r.resolve();
                          std::string req = flow::read_all(conn);
                          conn.write("done: " + req);
                          trace("handler finished");
                        },
                        {.stop = stop});
        trace("server returned");
      });
      auto conn = net::connect(sw, env.net(), listening.listening_addr());
      handling.await();
      stopper.resolve();
      trace("stop resolved");
      conn.write("last request");
      conn.shutdown(flow::Shutdown::send);
      trace(flow::read_all(conn));
    });
  });
  EXPECT_EQ(trace.str(), "stop resolved\nhandler finished\nserver returned\ndone: last request");
}

TEST_P(Server, HandlerErrorsGoToOnErrorWithThePeer) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto [stop, stopper] = Promise<void>::create();
      std::vector<std::string> errors;
      fiber::fork(sw, [&] {
        net::run_server(
            listening,
            [&](net::Stream_socket&, const Sockaddr&) {
              throw Io_error(std::errc::invalid_argument, "parsing the request");
            },
            {.on_error = [&](std::exception_ptr e) { errors.push_back(what(e)); }, .stop = stop});
      });
      auto conn = net::connect(sw, env.net(), listening.listening_addr());
      std::string local = conn.local_addr().to_string();
      EXPECT_EQ(flow::read_all(conn), "");  // the server closed it after the handler failed
      stopper.resolve();
      ASSERT_EQ(errors.size(), 1u);
      EXPECT_NE(errors[0].find("parsing the request"), std::string::npos);
      EXPECT_NE(errors[0].find("handling connection from " + local), std::string::npos)
          << errors[0];
    });
  });
}

TEST_P(Server, HandlerErrorWithoutOnErrorEndsTheServer) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      std::string outcome;
      fiber::fork(sw, [&] {
        try {
          net::run_server(listening, [&](net::Stream_socket&, const Sockaddr&) {
            throw std::runtime_error("handler bug");
          });
        } catch (const std::runtime_error& e) {
          outcome = e.what();
        }
      });
      auto conn = net::connect(sw, env.net(), listening.listening_addr());
      EXPECT_EQ(flow::read_all(conn), "");
      while (outcome.empty()) fiber::yield();
      EXPECT_EQ(outcome, "handler bug");
    });
  });
}

TEST_P(Server, AdditionalDomainsServeInParallel) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto listening = net::listen(sw, env.net(), Sockaddr::tcp(Ipaddr::v4_loopback(), 0));
      auto [stop, stopper] = Promise<void>::create();
      std::atomic<int> handled{0};
      fiber::fork(sw, [&] {
        net::run_server(listening,
                        [&](net::Stream_socket& conn, const Sockaddr& peer) {
                          ++handled;
                          echo_handler(conn, peer);
                        },
                        {.additional_domains = {&env.domain_mgr(), 1}, .stop = stop});
      });
      Switch::run([&](Switch& clients) {
        for (int i = 0; i < 50; ++i) {
          fiber::fork(clients, [&, i] {
            Switch::run([&](Switch& csw) {
              EXPECT_EQ(ask(csw, env, listening.listening_addr(), "n" + std::to_string(i)),
                        "n" + std::to_string(i));
            });
          });
        }
      });
      stopper.resolve();
      EXPECT_EQ(handled.load(), 50);
    });
  });
}

}  // namespace
}  // namespace eio::test
