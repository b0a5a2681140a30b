#pragma once
// eio::Promise (SPEC §3): a value that will be provided later, awaited by any number of
// fibers or threads in any domain.

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "eio/detail/spinlock.hpp"
#include "eio/detail/waiter.hpp"

namespace eio {

namespace detail {

// The untyped half of a promise's shared state: the resolved flag and the waiters.
class Promise_core {
 public:
  bool is_resolved() const noexcept { return resolved_.load(std::memory_order_acquire); }
  // Blocks until resolved; throws eio::Cancelled if cancelled first.
  void await_resolution();

 protected:
  // Runs `store` and wakes every waiter, unless already resolved (then returns false).
  template <class Store>
  bool resolve_with(Store&& store) {
    lock_.lock();
    if (resolved_.load(std::memory_order_relaxed)) {
      lock_.unlock();
      return false;
    }
    try {
      store();
    } catch (...) {
      lock_.unlock();
      throw;
    }
    // release: a reader that sees resolved_ also sees what store() wrote.
    resolved_.store(true, std::memory_order_release);
    wake_all_locked();
    lock_.unlock();
    return true;
  }

 private:
  void wake_all_locked() noexcept;

  Spinlock lock_;
  std::atomic<bool> resolved_{false};
  Intrusive_list<Waiter> waiters_;
};

template <class T>
class Promise_state : public Promise_core {
 public:
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  // Valid once is_resolved().
  std::optional<Stored> value;
  std::exception_ptr error;

  template <class... A>
  bool try_resolve(A&&... a) {
    return resolve_with([&] { value.emplace(std::forward<A>(a)...); });
  }
  bool try_reject(std::exception_ptr e) {
    return resolve_with([&] { error = std::move(e); });
  }
};

[[noreturn]] void throw_already_resolved();

}  // namespace detail

template <class T>
class Resolver;

/// The reading end of a promise; copyable, and safe to share across domains and threads.
///
///     auto [promise, resolver] = eio::Promise<int>::create();
///     eio::fiber::fork(sw, [r = std::move(resolver)]() mutable { r.resolve(42); });
///     int v = promise.await();
///
/// `T` may be void. Values are returned by copy, so every awaiter gets its own.
template <class T>
class Promise {
 public:
  /// Creates an unresolved promise and the resolver that fulfils it.
  static std::pair<Promise<T>, Resolver<T>> create() {
    auto state = std::make_shared<detail::Promise_state<T>>();
    return {Promise<T>(state), Resolver<T>(state)};
  }

  /// Blocks the calling fiber (or plain thread) until resolved, then returns the value or
  /// rethrows the rejection. A cancellation point (fibers).
  T await() const {
    state_->await_resolution();
    if (state_->error) std::rethrow_exception(state_->error);
    if constexpr (!std::is_void_v<T>) return *state_->value;
  }

  /// The value if resolved successfully, without blocking; nullopt if unresolved or
  /// rejected.
  auto peek() const -> std::optional<typename detail::Promise_state<T>::Stored> {
    if (!state_->is_resolved() || state_->error) return std::nullopt;
    return state_->value;
  }

  /// True once resolved, successfully or not.
  bool is_resolved() const noexcept { return state_->is_resolved(); }

 private:
  explicit Promise(std::shared_ptr<detail::Promise_state<T>> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::Promise_state<T>> state_;
};

/// The writing end of a promise. Move-only in spirit (copies resolve the same promise);
/// callable from any domain or thread; never blocks.
template <class T>
class Resolver {
 public:
  /// Fulfils the promise, waking its awaiters. Throws std::logic_error if it was already
  /// resolved or rejected.
  template <class... A>
  void resolve(A&&... value) {
    if (!state_->try_resolve(std::forward<A>(value)...)) detail::throw_already_resolved();
  }
  /// Like resolve, but returns false instead of throwing when already resolved.
  template <class... A>
  bool try_resolve(A&&... value) {
    return state_->try_resolve(std::forward<A>(value)...);
  }
  /// Fails the promise: awaiters rethrow `error`. Throws std::logic_error if already
  /// resolved.
  void reject(std::exception_ptr error) {
    if (!state_->try_reject(std::move(error))) detail::throw_already_resolved();
  }
  bool try_reject(std::exception_ptr error) { return state_->try_reject(std::move(error)); }

 private:
  friend class Promise<T>;
  explicit Resolver(std::shared_ptr<detail::Promise_state<T>> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::Promise_state<T>> state_;
};

}  // namespace eio
