#include "eio/detail/spinlock.hpp"

#include <sched.h>

namespace eio::detail {

void Spinlock::wait_until_free() noexcept {
  // Critical sections are a few dozen instructions, so spin on a plain load (no cache-line
  // ping-pong) for a while; if the holder was descheduled, give it the CPU.
  for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
    if (spins < 128) {
      __builtin_ia32_pause();
    } else {
      ::sched_yield();
    }
  }
}

}  // namespace eio::detail
