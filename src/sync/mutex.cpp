#include "eio/mutex.hpp"

#include <stdexcept>

#include "eio/cancel.hpp"
#include "eio/errors.hpp"

namespace eio {

void Mutex::throw_poisoned_locked() {
  std::exception_ptr cause = poison_;
  lock_.unlock();
  throw Poisoned(cause);
}

void Mutex::lock() {
  lock_.lock();
  if (poison_) throw_poisoned_locked();
  if (!locked_) {
    locked_ = true;
    lock_.unlock();
    return;
  }
  detail::check_cancelled_before_queueing(lock_);
  Lock_waiter w;
  waiters_.push_back(w);
  lock_.unlock();
  detail::await_hand_over(lock_, w);
  // Either unlock() passed us the lock, or poison() woke us; poison_ was written before.
  if (w.poisoned) throw Poisoned(poison_);
}

bool Mutex::try_lock() {
  lock_.lock();
  if (poison_) throw_poisoned_locked();
  bool took = !locked_;
  locked_ = true;
  lock_.unlock();
  return took;
}

void Mutex::unlock() {
  lock_.lock();
  if (!locked_) {
    lock_.unlock();
    auto error = std::make_exception_ptr(std::logic_error("eio: unlock of an unlocked Mutex"));
    poison(error);
    std::rethrow_exception(error);
  }
  if (Lock_waiter* w = waiters_.pop_front()) {
    w->trigger.signal();  // ownership passes to w: locked_ stays true
  } else {
    locked_ = false;
  }
  lock_.unlock();
}

void Mutex::poison(std::exception_ptr cause) {
  lock_.lock();
  if (!poison_) poison_ = std::move(cause);
  locked_ = false;
  while (Lock_waiter* w = waiters_.pop_front()) {
    w->poisoned = true;
    w->trigger.signal();
  }
  lock_.unlock();
}

void Mutex::use_rw_impl(detail::Function_ref<void()> body, bool protect) {
  lock();
  try {
    if (protect) {
      cancel::protect(body);
    } else {
      body();
    }
  } catch (...) {
    poison(std::current_exception());
    throw;
  }
  unlock();
}

}  // namespace eio
