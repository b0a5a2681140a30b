#include "eio/semaphore.hpp"

#include <stdexcept>

namespace eio {

Semaphore::Semaphore(std::int64_t permits) : value_(permits) {
  if (permits < 0) throw std::invalid_argument("eio::Semaphore: negative initial count");
}

void Semaphore::acquire() {
  lock_.lock();
  if (value_ > 0) {
    --value_;
    lock_.unlock();
    return;
  }
  detail::check_cancelled_before_queueing(lock_);
  detail::Waiter w;
  waiters_.push_back(w);
  lock_.unlock();
  detail::await_hand_over(lock_, w);  // release() handed us its permit
}

bool Semaphore::try_acquire() {
  lock_.lock();
  bool took = value_ > 0;
  if (took) --value_;
  lock_.unlock();
  return took;
}

void Semaphore::release() {
  lock_.lock();
  if (detail::Waiter* w = waiters_.pop_front()) {
    w->trigger.signal();
  } else if (value_ == INT64_MAX) {
    lock_.unlock();
    throw std::overflow_error("eio::Semaphore: release past the maximum count");
  } else {
    ++value_;
  }
  lock_.unlock();
}

std::int64_t Semaphore::get_value() const {
  lock_.lock();
  std::int64_t v = value_;
  lock_.unlock();
  return v;
}

}  // namespace eio
