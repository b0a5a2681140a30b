#pragma once
// eio::Semaphore (SPEC §3): a count of available permits.

#include <cstdint>

#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

/// A counting semaphore, fair to waiters (first come, first served).
///
///     eio::Semaphore slots(4);
///     slots.acquire();  ... slots.release();   // at most 4 at once
///
/// Safe to share across domains; plain threads block the thread. A cancelled `acquire`
/// either got its permit (and returns normally) or consumed none (and throws Cancelled).
class Semaphore {
 public:
  /// Starts with `permits` available; throws std::invalid_argument if negative.
  explicit Semaphore(std::int64_t permits);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// Takes a permit, waiting until one is available. A cancellation point.
  void acquire();
  /// Takes a permit if one is available now.
  bool try_acquire();
  /// Returns a permit, handing it straight to the longest waiter if there is one. Never
  /// blocks; callable from any thread. Throws std::overflow_error past INT64_MAX.
  void release();
  /// The number of available permits (0 while fibers wait).
  std::int64_t get_value() const;

 private:
  mutable detail::Spinlock lock_;
  std::int64_t value_;
  detail::Intrusive_list<detail::Waiter> waiters_;
};

}  // namespace eio
