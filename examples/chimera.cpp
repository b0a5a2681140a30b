// A chimera (chimera.hpp): an Asio TCP server, a C++20 coroutine pipeline and eio fibers
// in one thread, each line a client sends passing through all three.
//
//   chimera <port> <stats_port>  serve on 127.0.0.1 until killed (try nc 127.0.0.1 <port>)
//   chimera                      a self-test: serve on free ports, run clients (eio's own
//                                sockets) through it, ask the stats port, then stop
//
// Prints (self-test):
//   chimera (uring backend): 3 clients got 9 replies, then "The end." -> "the=10 end=1",
//   stats: "38 words, 10 distinct"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chimera.hpp"
#include "eio/eio.hpp"

namespace net = eio::net;

// Sends `lines` to the chimera on one connection, each after the previous reply; returns
// the replies.
std::vector<std::string> chat(eio::Env& env, std::uint16_t port,
                              const std::vector<std::string>& lines) {
  std::vector<std::string> replies;
  eio::Switch::run([&](eio::Switch& sw) {
    auto conn = net::connect(sw, env.net(), net::Sockaddr::tcp(net::Ipaddr::v4_loopback(), port));
    eio::Buf_read in(conn, {.max_size = 4096});
    for (const std::string& line : lines) {
      conn.write(line + "\n");
      replies.push_back(in.line());
    }
  });
  return replies;
}

std::string stats(eio::Env& env, std::uint16_t port) {
  return eio::Switch::run([&](eio::Switch& sw) {
    auto conn = net::connect(sw, env.net(), net::Sockaddr::tcp(net::Ipaddr::v4_loopback(), port));
    eio::Buf_read in(conn, {.max_size = 4096});
    return in.line();
  });
}

// Three clients at once, then one more line, then the stats.
std::string self_test(eio::Env& env, chimera::Ports ports) {
  std::vector<std::string> text = {"The quick brown fox", "jumps over the lazy dog.",
                                   "The dog sleeps!"};
  std::size_t replies = 0;
  auto client = [&] { replies += chat(env, ports.lines, text).size(); };
  eio::fiber::all(client, client, client);
  std::string last = chat(env, ports.lines, {"The end."}).front();
  return "3 clients got " + std::to_string(replies) + " replies, then \"The end.\" -> \"" + last +
         "\", stats: \"" + stats(env, ports.stats) + "\"";
}

int main(int argc, char** argv) {
  return eio::run([&](eio::Env& env) {
    auto [ports, listening] = eio::Promise<chimera::Ports>::create();
    if (argc > 2) {
      auto port = [](const char* arg) { return static_cast<std::uint16_t>(std::atoi(arg)); };
      eio::fiber::both(
          [&] {
            chimera::serve(env, {port(argv[1]), port(argv[2])}, listening);
          },
          [&] {
            chimera::Ports p = ports.await();
            std::printf("chimera: lines on 127.0.0.1:%d, stats on 127.0.0.1:%d\n", p.lines,
                        p.stats);
            std::fflush(stdout);
          });
      return 0;
    }
    std::string report;
    // The first to return wins: when the clients are done, the server is cancelled.
    eio::fiber::first([&] { chimera::serve(env, {}, listening); },
                      [&] { report = self_test(env, ports.await()); });
    std::printf("chimera (%s backend): %s\n", std::string(eio::backend_name()).c_str(),
                report.c_str());
    return 0;
  });
}
