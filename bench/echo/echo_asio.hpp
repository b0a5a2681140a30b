#pragma once
// The B6 Boost.Asio echo server, shared by echo_asio (on its own io_context) and
// echo_asio_eio (the same io_context driven by eio's loop): C++20 coroutines on Asio's
// default epoll reactor (BOOST_ASIO_HAS_IO_URING is not defined). One coroutine per
// connection, spawned by an accepting coroutine.

#include <boost/asio.hpp>

namespace echo::asio_server {

namespace net = boost::asio;
using net::ip::tcp;

inline net::awaitable<void> echo(tcp::socket socket) {
  char data[4096];
  for (;;) {  // ends with an exception at EOF, which co_spawn's `detached` swallows
    std::size_t n = co_await socket.async_read_some(net::buffer(data), net::use_awaitable);
    co_await net::async_write(socket, net::buffer(data, n), net::use_awaitable);
  }
}

inline net::awaitable<void> listen(tcp::acceptor acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    net::co_spawn(acceptor.get_executor(), echo(std::move(socket)), net::detached);
  }
}

// Listens on 127.0.0.1:<port> and serves it on `io` once `io` runs.
inline void start(net::io_context& io, int port) {
  tcp::endpoint endpoint(net::ip::address_v4::loopback(), static_cast<unsigned short>(port));
  tcp::acceptor acceptor(io, endpoint);  // sets SO_REUSEADDR and listens with SOMAXCONN
  net::co_spawn(io, listen(std::move(acceptor)), net::detached);
}

}  // namespace echo::asio_server
