#pragma once
// The hook through which another event loop (Asio's io_context, for eio::asio) shares a
// domain's thread with eio. While one is attached, the scheduler lets it run its ready
// work each time it polls for IO, and when no fiber can run it sleeps *inside* the foreign
// loop, which watches an fd of eio's backend: so either side's events wake the thread,
// and neither side polls in a busy loop.

#include <cstdint>

namespace eio::detail {

class Foreign_loop {
 public:
  // Runs the foreign loop's ready work without blocking. Called on the domain's thread,
  // outside any fiber; it may signal Triggers (waking fibers) but must not block.
  virtual void run_ready() noexcept = 0;
  // Waits until the foreign loop has run some work, `fd` polls readable, or `timeout_ns`
  // has passed (< 0: no limit). Returns false at once, without waiting, if the foreign
  // loop cannot wait now (it was stopped): the scheduler then sleeps by itself.
  virtual bool sleep(int fd, std::int64_t timeout_ns) noexcept = 0;

 protected:
  ~Foreign_loop() = default;
};

// Attaches `loop` to the calling fiber's domain until detach_foreign_loop. Throws
// std::logic_error off a fiber, or if the domain already has a foreign loop attached.
void attach_foreign_loop(Foreign_loop& loop);
// Detaches `loop` (a no-op if it is not the attached one). Call from the same domain.
void detach_foreign_loop(Foreign_loop& loop) noexcept;

}  // namespace eio::detail
