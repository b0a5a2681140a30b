// Operations on io_uring: one SQE per operation, submitted in a batch when the scheduler
// next polls (when its run queue drains, or every few dozen switches). The fiber stays
// suspended until the operation's CQE arrives, even when cancelled: the kernel may be
// writing into a buffer on that fiber's stack until then.

#include <poll.h>

#include <cerrno>

#include "backends/nonblocking_call.hpp"
#include "backends/uring/ring.hpp"
#include "core/scheduler.hpp"

namespace eio::uring {
namespace {

void prep(io_uring_sqe* sqe, const detail::Io_op& op) {
  using K = detail::Io_op::Kind;
  // Offsets: -1 means "the file position" (IORING_FEAT_RW_CUR_POS); sockets and pipes
  // ignore it.
  auto off = static_cast<__u64>(op.offset);
  switch (op.kind) {
    case K::read:
      io_uring_prep_read(sqe, op.fd, op.buf, static_cast<unsigned>(op.len), off);
      break;
    case K::readv:
      io_uring_prep_readv(sqe, op.fd, op.iov, static_cast<unsigned>(op.iovcnt), off);
      break;
    case K::writev:
      io_uring_prep_writev(sqe, op.fd, op.iov, static_cast<unsigned>(op.iovcnt), off);
      break;
    case K::accept:
      io_uring_prep_accept(sqe, op.fd, op.addr, op.addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK);
      break;
    case K::connect:
      io_uring_prep_connect(sqe, op.fd, op.addr, op.addrlen_in);
      break;
    case K::recvmsg:
      io_uring_prep_recvmsg(sqe, op.fd, op.msg, static_cast<unsigned>(op.flags));
      break;
    case K::sendmsg:
      io_uring_prep_sendmsg(sqe, op.fd, op.msg, static_cast<unsigned>(op.flags) | MSG_NOSIGNAL);
      break;
    case K::poll:
      io_uring_prep_poll_add(sqe, op.fd, static_cast<unsigned>(op.poll_events));
      break;
    case K::splice:
      io_uring_prep_splice(sqe, op.fd, -1, op.fd_out, -1, static_cast<unsigned>(op.len), 0);
      break;
    case K::openat2:
      io_uring_prep_openat2(sqe, op.fd, op.path, static_cast<open_how*>(op.how));
      break;
    case K::statx:
      io_uring_prep_statx(sqe, op.fd, op.path, op.flags, op.mode,
                          static_cast<struct statx*>(op.how));
      break;
    case K::mkdirat:
      io_uring_prep_mkdirat(sqe, op.fd, op.path, op.mode);
      break;
    case K::unlinkat:
      io_uring_prep_unlinkat(sqe, op.fd, op.path, op.flags);
      break;
    case K::renameat:
      io_uring_prep_renameat(sqe, op.fd, op.path, op.fd_out, op.path2,
                             static_cast<unsigned>(op.flags));
      break;
    case K::symlinkat:
      io_uring_prep_symlinkat(sqe, op.path, op.fd, op.path2);
      break;
    case K::linkat:
      io_uring_prep_linkat(sqe, op.fd, op.path, op.fd_out, op.path2, op.flags);
      break;
    case K::fsync:
      io_uring_prep_fsync(sqe, op.fd, static_cast<unsigned>(op.flags));
      break;
    case K::call:
      break;  // never submitted: no opcode (supported_ is false)
  }
}

}  // namespace

long Ring::perform(const detail::Io_op& op, detail::Pending_io& p) {
  if (!supported_[static_cast<unsigned>(op.kind)]) return emulate(op, p);
  long r = submit_and_wait(op, p);
  // SPLICE does not wait for a non-blocking pipe: EAGAIN means "not ready", so wait for
  // whichever end blocks, as the emulation does, and try again.
  while (r == -EAGAIN && op.kind == detail::Io_op::Kind::splice && !p.aborted) {
    bool input_ready = detail::ready_now(op.fd, POLLIN);
    detail::Io_op wait{.kind = detail::Io_op::Kind::poll, .fd = input_ready ? op.fd_out : op.fd};
    wait.poll_events = input_ready ? POLLOUT : POLLIN;
    if (r = submit_and_wait(wait, p); r < 0) return r;
    r = submit_and_wait(op, p);
  }
  return r;
}

// For an opcode the kernel lacks: the non-blocking system call, with POLL_ADD (always
// there: the ring requires it) to wait whenever the call would block.
long Ring::emulate(const detail::Io_op& op, detail::Pending_io& p) {
  if (detail::blocks_thread(op.kind)) return detail::call_on_helper_thread(op);
  detail::Io_op wait{.kind = detail::Io_op::Kind::poll, .fd = op.fd};
  wait.poll_events = detail::readiness_events(op);
  auto wait_ready = [&] { return p.aborted ? -ECANCELED : submit_and_wait(wait, p); };
  if (op.kind == detail::Io_op::Kind::connect) {
    long r = detail::start_connect(op);
    if (r != -EINPROGRESS) return r;
    r = wait_ready();
    return r < 0 ? r : detail::connect_result(op.fd);
  }
  if (op.fd_may_block) {
    if (long r = wait_ready(); r < 0) return r;
  }
  for (;;) {
    long r = detail::nonblocking_call(op);
    if (r != -EAGAIN) return r;
    if (op.kind == detail::Io_op::Kind::splice) {
      // Either end may be what blocks: wait for the input, else for the output.
      bool input_ready = detail::ready_now(op.fd, POLLIN);
      wait.fd = input_ready ? op.fd_out : op.fd;
      wait.poll_events = input_ready ? POLLOUT : POLLIN;
    }
    if (r = wait_ready(); r < 0) return r;
  }
}

long Ring::submit_and_wait(const detail::Io_op& op, detail::Pending_io& p) {
  detail::Fiber* f = detail::current_fiber();
  p.fiber = f;
  p.completed = false;
  io_uring_sqe* sqe = next_sqe();
  prep(sqe, op);
  io_uring_sqe_set_data(sqe, &p);
  ++in_flight_;
  // Cancelling the fiber asks the kernel to cancel the operation; the fiber is woken by
  // the operation's own completion, whatever it says.
  f->cancel_data = &p;
  f->cancel_fn = [](detail::Fiber* fiber) noexcept {
    auto& ring = static_cast<Ring&>(fiber->sched->backend());
    ring.abort(*static_cast<detail::Pending_io*>(fiber->cancel_data));
  };
  f->sched->suspend();
  f->cancel_fn = nullptr;
  return p.result;
}

void Ring::abort(detail::Pending_io& p) noexcept {
  if (p.aborted) return;
  p.aborted = true;
  submit_cancel(p);
}

void Ring::submit_cancel(detail::Pending_io& p) noexcept {
  if (p.completed) return;  // nothing left to cancel; the fiber is already queued
  p.cancel_in_flight = true;
  ++in_flight_;  // the cancel request's own completion
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel(sqe, &p, 0);
  io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(&p) | kCancelBit);
}

}  // namespace eio::uring
