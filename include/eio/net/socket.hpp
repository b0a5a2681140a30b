#pragma once
// Sockets (SPEC §6): the network capability, stream sockets (TCP, Unix), listening
// sockets and datagram (UDP) sockets, all resources attached to a switch.
//
//   auto server = eio::net::listen(sw, env.net(), eio::net::Sockaddr::tcp(
//                                      eio::net::Ipaddr::v4_loopback(), 0));
//   auto conn = eio::net::connect(sw, env.net(), server.listening_addr());
//   conn.write("ping");

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "eio/net/sockaddr.hpp"
#include "eio/os/fd.hpp"

namespace eio::detail {
struct Env_access;
}

namespace eio::net {

/// The capability to use the network (env.net()): code that is not handed a Net cannot
/// open sockets. Safe to share across domains.
class Net {
 public:
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

 private:
  friend struct eio::detail::Env_access;
  Net() = default;
};

/// Options of listen(). A namespace-scope aggregate, so `{.backlog = 16}` works as a
/// default argument with clang too.
struct Listen_options {
  int backlog = 128;        // pending connections the kernel queues
  bool reuse_addr = false;  // SO_REUSEADDR: rebind a port still in TIME_WAIT
  bool reuse_port = false;  // SO_REUSEPORT: several sockets share the port
  bool nodelay = false;     // TCP_NODELAY on every accepted socket
};

/// A connected stream socket (TCP or Unix): a two-way flow plus socket options. Created by
/// connect(), accept() or os::import_socket_stream(); attached to a switch like any
/// resource (see os::Fd). Domain-local. Writes never raise SIGPIPE: a peer that hung up
/// gives eio::Io_error with `broken_pipe` or `connection_reset`.
class Stream_socket : public os::Fd_flow {
 public:
  explicit Stream_socket(os::Fd fd);

  /// TCP_NODELAY: send small writes at once instead of coalescing them (Nagle). Throws
  /// eio::Io_error (e.g. on a Unix socket) or eio::Closed.
  void set_nodelay(bool on);
  /// SO_KEEPALIVE: probe an idle connection so a vanished peer is noticed.
  void set_keepalive(bool on);
  /// Sets an integer socket option (setsockopt(level, name, value)).
  void set_option(int level, int name, int value);
  /// Reads an integer socket option (getsockopt).
  int get_option(int level, int name);
  /// The address of this end.
  Sockaddr local_addr();
  /// The address of the other end.
  Sockaddr peer_addr();
};

/// A socket accepting connections, made by listen(). Domain-local.
class Listening_socket {
 public:
  Listening_socket(os::Fd fd, Sockaddr addr, bool nodelay) noexcept
      : fd_(std::move(fd)), addr_(std::move(addr)), nodelay_(nodelay) {}

  /// The address it listens on, with the port the kernel picked if listen() asked for 0.
  const Sockaddr& listening_addr() const noexcept { return addr_; }
  /// Whether accepted sockets get TCP_NODELAY.
  bool nodelay() const noexcept { return nodelay_; }
  os::Fd& fd() noexcept { return fd_; }
  /// Stops listening now: pending accept() calls throw eio::Closed.
  void close() noexcept { fd_.close(); }

 private:
  os::Fd fd_;
  Sockaddr addr_;
  bool nodelay_;
};

/// Creates a socket listening on `addr` (TCP or Unix), attached to `sw`. A Unix path must
/// not exist yet (remove a stale one first). Does not block. Throws eio::Io_error (e.g.
/// `address_in_use`) with the address in its context, std::invalid_argument for a UDP address.
Listening_socket listen(Switch& sw, Net& net, const Sockaddr& addr,
                        const Listen_options& opts = {});

/// Waits for a connection on `listening` and returns it, attached to `sw`, with the peer's
/// address. A cancellation point. Throws eio::Io_error (e.g. `too_many_files_open`) or
/// eio::Closed if the listening socket is closed meanwhile.
std::pair<Stream_socket, Sockaddr> accept(Switch& sw, Listening_socket& listening);

/// Connects to `addr` (TCP or Unix), attached to `sw`. A cancellation point: cancelling
/// abandons the attempt and closes the socket. Throws eio::Io_error whose context says
/// "connecting to <addr>" (`connection_refused`, `network_unreachable`, …).
Stream_socket connect(Switch& sw, Net& net, const Sockaddr& addr);

/// Options of datagram_socket().
struct Datagram_options {
  bool reuse_addr = false;
  bool reuse_port = false;
};

/// A UDP (or Unix datagram) socket. Domain-local; attached to a switch.
class Datagram_socket {
 public:
  Datagram_socket(os::Fd fd, Sockaddr addr) noexcept : fd_(std::move(fd)), addr_(std::move(addr)) {}
  /// The address it is bound to (with the port the kernel picked for port 0).
  const Sockaddr& local_addr() const noexcept { return addr_; }
  os::Fd& fd() noexcept { return fd_; }
  void close() noexcept { fd_.close(); }

 private:
  os::Fd fd_;
  Sockaddr addr_;
};

/// Creates a datagram socket bound to `addr` (a UDP address, port 0 for any; or a Unix
/// address), attached to `sw`. Throws eio::Io_error.
Datagram_socket datagram_socket(Switch& sw, Net& net, const Sockaddr& addr,
                                const Datagram_options& opts = {});

/// Sends `data` as one datagram to `dst`. Suspends while the socket's buffer is full; a
/// cancellation point. Throws eio::Io_error (e.g. `message_size` for an oversized datagram).
void send(Datagram_socket& sock, const Sockaddr& dst, std::string_view data);

/// What recv() received: who sent it and how many bytes were stored.
struct Recv_result {
  Sockaddr from;
  std::size_t size;
};

/// Waits for one datagram and stores it in `buf` (a longer datagram is truncated to
/// `buf.size()`). A cancellation point. Throws eio::Io_error or eio::Closed.
Recv_result recv(Datagram_socket& sock, std::span<char> buf);

}  // namespace eio::net
