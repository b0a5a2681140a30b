// Stream, listening and datagram sockets over eio::os::Fd.

#include "eio/net/socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "core/io.hpp"
#include "eio/errors.hpp"
#include "net/sockaddr_os.hpp"
#include "os/fd_state.hpp"

namespace eio::net {
namespace {

using eio::detail::Io_op;
using eio::detail::throw_errno;

// A new non-blocking, close-on-exec socket attached to `sw`.
os::Fd open_socket(Switch& sw, int family, int type, const Sockaddr& addr, const char* doing) {
  int raw = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (raw < 0) throw_errno(errno, std::string(doing) + " " + addr.to_string());
  return os::Fd(sw, raw);
}

void set_int_option(os::Fd& fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd.get(), level, name, &value, sizeof value) < 0) throw_errno(errno, what);
}

Sockaddr local_addr_of(int raw, Sockaddr::Kind kind) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getsockname(raw, reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    throw_errno(errno, "reading a socket's local address");
  }
  return detail::from_os(ss, len, kind);
}

// Binding a Unix path fails if the file exists; with reuse_addr a stale socket file is
// removed first (anything that is not a socket is left alone, and bind reports it).
void remove_stale_socket(const Sockaddr& addr) {
  struct stat st;
  if (addr.kind() == Sockaddr::Kind::unix_path && ::lstat(addr.path().c_str(), &st) == 0 &&
      S_ISSOCK(st.st_mode)) {
    ::unlink(addr.path().c_str());
  }
}

void bind_to(os::Fd& fd, const Sockaddr& addr, const char* doing) {
  sockaddr_storage ss;
  socklen_t len = detail::to_os(addr, ss);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    throw_errno(errno, std::string(doing) + " " + addr.to_string());
  }
}

long perform(os::Fd& fd, Io_op op) {
  if (fd.state() == nullptr) throw Closed("eio: empty socket");
  return fd.state()->perform(op);
}

}  // namespace

Stream_socket::Stream_socket(os::Fd fd) : Fd_flow(std::move(fd)) {
  if (this->fd().state() != nullptr) this->fd().state()->socket = true;
}

void Stream_socket::set_nodelay(bool on) {
  set_int_option(fd(), IPPROTO_TCP, TCP_NODELAY, on, "setting TCP_NODELAY");
}

void Stream_socket::set_keepalive(bool on) {
  set_int_option(fd(), SOL_SOCKET, SO_KEEPALIVE, on, "setting SO_KEEPALIVE");
}

void Stream_socket::set_option(int level, int name, int value) {
  set_int_option(fd(), level, name, value, "setting a socket option");
}

int Stream_socket::get_option(int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd().get(), level, name, &value, &len) < 0) {
    throw_errno(errno, "reading a socket option");
  }
  return value;
}

Sockaddr Stream_socket::local_addr() {
  return local_addr_of(fd().get(), Sockaddr::Kind::tcp);
}

Sockaddr Stream_socket::peer_addr() {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getpeername(fd().get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    throw_errno(errno, "reading a socket's peer address");
  }
  return detail::from_os(ss, len, Sockaddr::Kind::tcp);
}

Listening_socket listen(Switch& sw, Net&, const Sockaddr& addr, const Listen_options& opts) {
  if (addr.kind() == Sockaddr::Kind::udp) {
    throw std::invalid_argument("eio::net::listen: " + addr.to_string() + " is a UDP address");
  }
  if (opts.backlog < 0) throw std::invalid_argument("eio::net::listen: negative backlog");
  os::Fd fd = open_socket(sw, detail::family_of(addr), SOCK_STREAM, addr, "listening on");
  if (opts.reuse_addr) {
    if (addr.is_ip()) set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setting SO_REUSEADDR");
    remove_stale_socket(addr);
  }
  if (opts.reuse_port) set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1, "setting SO_REUSEPORT");
  bind_to(fd, addr, "listening on");
  if (::listen(fd.get(), opts.backlog) < 0) throw_errno(errno, "listening on " + addr.to_string());
  Sockaddr bound = addr.is_ip() ? local_addr_of(fd.get(), Sockaddr::Kind::tcp) : addr;
  return Listening_socket(std::move(fd), bound, opts.nodelay && addr.is_ip());
}

std::pair<Stream_socket, Sockaddr> accept(Switch& sw, Listening_socket& listening) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  Io_op op{.kind = Io_op::Kind::accept, .fd = -1};
  op.addr = reinterpret_cast<sockaddr*>(&ss);
  op.addrlen = &len;
  long r = perform(listening.fd(), op);
  if (r < 0) {
    throw_errno(static_cast<int>(-r), "accepting on " + listening.listening_addr().to_string());
  }
  Stream_socket conn{os::Fd(sw, static_cast<int>(r))};
  if (listening.nodelay()) conn.set_nodelay(true);
  return {std::move(conn), detail::from_os(ss, len, Sockaddr::Kind::tcp)};
}

Stream_socket connect(Switch& sw, Net&, const Sockaddr& addr) {
  if (addr.kind() == Sockaddr::Kind::udp) {
    throw std::invalid_argument("eio::net::connect: " + addr.to_string() + " is a UDP address");
  }
  Stream_socket conn{open_socket(sw, detail::family_of(addr), SOCK_STREAM, addr, "connecting to")};
  sockaddr_storage ss;
  Io_op op{.kind = Io_op::Kind::connect, .fd = -1};
  op.addr = reinterpret_cast<sockaddr*>(&ss);
  op.addrlen_in = detail::to_os(addr, ss);
  long r = perform(conn.fd(), op);
  if (r < 0) throw_errno(static_cast<int>(-r), "connecting to " + addr.to_string());
  return conn;
}

Datagram_socket datagram_socket(Switch& sw, Net&, const Sockaddr& addr,
                                const Datagram_options& opts) {
  if (addr.kind() == Sockaddr::Kind::tcp) {
    throw std::invalid_argument("eio::net::datagram_socket: " + addr.to_string() +
                                " is a TCP address");
  }
  os::Fd fd =
      open_socket(sw, detail::family_of(addr), SOCK_DGRAM, addr, "binding a datagram socket to");
  if (opts.reuse_addr) {
    if (addr.is_ip()) set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setting SO_REUSEADDR");
    remove_stale_socket(addr);
  }
  if (opts.reuse_port) set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1, "setting SO_REUSEPORT");
  bind_to(fd, addr, "binding a datagram socket to");
  Sockaddr bound = addr.is_ip() ? local_addr_of(fd.get(), Sockaddr::Kind::udp) : addr;
  return Datagram_socket(std::move(fd), bound);
}

void send(Datagram_socket& sock, const Sockaddr& dst, std::string_view data) {
  sockaddr_storage ss;
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_name = &ss;
  msg.msg_namelen = detail::to_os(dst, ss);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  Io_op op{.kind = Io_op::Kind::sendmsg, .fd = -1};
  op.msg = &msg;
  long r = perform(sock.fd(), op);
  if (r < 0) throw_errno(static_cast<int>(-r), "sending a datagram to " + dst.to_string());
}

Recv_result recv(Datagram_socket& sock, std::span<char> buf) {
  sockaddr_storage ss;
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &ss;
  msg.msg_namelen = sizeof ss;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  Io_op op{.kind = Io_op::Kind::recvmsg, .fd = -1};
  op.msg = &msg;
  long r = perform(sock.fd(), op);
  if (r < 0) {
    throw_errno(static_cast<int>(-r), "receiving a datagram on " + sock.local_addr().to_string());
  }
  return {detail::from_os(ss, msg.msg_namelen, Sockaddr::Kind::udp), static_cast<std::size_t>(r)};
}

}  // namespace eio::net
