// Adopting sockets, socket pairs and SCM_RIGHTS descriptor passing.

#include "eio/os/socket.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/io.hpp"
#include "eio/errors.hpp"
#include "os/fd_state.hpp"

namespace eio::os {
namespace {

using eio::detail::Io_op;
using eio::detail::throw_errno;

// The kernel's per-message limit (SCM_MAX_FD).
constexpr int kMaxFdsPerMessage = 253;

eio::detail::Fd_state& state_of(net::Stream_socket& sock) {
  if (sock.fd().state() == nullptr) throw Closed("eio: empty socket");
  return *sock.fd().state();
}

}  // namespace

net::Stream_socket import_socket_stream(Switch& sw, int raw) {
  return net::Stream_socket(Fd(sw, raw));
}

net::Stream_socket import_socket_stream(Fd fd) {
  return net::Stream_socket(std::move(fd));
}

std::pair<net::Stream_socket, net::Stream_socket> socketpair_stream(Switch& sw) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) {
    throw_errno(errno, "creating a socket pair");
  }
  auto [a, b] = adopt_pair(sw, fds);
  return {net::Stream_socket(std::move(a)), net::Stream_socket(std::move(b))};
}

void send_with_fds(net::Stream_socket& sock, std::string_view data, std::span<const int> fds) {
  if (data.empty())
    throw std::invalid_argument("eio::os::send_with_fds: no data to carry the descriptors");
  if (fds.size() > kMaxFdsPerMessage) {
    throw Io_error(std::errc::too_many_files_open, "sending descriptors (at most 253 per message)");
  }
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  eio::detail::Fd_state& s = state_of(sock);
  // The descriptors travel with the first byte; the rest of a short send goes plainly.
  Io_op op{.kind = Io_op::Kind::sendmsg, .fd = -1};
  op.msg = &msg;
  long r = s.perform(op);
  if (r < 0) throw_errno(static_cast<int>(-r), "sending descriptors over a Unix socket");
  if (static_cast<std::size_t>(r) < data.size())
    sock.write(data.substr(static_cast<std::size_t>(r)));
}

Received recv_with_fds(Switch& sw, net::Stream_socket& sock, std::span<char> buf, int max_fds) {
  if (buf.empty()) throw std::invalid_argument("eio::os::recv_with_fds: empty buffer");
  max_fds = std::clamp(max_fds, 0, kMaxFdsPerMessage);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (max_fds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<std::size_t>(max_fds));
  }
  Io_op op{.kind = Io_op::Kind::recvmsg, .fd = -1};
  op.msg = &msg;
  op.flags = MSG_CMSG_CLOEXEC;
  long r = state_of(sock).perform(op);
  if (r < 0) throw_errno(static_cast<int>(-r), "receiving descriptors over a Unix socket");
  // Adopt every descriptor that arrived before anything can throw, so none leaks.
  std::vector<int> raw;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      raw.push_back(fd);
    }
  }
  Received out{static_cast<std::size_t>(r), {}};
  out.fds.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    try {
      out.fds.emplace_back(sw, raw[i]);
    } catch (...) {
      for (std::size_t j = i + 1; j < raw.size(); ++j) ::close(raw[j]);
      throw;
    }
  }
  if (r == 0 && out.fds.empty()) throw End_of_file();
  return out;
}

}  // namespace eio::os
