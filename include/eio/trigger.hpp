#pragma once
// eio::Trigger: the one-shot wait/wake primitive every eio synchronisation type is built
// on, and the way other libraries' data structures (a lock-free queue, a thread pool) block
// and wake eio fibers, in the spirit of OCaml's domain-local-await.

#include <atomic>
#include <cstdint>

namespace eio {

/// A one-shot event: one party awaits, any number signal, in any order.
///
///     eio::Trigger done;
///     pool.submit([&] { work(); done.signal(); });  // from any thread
///     done.await();                                 // suspends this fiber only
///
/// `await()` suspends the calling fiber (or blocks the calling plain thread) until
/// `signal()`; if `signal()` came first it returns at once. In a fiber, `await()` is a
/// cancellation point: once the fiber's context is cancelled it throws eio::Cancelled, and
/// a later `signal()` is harmless. `signal()` never blocks and is callable from any thread.
/// At most one caller may await a given Trigger, once. The Trigger must outlive a
/// concurrent `signal()` call (keep it where both parties can reach it until both are done,
/// e.g. in the waiter's frame, which does not return before the wake-up arrives).
class Trigger {
 public:
  Trigger() noexcept = default;
  Trigger(const Trigger&) = delete;
  Trigger& operator=(const Trigger&) = delete;

  /// Waits until signalled. Throws eio::Cancelled (fibers only) if the awaiting fiber's
  /// cancellation context is or becomes cancelled first.
  void await();
  /// Like await(), but reports cancellation by returning false instead of throwing: for
  /// code that must tidy up (dequeue a waiter) before raising.
  [[nodiscard]] bool await_unless_cancelled() noexcept;
  /// Waits until signalled, ignoring cancellation (for waits that must not be abandoned,
  /// such as a switch waiting for its fibers).
  void await_uncancellable() noexcept;
  /// Wakes the awaiter, or makes the next await() return at once. Idempotent; any thread.
  void signal() noexcept;
  /// Whether signal() took effect: true once signalled, false before, and false for good if
  /// the awaiter was cancelled first (a later signal() is then ignored).
  bool is_signalled() const noexcept {
    return state_.load(std::memory_order_acquire) == kSignalled;
  }

 private:
  // state_: kInitial, kSignalled, kCancelled, kThreadWaiting, or the awaiting Fiber*.
  static constexpr std::uintptr_t kInitial = 0;
  static constexpr std::uintptr_t kSignalled = 1;
  static constexpr std::uintptr_t kCancelled = 2;
  static constexpr std::uintptr_t kThreadWaiting = 3;

  bool await_in_fiber(bool cancellable) noexcept;
  void await_in_thread() noexcept;
  static void on_cancel(void* fiber) noexcept;

  std::atomic<std::uintptr_t> state_{kInitial};
  std::atomic<std::uint32_t> futex_{0};  // 1 once signalled, for a waiting plain thread
};

}  // namespace eio
