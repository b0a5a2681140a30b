#include "eio/condition.hpp"

#include "eio/cancel.hpp"
#include "eio/mutex.hpp"

namespace eio {

void Condition::await(Mutex& mutex) {
  detail::Waiter w;
  lock_.lock();
  waiters_.push_back(w);
  lock_.unlock();
  try {
    mutex.unlock();
  } catch (...) {  // the caller did not hold it: w must not stay queued past this frame
    lock_.lock();
    w.unlink();
    lock_.unlock();
    throw;
  }
  bool woken = w.trigger.await_unless_cancelled();
  if (!woken) {
    lock_.lock();
    w.unlink();  // no-op if a broadcast already took it
    lock_.unlock();
  }
  // The caller holds the mutex again whatever happened, as with std::condition_variable.
  cancel::protect([&] { mutex.lock(); });
  if (!woken) detail::throw_cancelled();
}

void Condition::await_no_mutex() {
  detail::check_cancelled();
  detail::Waiter w;
  lock_.lock();
  waiters_.push_back(w);
  lock_.unlock();
  detail::await_hand_over(lock_, w);
}

void Condition::broadcast() noexcept {
  lock_.lock();
  while (detail::Waiter* w = waiters_.pop_front()) w->trigger.signal();
  lock_.unlock();
}

}  // namespace eio
