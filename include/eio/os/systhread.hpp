#pragma once
// Running blocking code off the event loop (SPEC §8, eio::os::run_in_systhread).

#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"

namespace eio::os {

namespace detail {
void run_in_systhread_raw(eio::detail::Function_ref<void()> body);
}

/// Runs `fn()` on a helper thread from a process-wide pool and returns its result (or
/// rethrows its exception), suspending only the calling fiber, so blocking calls (a
/// library without async support, a slow syscall) do not stall the domain. Cancellable
/// while still queued; once running, `fn` cannot be interrupted and the caller waits for it.
/// Idle helper threads retire after a short time. A plain thread calling it blocks.
template <class F>
auto run_in_systhread(F&& fn) -> std::invoke_result_t<F&> {
  eio::detail::Result_slot<std::invoke_result_t<F&>> result;
  detail::run_in_systhread_raw([&] { result.run(fn); });
  return result.take();
}

}  // namespace eio::os
