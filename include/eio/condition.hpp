#pragma once
// eio::Condition (SPEC §3): wait for a condition that other fibers or threads announce.

#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

class Mutex;

/// Lets fibers wait until someone calls broadcast(); there is no signal-one.
///
///     std::scoped_lock lock(m);
///     while (!ready) cond.await(m);      // releases m while waiting
///     // elsewhere: { std::scoped_lock l(m); ready = true; } cond.broadcast();
///
/// Safe to share across domains; plain threads block the thread.
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// Atomically releases `mutex` (which the caller holds) and waits for the next
  /// broadcast, then re-locks `mutex` before returning, even when cancelled. A
  /// cancellation point (it then throws eio::Cancelled, holding the mutex again).
  void await(Mutex& mutex);
  /// Waits for the next broadcast without a mutex; the caller must tolerate missing a
  /// broadcast that happens before it starts waiting. A cancellation point.
  void await_no_mutex();
  /// Wakes every current waiter. Never blocks; callable from any thread.
  void broadcast() noexcept;

 private:
  detail::Spinlock lock_;
  detail::Intrusive_list<detail::Waiter> waiters_;
};

}  // namespace eio
