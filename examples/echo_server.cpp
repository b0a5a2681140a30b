// A TCP echo server: every connection gets back what it sends, each handled by its own
// fiber in plain sequential code.
//
//   echo_server <port>     serve on 127.0.0.1:<port> until killed (bench/echo_bench)
//   echo_server            a self-test: serve on a free port, run 100 clients through it,
//                          stop gracefully and report

#include <cstdio>
#include <cstdlib>
#include <string>

#include "eio/eio.hpp"

namespace net = eio::net;

// The whole protocol: copy the connection onto itself until the client hangs up.
void echo(net::Stream_socket& conn, const net::Sockaddr&) {
  eio::flow::copy(conn, conn);
}

void log_error(std::exception_ptr e) {
  std::fprintf(stderr, "echo_server: %s\n", eio::describe(e).c_str());
}

// Connects `clients` clients at once; each sends a message and checks the echo.
int run_clients(eio::Env& env, const net::Sockaddr& addr, int clients) {
  int ok = 0;
  eio::Switch::run([&](eio::Switch& sw) {
    for (int i = 0; i < clients; ++i) {
      eio::fiber::fork(sw, [&, i] {
        eio::Switch::run([&](eio::Switch& conn_sw) {
          auto conn = net::connect(conn_sw, env.net(), addr);
          std::string msg = "message " + std::to_string(i);
          conn.write(msg);
          conn.shutdown(eio::flow::Shutdown::send);
          if (eio::flow::read_all(conn) == msg) ++ok;
        });
      });
    }
  });
  return ok;
}

int main(int argc, char** argv) {
  return eio::run([&](eio::Env& env) {
    int port = argc > 1 ? std::atoi(argv[1]) : 0;
    eio::Switch::run([&](eio::Switch& sw) {
      auto addr = net::Sockaddr::tcp(net::Ipaddr::v4_loopback(), static_cast<std::uint16_t>(port));
      auto listening =
          net::listen(sw, env.net(), addr, {.backlog = 4096, .reuse_addr = true, .nodelay = true});
      if (argc > 1) {
        net::run_server(listening, echo, {.on_error = log_error});
        return;
      }
      auto [stop, stopper] = eio::Promise<void>::create();
      eio::fiber::fork(
          sw, [&] { net::run_server(listening, echo, {.on_error = log_error, .stop = stop}); });
      int ok = run_clients(env, listening.listening_addr(), 100);
      stopper.resolve();
      std::printf("echo_server on %s (%s backend): %d of 100 clients echoed\n",
                  listening.listening_addr().to_string().c_str(),
                  std::string(eio::backend_name()).c_str(), ok);
    });
    return 0;
  });
}
