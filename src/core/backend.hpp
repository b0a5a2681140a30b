#pragma once
// What a scheduler needs from an event loop backend (io_uring, POSIX). IO operations are
// added by per-resource interfaces; this part is only about waiting.

#include <cstdint>

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
};

}  // namespace eio::detail
