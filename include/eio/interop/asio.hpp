#pragma once
// Boost.Asio and eio in one thread (SPEC §12): target eio::asio, Boost.Asio 1.81 headers.
// The core eio library does not depend on Asio; only code that includes this header does.
//
//   boost::asio::io_context io;
//   eio::asio::with_event_loop(io, [&] {            // eio's loop now runs io's handlers too
//     tcp::socket sock(io);
//     sock.connect(endpoint);
//     std::size_t n = sock.async_read_some(boost::asio::buffer(buf), eio::asio::use_fiber);
//   });
//
//   awaitable<void> session() {                      // Asio code calling eio code
//     std::string page = co_await eio::asio::run_eio([&] { return eio::path::load(p); },
//                                                    boost::asio::use_awaitable);
//   }

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>

#include <type_traits>
#include <utility>

#include "eio/interop/detail/asio_loop.hpp"
#include "eio/interop/detail/asio_run_eio.hpp"
#include "eio/interop/detail/asio_use_fiber.hpp"
#include "eio/switch.hpp"

namespace eio::asio {

/// Runs `fn()` while this domain's eio loop also drives `io`, and returns what `fn`
/// returned. There is no second thread and no busy polling: Asio's ready handlers run each
/// time the loop polls for IO, and when no fiber can run the thread sleeps inside `io`
/// (watching eio's own backend), so that either side's events wake it; Asio posts from
/// other threads wake it too. Asio handlers run on the domain's thread but outside any
/// fiber, so they must not call blocking eio functions (use run_eio). `fn` runs in a new
/// switch, which also owns the fibers run_eio starts; `with_event_loop` returns once they
/// have all finished. An exception thrown by an Asio handler fails that switch: `fn` is
/// cancelled and the exception rethrown here. If Asio code calls `io.stop()`, `io`'s
/// handlers stop running until it is restarted; eio keeps running. A stopped `io` is
/// restarted on entry. One io_context per domain at a time (nesting throws
/// std::logic_error); must be called on a fiber. Blocking and cancellation: those of `fn`.
template <class F>
auto with_event_loop(boost::asio::io_context& io, F&& fn) -> std::invoke_result_t<F&> {
  io.restart();
  detail::Loop loop(io);
  detail::Loop::Scope attached(loop);
  auto result = [&]() -> decltype(auto) {
    return Switch::run([&](Switch& sw) -> std::invoke_result_t<F&> {
      eio::fiber::fork_daemon(sw, [&] { loop.serve(sw); });
      return fn();
    });
  };
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    result();
    loop.rethrow_late_failure();
  } else {
    auto value = result();
    loop.rethrow_late_failure();
    return value;
  }
}

/// A completion token for Asio operations started from a fiber: the calling fiber waits
/// (other fibers and Asio handlers keep running) until the operation completes, then gets
/// its result as a return value. Completion arguments map as follows: a leading
/// `error_code` is thrown when set (asio::error::eof as eio::End_of_file, anything else
/// as eio::Io_error with the same code) and a leading `std::exception_ptr` is rethrown;
/// the remaining arguments are returned (nothing, one value, or a std::tuple). Wrap the
/// token in `asio::as_tuple` to receive the error code instead of a throw. Cancelling the
/// fiber emits a terminal cancellation on the operation's cancellation slot, then waits for
/// the operation to complete (so buffers stay valid while Asio uses them): an operation
/// that ends as aborted throws eio::Cancelled; one that completed anyway returns its
/// result, so no data is lost. The operation's io_context should run on this domain
/// (with_event_loop); if another thread runs it, the fiber is still woken correctly, but
/// cancelling it is safe only if that operation's cancellation is thread-safe. Must be
/// used on a fiber (std::logic_error otherwise).
inline constexpr Use_fiber_t use_fiber{};

/// Starts `fn()` on a new eio fiber and completes `token` with `(std::exception_ptr)` or
/// `(std::exception_ptr, R)` for `R = fn()`'s result, in the usual Asio way: a callback,
/// `asio::use_awaitable` (`co_await` rethrows the exception), `asio::deferred`, and so on.
/// `fn` may block in eio's direct style; the handler is invoked through its associated
/// executor (by default the io_context's). Cancellation: an Asio cancellation of any type
/// on the handler's slot cancels the fiber's context (fn sees eio::Cancelled at its next
/// blocking call); an `fn` that ends with eio::Cancelled completes the token with
/// `system_error(asio::error::operation_aborted)`, and so does a call made once
/// with_event_loop's switch is cancelled or finishing (`fn` does not run then). The calling
/// thread's io_context must be driven by with_event_loop (std::logic_error otherwise); the
/// fiber belongs to that call's switch, so with_event_loop waits for it. R must be void or
/// default-constructible, as for asio::co_spawn. Not thread-safe: call it on that domain's
/// thread.
template <class F, class Token>
auto run_eio(F fn, Token&& token) {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_reference_v<R>, "eio::asio::run_eio: fn must return a value");
  static_assert(std::is_void_v<R> || std::is_default_constructible_v<R>,
                "eio::asio::run_eio: fn's result must be default-constructible");
  return boost::asio::async_initiate<Token, typename detail::Run_eio_signature<R>::type>(
      detail::Initiate_run_eio{}, token, std::move(fn));
}

}  // namespace eio::asio
