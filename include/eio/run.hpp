#pragma once
// The entry point (SPEC §1): eio::run starts an event loop on the calling thread and runs
// the main fiber on it.

#include <string_view>
#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/env.hpp"

namespace eio {

/// Which event loop backend a domain uses. `automatic` picks io_uring where the kernel
/// allows it and POSIX (epoll) otherwise; the EIO_BACKEND environment variable ("uring" or
/// "posix") overrides `automatic`.
enum class Backend { automatic, uring, posix };

/// Options for eio::run.
struct Run_options {
  Backend backend = Backend::automatic;
  /// Print an exception escaping `fn`, with its backtrace, on stderr before rethrowing it.
  bool report_uncaught = true;
};

namespace detail {
void run_main(Function_ref<void(Env&)> main, const Run_options& opts);
}

/// Starts the event loop on this thread, runs `fn(env)` as the main fiber and returns what
/// it returns, or rethrows what it throws (after printing it with its backtrace unless
/// `opts.report_uncaught` is false). Blocks the thread until `fn` returns; child domains
/// started by `fn` have finished by then. Throws std::invalid_argument for an unknown
/// EIO_BACKEND value, eio::Io_error if a forced backend cannot start, and
/// std::logic_error if called from inside a domain.
template <class F>
auto run(F&& fn, const Run_options& opts = {}) -> std::invoke_result_t<F&, Env&> {
  detail::Result_slot<std::invoke_result_t<F&, Env&>> result;
  detail::run_main([&](Env& env) { result.run(fn, env); }, opts);
  return result.take();
}

/// The backend of the calling domain: "uring" or "posix" (the spelling EIO_BACKEND takes),
/// or "" when called outside eio::run.
std::string_view backend_name() noexcept;

}  // namespace eio
