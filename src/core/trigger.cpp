// Trigger protocol. state_ moves once from kInitial to one of:
//   - the awaiting Fiber* (await_in_fiber's CAS), then to kSignalled (signal) or
//     kCancelled (the cancel hook, on the fiber's own domain); whichever CAS wins queues
//     the fiber, so it is woken exactly once;
//   - kThreadWaiting (a plain thread), then to kSignalled, after which futex_ is set to 1
//     and woken;
//   - kSignalled directly, when signal() comes first.
// acq_rel on every transition: what the signaller wrote before signal() (an item handed
// over, a result) is visible to the awaiter after await() returns.

#include "eio/trigger.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fiber.hpp"
#include "core/scheduler.hpp"
#include "eio/cancel.hpp"

namespace eio {
namespace {

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected,
            nullptr, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

}  // namespace

void Trigger::on_cancel(void* fiber) noexcept {
  auto* f = static_cast<detail::Fiber*>(fiber);
  auto* self = static_cast<Trigger*>(f->cancel_data);
  auto expected = reinterpret_cast<std::uintptr_t>(f);
  if (self->state_.compare_exchange_strong(expected, kCancelled, std::memory_order_acq_rel)) {
    f->sched->push_back(f);
  }
}

bool Trigger::await_in_fiber(bool cancellable) noexcept {
  detail::Fiber* f = detail::current_fiber();
  if (cancellable && f->cc->is_cancelled()) return false;
  auto expected = kInitial;
  if (!state_.compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(f),
                                      std::memory_order_acq_rel)) {
    return true;  // already signalled
  }
  if (cancellable) {
    f->cancel_data = this;
    f->cancel_fn = [](detail::Fiber* fiber) noexcept { on_cancel(fiber); };
  }
  f->sched->suspend();
  f->cancel_fn = nullptr;
  return state_.load(std::memory_order_acquire) != kCancelled;
}

void Trigger::await_in_thread() noexcept {
  auto expected = kInitial;
  if (!state_.compare_exchange_strong(expected, kThreadWaiting, std::memory_order_acq_rel)) {
    return;
  }
  while (futex_.load(std::memory_order_acquire) == 0) futex_wait(futex_, 0);
}

bool Trigger::await_unless_cancelled() noexcept {
  if (detail::current_fiber() == nullptr) {
    await_in_thread();
    return true;
  }
  return await_in_fiber(true);
}

void Trigger::await() {
  if (!await_unless_cancelled()) throw Cancelled(detail::current_fiber()->cc->reason());
}

void Trigger::await_uncancellable() noexcept {
  if (detail::current_fiber() == nullptr) {
    await_in_thread();
  } else {
    (void)await_in_fiber(false);
  }
}

void Trigger::signal() noexcept {
  std::uintptr_t cur = state_.load(std::memory_order_acquire);
  do {
    if (cur == kSignalled || cur == kCancelled) return;
  } while (!state_.compare_exchange_weak(cur, kSignalled, std::memory_order_acq_rel,
                                         std::memory_order_acquire));
  if (cur == kThreadWaiting) {
    futex_.store(1, std::memory_order_release);
    futex_wake(futex_);
  } else if (cur != kInitial) {
    detail::wake(reinterpret_cast<detail::Fiber*>(cur));
  }
}

}  // namespace eio
