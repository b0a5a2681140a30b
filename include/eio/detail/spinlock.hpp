#pragma once
// A test-and-test-and-set lock for the short critical sections inside the sync types
// (a few pointer moves, never a blocking call). Fibers never suspend while holding it, so
// the holder always makes progress; plain threads that lose the race spin briefly then
// yield the CPU.

#include <atomic>

namespace eio::detail {

class Spinlock {
 public:
  void lock() noexcept {
    // acquire: the critical section must see what the previous holder wrote.
    while (locked_.exchange(true, std::memory_order_acquire)) wait_until_free();
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  // release: publishes the critical section's writes to the next holder.
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  void wait_until_free() noexcept;
  std::atomic<bool> locked_{false};
};

}  // namespace eio::detail
