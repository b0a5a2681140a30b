#pragma once
// C++20 coroutines and fibers (SPEC §12): a fiber awaits any awaitable, and a coroutine
// running on a fiber awaits plain blocking eio code.
//
//   int n = eio::coro::await(some_library.async_count());   // suspends this fiber only
//   std::string s = co_await eio::coro::as_awaitable([&] { return eio::path::load(p); });
//
// The awaitable runs inside a small bridging coroutine started on the calling fiber. When
// that coroutine finishes (resumed by whatever the awaitable resumes it with: an event
// loop, another thread, or at once), it wakes the fiber through an eio::Trigger.

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include "eio/detail/coro_bridge.hpp"
#include "eio/trigger.hpp"

namespace eio::coro {

/// The type `co_await a` gives for an expression `a` of type A.
template <class A>
using await_result_t = typename detail::Await_result<A>::type;

/// Waits for `awaitable` from a fiber as `co_await awaitable` would in a coroutine, and
/// returns its result or rethrows its exception. Only the calling fiber is suspended (a
/// plain thread blocks); whoever resumes the awaitable (another thread, a foreign event
/// loop, this thread at once) wakes it. Not a cancellation point: a C++ awaitable has no
/// standard way to be cancelled, so the fiber waits for it to complete even if cancelled
/// (cancellation is seen at its next blocking call). `awaitable` is used in place and must
/// outlive the call (a temporary does). Thread-safe as far as the awaitable is.
template <class A>
await_result_t<A> await(A&& awaitable) {
  using R = await_result_t<A>;
  eio::detail::Result_slot<R> slot;
  std::exception_ptr error;
  Trigger done;
  auto bridge = detail::bridge<R>(std::forward<A>(awaitable));
  bridge.start(slot, error, done);
  done.await_uncancellable();
  bridge.destroy();
  if (error) std::rethrow_exception(error);
  return slot.take();
}

/// An awaitable that calls `fn()` on the fiber running the awaiting coroutine, so that
/// `fn` may block in eio's direct style (suspending that fiber, never the domain), and gives
/// its result or rethrows its exception. The coroutine must run on an eio fiber (resumed
/// by coro::await, or by an event loop that eio drives): awaited anywhere else it throws
/// std::logic_error. Blocking, cancellation and thread-safety are those of `fn`.
template <class F>
auto as_awaitable(F fn) {
  using R = std::invoke_result_t<F&>;
  struct Awaitable {
    F fn;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    R await_resume() {
      detail::require_fiber("eio::coro::as_awaitable");
      return fn();
    }
  };
  return Awaitable{std::move(fn)};
}

}  // namespace eio::coro
