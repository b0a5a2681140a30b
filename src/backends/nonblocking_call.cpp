#include "backends/nonblocking_call.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace eio::detail {

long nonblocking_call(const Io_op& op) noexcept {
  using K = Io_op::Kind;
  for (;;) {
    long r = 0;
    switch (op.kind) {
      case K::read:
        r = op.offset >= 0 ? ::pread(op.fd, op.buf, op.len, op.offset)
                           : ::read(op.fd, op.buf, op.len);
        break;
      case K::readv:
        r = op.offset >= 0 ? ::preadv(op.fd, op.iov, op.iovcnt, op.offset)
                           : ::readv(op.fd, op.iov, op.iovcnt);
        break;
      case K::writev:
        r = op.offset >= 0 ? ::pwritev(op.fd, op.iov, op.iovcnt, op.offset)
                           : ::writev(op.fd, op.iov, op.iovcnt);
        break;
      case K::accept:
        r = ::accept4(op.fd, op.addr, op.addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK);
        break;
      case K::recvmsg:
        r = ::recvmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT);
        break;
      case K::sendmsg:
        r = ::sendmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case K::splice:
        r = ::splice(op.fd, nullptr, op.fd_out, nullptr, op.len, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        break;
      case K::connect:
      case K::poll:
        return -EAGAIN;
    }
    if (r >= 0) return r;
    if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

short readiness_events(const Io_op& op) noexcept {
  using K = Io_op::Kind;
  switch (op.kind) {
    case K::writev:
    case K::sendmsg:
    case K::connect:
      return POLLOUT;
    case K::poll:
      return op.poll_events;
    default:
      return POLLIN;
  }
}

long start_connect(const Io_op& op) noexcept {
  int r;
  do {
    r = ::connect(op.fd, op.addr, op.addrlen_in);
  } while (r < 0 && errno == EINTR);
  return r == 0 ? 0 : -errno;
}

bool ready_now(int fd, short events) noexcept {
  pollfd pfd{fd, events, 0};
  return ::poll(&pfd, 1, 0) > 0;
}

long connect_result(int fd) noexcept {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
  return -err;
}

}  // namespace eio::detail
