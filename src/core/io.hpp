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
inline constexpr unsigned kIoKinds = 18;

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
    splice,
    // File system calls: io_uring opcodes where the kernel has them; otherwise, and on the
    // POSIX backend, the blocking system call on a helper thread (blocks_thread).
    openat2,
    statx,
    mkdirat,
    unlinkat,
    renameat,
    symlinkat,
    linkat,
    fsync,
    call,  // a blocking function with no opcode: always on a helper thread
  };

  Kind kind;
  int fd;
  int fd_out = -1;
  // read: buf/len. readv/writev: iov/iovcnt. accept: addr/addrlen. connect: addr and
  // addrlen_in. recvmsg/sendmsg: msg, flags. poll: poll_events (POLLIN / POLLOUT).
  // splice: len bytes from fd to fd_out (one of them a pipe).
  // File system calls name a directory fd (AT_FDCWD allowed) and `path`: openat2 (`how`:
  // an open_how), statx (`how`: the struct statx, `mode`: its mask, `flags`), mkdirat
  // (`mode`), unlinkat (`flags`), renameat and linkat (to fd_out/path2, `flags`), symlinkat
  // (`path`: the target; the link is fd/path2), fsync (`flags`: IORING_FSYNC_DATASYNC).
  // call: `call(call_arg)`, returning a result or -errno.
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
  const char* path = nullptr;
  const char* path2 = nullptr;
  void* how = nullptr;
  unsigned mode = 0;
  long (*call)(void*) = nullptr;
  void* call_arg = nullptr;
  // The fd may be in blocking mode (an inherited stdin, an imported fd): a readiness-based
  // backend must wait for readiness before the system call rather than after EAGAIN.
  bool fd_may_block = false;
  // A regular file: never "ready" or "not ready", but a read or write may wait for the
  // device. A readiness-based backend tries it with RWF_NOWAIT (the page cache answers)
  // and otherwise makes the call on a helper thread.
  bool regular_file = false;
};

// Whether `kind` is a call that may block the calling thread (file systems do not support
// non-blocking IO), so that a backend without an opcode for it runs it on a helper thread.
constexpr bool blocks_thread(Io_op::Kind kind) noexcept {
  return kind >= Io_op::Kind::openat2;
}

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
