#pragma once
// What a scheduler needs from an event loop backend (io_uring, POSIX): waiting for events,
// being woken from other threads, and carrying out IO for the running fiber.

#include <cstdint>

#include "core/io.hpp"

namespace eio::detail {

class Backend {
 public:
  virtual ~Backend() = default;

  // "uring" or "posix": the spelling EIO_BACKEND takes.
  virtual const char* name() const noexcept = 0;
  // Dispatches completed IO, waiting up to `timeout_ns` for some (< 0: no limit). With a
  // timeout of 0 it must not make a system call when nothing is in flight: the scheduler
  // calls it every few dozen fiber switches. Returns early when wake() is called.
  virtual void poll(std::int64_t timeout_ns) = 0;
  // Makes a concurrent (or the next) blocking poll return at once. Callable from any
  // thread and from signal handlers.
  virtual void wake() noexcept = 0;

  // Carries out `op` for the running fiber, suspending it until the operation completes.
  // Returns what the system call returns (>= 0) or -errno. If the fiber's cancellation
  // context is cancelled meanwhile, the operation is cancelled in the kernel, and the fiber
  // stays suspended until the kernel is done with its buffers: the result is then
  // -ECANCELED, or the operation's own result if it completed anyway (data is never lost).
  // `p` lives in the caller's frame and is linked into its resource's list.
  virtual long perform(const Io_op& op, Pending_io& p) = 0;
  // Ends an operation in flight early (its resource is being closed), on the owning
  // domain. The waiting fiber then sees -ECANCELED unless the operation completed.
  virtual void abort(Pending_io& p) noexcept = 0;
  // `fd` is about to be closed, with no operation in flight on it: drop whatever the
  // backend keeps for it (an epoll registration would otherwise outlive the number if the
  // file is still open elsewhere, through a dup or a child process).
  virtual void forget_fd(int /*fd*/) noexcept {}
  // For a foreign event loop that sleeps on this domain's behalf (Foreign_loop): hands the
  // kernel what is queued and dispatches whatever has completed, then returns an fd that
  // polls readable (with a fresh edge each time) when something new completes or wake() is
  // called. -1: this backend cannot be watched that way, so the scheduler sleeps itself.
  virtual int prepare_foreign_sleep() { return -1; }
};

}  // namespace eio::detail
