// B6 peer: a Boost.Asio echo server written with C++20 coroutines, on Asio's default epoll
// reactor (BOOST_ASIO_HAS_IO_URING is not defined).
//     echo_asio <port>   serves 127.0.0.1:<port>; SIGTERM's default action ends it.
// One coroutine per connection, spawned by an accepting coroutine; io_context with a
// concurrency hint of 1, as a single-threaded Asio server is written.

#include <cstdio>
#include <cstdlib>

#include <boost/asio.hpp>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> echo(tcp::socket socket) {
  char data[4096];
  for (;;) {  // ends with an exception at EOF, which co_spawn's `detached` swallows
    std::size_t n = co_await socket.async_read_some(asio::buffer(data), asio::use_awaitable);
    co_await asio::async_write(socket, asio::buffer(data, n), asio::use_awaitable);
  }
}

asio::awaitable<void> listen(tcp::acceptor acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  long port = argc == 2 ? std::strtol(argv[1], nullptr, 10) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s <port>   (serves 127.0.0.1:<port> until SIGTERM)\n", argv[0]);
    return 2;
  }
  asio::io_context ctx(1);
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port));
  tcp::acceptor acceptor(ctx, endpoint);  // sets SO_REUSEADDR and listens with SOMAXCONN
  asio::co_spawn(ctx, listen(std::move(acceptor)), asio::detached);
  ctx.run();
}
