#pragma once
// eio::Lazy (SPEC §3): a value computed once, on first use, shared by every domain.

#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "eio/cancel.hpp"
#include "eio/detail/cancel_point.hpp"
#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

/// What happens when the fiber computing a Lazy value is cancelled: `restart` (the default)
/// forgets the attempt so the next forcer computes it afresh; `record` keeps the
/// eio::Cancelled as the result for every forcer; `protect` shields the computation from
/// cancellation so it always completes.
enum class Lazy_cancel { restart, record, protect };

/// Options for eio::Lazy.
struct Lazy_options {
  Lazy_cancel cancel = Lazy_cancel::restart;
};

/// A value computed by `fn` the first time `force()` is called.
///
///     eio::Lazy<Config> config([&] { return load_config(dir); });
///     use(config.force());   // computed once; concurrent forcers wait for it
///
/// Safe to share across domains and threads. If `fn` throws, every forcer rethrows that
/// exception (cancellation: see Lazy_cancel).
template <class T>
class Lazy {
 public:
  explicit Lazy(std::function<T()> fn, Lazy_options opts = {})
      : fn_(std::move(fn)), mode_(opts.cancel) {}
  Lazy(const Lazy&) = delete;
  Lazy& operator=(const Lazy&) = delete;

  /// Returns the value, computing it in the calling fiber if nobody has yet, or waiting
  /// for the fiber computing it. A cancellation point while waiting.
  const T& force() {
    for (;;) {
      lock_.lock();
      if (state_ == State::done) {
        lock_.unlock();
        if (error_) std::rethrow_exception(error_);
        return *value_;
      }
      if (state_ == State::running) {
        detail::check_cancelled_before_queueing(lock_);
        detail::Waiter w;
        waiters_.push_back(w);
        lock_.unlock();
        detail::await_hand_over(lock_, w);
        continue;  // the computation finished or was abandoned: look again
      }
      state_ = State::running;
      lock_.unlock();
      compute();
    }
  }

 private:
  enum class State { init, running, done };

  void compute() {
    try {
      if (mode_ == Lazy_cancel::protect) {
        value_.emplace(cancel::protect(fn_));
      } else {
        value_.emplace(fn_());
      }
      settle(State::done);
    } catch (const Cancelled&) {
      if (mode_ == Lazy_cancel::restart) {
        settle(State::init);
      } else {
        error_ = std::current_exception();
        settle(State::done);
      }
      throw;
    } catch (...) {
      error_ = std::current_exception();
      settle(State::done);
      throw;
    }
  }

  void settle(State s) noexcept {
    lock_.lock();
    state_ = s;
    while (detail::Waiter* w = waiters_.pop_front()) w->trigger.signal();
    lock_.unlock();
  }

  std::function<T()> fn_;
  Lazy_cancel mode_;
  detail::Spinlock lock_;
  State state_ = State::init;
  std::optional<T> value_;  // written by the computing fiber before state_ = done
  std::exception_ptr error_;
  detail::Intrusive_list<detail::Waiter> waiters_;
};

}  // namespace eio
