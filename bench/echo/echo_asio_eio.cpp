// B6 asio-on-eio-uring / asio-on-eio-posix: the Boost.Asio echo server of echo_asio.hpp,
// its io_context driven by eio's loop (eio::asio::with_event_loop) instead of io.run().
//     EIO_BACKEND=uring|posix echo_asio_eio <port>
// serves 127.0.0.1:<port> until SIGTERM, which a fiber waits for through Asio.
// io_context with a concurrency hint of 1, as for echo_asio.

#include <csignal>

#include "echo_asio.hpp"
#include "echo_net.hpp"
#include "eio/eio.hpp"
#include "eio/interop/asio.hpp"

int main(int argc, char** argv) {
  int port = echo::port_arg(argc, argv);
  eio::run([&](eio::Env&) {
    boost::asio::io_context io(1);
    echo::asio_server::start(io, port);
    eio::asio::with_event_loop(io, [&] {
      boost::asio::signal_set stop(io, SIGTERM, SIGINT);
      stop.async_wait(eio::asio::use_fiber);
    });
  });
}
