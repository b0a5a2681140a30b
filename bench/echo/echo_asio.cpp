// B6 peer: the Boost.Asio echo server of echo_asio.hpp on its own io_context.
//     echo_asio <port>   serves 127.0.0.1:<port>; SIGTERM's default action ends it.
// io_context with a concurrency hint of 1, as a single-threaded Asio server is written.

#include "echo_asio.hpp"
#include "echo_net.hpp"

int main(int argc, char** argv) {
  int port = echo::port_arg(argc, argv);
  boost::asio::io_context io(1);
  echo::asio_server::start(io, port);
  io.run();
}
