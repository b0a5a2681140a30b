#include "eio/promise.hpp"

namespace eio::detail {

void throw_already_resolved() {
  throw std::logic_error("eio: promise already resolved");
}

void Promise_core::await_resolution() {
  if (is_resolved()) return;
  check_cancelled();
  Waiter w;
  lock_.lock();
  if (resolved_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return;
  }
  waiters_.push_back(w);
  lock_.unlock();
  await_hand_over(lock_, w);
}

void Promise_core::wake_all_locked() noexcept {
  while (Waiter* w = waiters_.pop_front()) w->trigger.signal();
}

}  // namespace eio::detail
