#pragma once
// The IO operations a backend performs for a fiber, described independently of how the
// backend carries them out (an io_uring SQE, or a non-blocking syscall plus epoll).

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "eio/detail/intrusive_list.hpp"

namespace eio::detail {

struct Fiber;

// How many Io_op::Kind values there are.
inline constexpr unsigned kIoKinds = 9;

struct Io_op {
  enum class Kind : std::uint8_t {
    read,
    readv,
    writev,
    accept,
    connect,
    recvmsg,
    sendmsg,
    poll,
    splice
  };

  Kind kind;
  int fd;
  int fd_out = -1;
  // read: buf/len. readv/writev: iov/iovcnt. accept: addr/addrlen. connect: addr and
  // addrlen_in. recvmsg/sendmsg: msg, flags. poll: poll_events (POLLIN / POLLOUT).
  // splice: len bytes from fd to fd_out (one of them a pipe).
  void* buf = nullptr;
  std::size_t len = 0;
  const iovec* iov = nullptr;
  int iovcnt = 0;
  std::int64_t offset = -1;  // -1: the file position (sockets and pipes ignore it)
  sockaddr* addr = nullptr;
  socklen_t* addrlen = nullptr;
  socklen_t addrlen_in = 0;
  msghdr* msg = nullptr;
  int flags = 0;
  short poll_events = 0;
  // The fd may be in blocking mode (an inherited stdin, an imported fd): a readiness-based
  // backend must wait for readiness before the system call rather than after EAGAIN.
  bool fd_may_block = false;
};

// An operation in flight, in the frame of the fiber that waits for it. Resources keep
// their operations in a list so that closing one can end them (Backend::abort).
struct Pending_io : List_node<> {
  Fiber* fiber = nullptr;
  long result = 0;
  bool aborted = false;           // abort() was called: -ECANCELED unless it completed
  bool completed = false;         // the operation's own completion has arrived
  bool cancel_in_flight = false;  // io_uring: a cancel request naming this op is pending
  void* waiter = nullptr;         // POSIX: the readiness wait in progress, if any
  // Set on the entry a two-descriptor operation (splice) leaves in its second descriptor's
  // list: aborting it aborts the operation itself.
  Pending_io* alias = nullptr;
};

}  // namespace eio::detail
