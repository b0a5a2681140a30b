#pragma once
// eio::Mutex (SPEC §3): mutual exclusion between fibers and threads of any domain.

#include <exception>
#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

/// Options for Mutex::use_rw. `protect` shields the critical section from cancellation
/// (waiting for the lock is still cancellable), for sections that must not stop halfway.
struct Mutex_options {
  bool protect = false;
};

/// A fair (first come, first served) mutex that suspends fibers instead of blocking their
/// domain. It satisfies Lockable, so std::scoped_lock / std::unique_lock work:
///
///     eio::Mutex m;
///     { std::scoped_lock lock(m); balance += x; }
///     m.use_rw([&] { balance -= y; });   // poisons the mutex if the body throws
///
/// If a `use_rw` body throws, the protected state may be half-updated, so the mutex is
/// *poisoned*: every later lock attempt (and every fiber waiting for it) throws
/// eio::Poisoned. Safe to share across domains; a plain thread blocks the thread.
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  /// Waits for the lock. A cancellation point; throws eio::Poisoned if poisoned.
  void lock();
  /// Takes the lock if it is free (and not poisoned), without waiting.
  bool try_lock();
  /// Releases the lock, handing it to the longest waiter. Unlocking a mutex that is not
  /// locked throws std::logic_error and poisons it.
  void unlock();

  /// Runs `fn()` holding the lock; if `fn` throws, poisons the mutex and rethrows.
  template <class F>
  auto use_rw(F&& fn, const Mutex_options& opts = {}) -> std::invoke_result_t<F&> {
    detail::Result_slot<std::invoke_result_t<F&>> result;
    use_rw_impl([&] { result.run(fn); }, opts.protect);
    return result.take();
  }

  /// Runs `fn()` holding the lock, for reading: if `fn` throws, the lock is released
  /// without poisoning (the state was not being modified).
  template <class F>
  auto use_ro(F&& fn) -> std::invoke_result_t<F&> {
    lock();
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        fn();
        unlock();
      } else {
        auto r = fn();
        unlock();
        return r;
      }
    } catch (...) {
      unlock();
      throw;
    }
  }

 private:
  struct Lock_waiter : detail::Waiter {
    bool poisoned = false;  // woken because the mutex was poisoned, not given the lock
  };

  void use_rw_impl(detail::Function_ref<void()> body, bool protect);
  void poison(std::exception_ptr cause);
  [[noreturn]] void throw_poisoned_locked();

  detail::Spinlock lock_;
  bool locked_ = false;
  std::exception_ptr poison_;
  detail::Intrusive_list<Lock_waiter> waiters_;
};

}  // namespace eio
