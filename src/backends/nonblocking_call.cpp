#include "backends/nonblocking_call.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "eio/cancel.hpp"
#include "eio/os/systhread.hpp"

namespace eio::detail {
namespace {

// IORING_FSYNC_DATASYNC without <liburing.h>: the value is the kernel ABI.
constexpr int kFsyncDatasync = 1;

long file_system_call(const Io_op& op) noexcept {
  using K = Io_op::Kind;
  switch (op.kind) {
    case K::openat2:
      return ::syscall(SYS_openat2, op.fd, op.path, op.how, sizeof(open_how));
    case K::statx:
      return ::statx(op.fd, op.path, op.flags, op.mode, static_cast<struct statx*>(op.how));
    case K::mkdirat:
      return ::mkdirat(op.fd, op.path, op.mode);
    case K::unlinkat:
      return ::unlinkat(op.fd, op.path, op.flags);
    case K::renameat:
      return ::renameat2(op.fd, op.path, op.fd_out, op.path2, static_cast<unsigned>(op.flags));
    case K::symlinkat:
      return ::symlinkat(op.path, op.fd, op.path2);
    case K::linkat:
      return ::linkat(op.fd, op.path, op.fd_out, op.path2, op.flags);
    case K::fsync:
      return op.flags & kFsyncDatasync ? ::fdatasync(op.fd) : ::fsync(op.fd);
    default:
      break;
  }
  long r = op.call(op.call_arg);  // K::call reports -errno itself
  if (r < 0) errno = static_cast<int>(-r);
  return r < 0 ? -1 : r;
}

}  // namespace

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
      default:
        r = file_system_call(op);
        break;
    }
    if (r >= 0) return r;
    if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

long page_cache_call(const Io_op& op) noexcept {
  iovec one{op.buf, op.len};
  const iovec* iov = op.kind == Io_op::Kind::read ? &one : op.iov;
  int n = op.kind == Io_op::Kind::read ? 1 : op.iovcnt;
  for (;;) {
    ssize_t r = op.kind == Io_op::Kind::writev ? ::pwritev2(op.fd, iov, n, op.offset, RWF_NOWAIT)
                                               : ::preadv2(op.fd, iov, n, op.offset, RWF_NOWAIT);
    if (r >= 0) return r;
    // EOPNOTSUPP: a file system (or kernel) without RWF_NOWAIT for this call.
    if (errno == EAGAIN || errno == EOPNOTSUPP) return -EAGAIN;
    if (errno != EINTR) return -errno;
  }
}

long call_on_helper_thread(const Io_op& op) noexcept {
  long r = -ECANCELED;
  try {
    os::detail::run_in_systhread_raw([&] { r = nonblocking_call(op); });
  } catch (const Cancelled&) {
    // Cancelled before a helper thread picked it up: the call was never made.
  } catch (const std::system_error& e) {
    r = -e.code().value();  // no helper thread could be started (EAGAIN)
  } catch (...) {
    r = -ENOMEM;
  }
  return r;
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
