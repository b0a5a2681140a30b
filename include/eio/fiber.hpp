#pragma once
// Fibers (SPEC §2): lightweight threads on real stacks, run by their domain's scheduler.
// Forking runs the child at once, until it blocks; the parent then resumes before any
// fiber that was already waiting to run.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "eio/detail/result_slot.hpp"
#include "eio/detail/spawn.hpp"
#include "eio/detail/switch_access.hpp"
#include "eio/promise.hpp"
#include "eio/switch.hpp"

namespace eio::fiber {

namespace detail_ {
// Forks `fn` on `sw`, accounting for it as a daemon or not.
template <class F>
void fork_on(Switch& sw, F&& fn, const Fork_options& opts, bool daemon) {
  if (!eio::detail::Switch_access::begin_fork(sw, daemon)) return;
  try {
    eio::detail::spawn(sw.context(), opts,
                       [&sw, daemon, f = std::forward<F>(fn)]() mutable noexcept {
                         try {
                           f();
                         } catch (...) {
                           eio::detail::Switch_access::fiber_failed(sw, std::current_exception());
                         }
                         eio::detail::Switch_access::end_fork(sw, daemon);
                       });
  } catch (...) {
    eio::detail::Switch_access::end_fork(sw, daemon);
    throw;
  }
}
}  // namespace detail_

/// Starts `fn()` in a new fiber attached to `sw`, running it at once until it blocks, then
/// returns. An exception from `fn` fails `sw` (cancelling its other fibers). If `sw` is
/// already cancelled, `fn` does not run. Throws std::logic_error if `sw` has finished or
/// belongs to another domain. Allocates nothing: `fn` is moved onto the fiber's own stack.
template <class F>
void fork(Switch& sw, F&& fn, const Fork_options& opts = {}) {
  detail_::fork_on(sw, std::forward<F>(fn), opts, false);
}

/// Like fork, but `sw` does not wait for it: once every non-daemon fiber of `sw` (and the
/// body of Switch::run) has finished, daemons are cancelled, and that cancellation is not
/// an error. Other exceptions from a daemon fail `sw` as usual. `fn` returns void.
template <class F>
void fork_daemon(Switch& sw, F&& fn, const Fork_options& opts = {}) {
  detail_::fork_on(sw, std::forward<F>(fn), opts, true);
}

/// Starts `fn()` in a new fiber attached to `sw` and returns a promise of its result. An
/// exception from `fn` rejects the promise instead of failing `sw`; `fn` still runs in
/// `sw`'s cancellation context. If `sw` is already cancelled, the promise is rejected with
/// eio::Cancelled.
template <class F>
auto fork_promise(Switch& sw, F&& fn, const Fork_options& opts = {})
    -> Promise<std::invoke_result_t<std::decay_t<F>&>> {
  using R = std::invoke_result_t<std::decay_t<F>&>;
  auto [promise, resolver] = Promise<R>::create();
  if (!detail::Switch_access::begin_fork(sw, false)) {
    resolver.reject(std::make_exception_ptr(Cancelled(sw.context().reason())));
    return promise;
  }
  try {
    detail::spawn(sw.context(), opts,
                  [&sw, r = std::move(resolver), f = std::forward<F>(fn)]() mutable noexcept {
                    try {
                      if constexpr (std::is_void_v<R>) {
                        f();
                        r.resolve();
                      } else {
                        r.resolve(f());
                      }
                    } catch (...) {
                      r.reject(std::current_exception());
                    }
                    detail::Switch_access::end_fork(sw, false);
                  });
  } catch (...) {
    detail::Switch_access::end_fork(sw, false);
    throw;
  }
  return promise;
}

/// Lets the other runnable fibers of this domain run, resuming after them (at the back of
/// the run queue). Always suspends; a cancellation point (checked after resuming).
void yield();

/// Throws eio::Cancelled if the calling fiber's cancellation context is cancelled.
void check();

/// Blocks until the calling fiber is cancelled, then throws eio::Cancelled.
[[noreturn]] void await_cancel();

namespace detail_ {
template <class Last>
void run_group(Switch& sw, Last& last) {
  if (!sw.is_cancelled()) last();
}
template <class F, class... Rest>
void run_group(Switch& sw, F& f, Rest&... rest) {
  fork(sw, [&f] { f(); });
  run_group(sw, rest...);
}

// Run by each competitor of first/any: keeps the first result and stops the others.
template <class R, class F>
void compete(Switch& sw, eio::detail::Result_slot<R>& winner, F& fn) {
  eio::detail::Result_slot<R> mine;
  mine.run(fn);
  if (winner.has_value()) return;
  winner.run([&]() -> R { return mine.take(); });
  eio::detail::Switch_access::stop(sw, eio::detail::not_first());
}

template <class R>
R finish_race(const eio::detail::Switch_outcome& outcome, eio::detail::Result_slot<R>& winner) {
  if (!outcome.errors.empty()) outcome.rethrow_if_failed();
  // A value wins over a cancellation that arrived while the race was finishing.
  if (winner.has_value()) return winner.take();
  outcome.rethrow_if_failed();
  throw std::logic_error("eio: fiber::any finished without a result");
}
}  // namespace detail_

/// Runs every function concurrently in its own fiber (the first runs first; the last runs
/// in the calling fiber) and returns when all have finished. If one fails, the others are
/// cancelled and awaited, and the error is rethrown (several real errors become
/// eio::Multiple_errors). A function not yet started when another fails never starts.
template <class... Fs>
requires(std::is_invocable_v<Fs&>&&...) void all(Fs&&... fs) {
  static_assert(sizeof...(Fs) > 0, "fiber::all needs at least one function");
  Switch::run([&](Switch& sw) { detail_::run_group(sw, fs...); });
}

/// all() over a vector of functions.
void all(const std::vector<std::function<void()>>& fns);

/// Runs `f` and `g` concurrently; `both(f, g)` is `all(f, g)`.
template <class F, class G>
void both(F&& f, G&& g) {
  all(f, g);
}

/// Runs `f` and `g` concurrently and returns both results.
template <class F, class G>
auto pair(F&& f, G&& g) -> std::pair<std::invoke_result_t<F&>, std::invoke_result_t<G&>> {
  eio::detail::Result_slot<std::invoke_result_t<F&>> a;
  eio::detail::Result_slot<std::invoke_result_t<G&>> b;
  all([&] { a.run(f); }, [&] { b.run(g); });
  return {a.take(), b.take()};
}

/// Runs the functions concurrently (the first first); the first to return wins and the
/// others are cancelled and awaited. Returns the winner's value (their common type). If
/// none returns because one failed, that error is rethrown; a loser's real error (one that
/// is not the cancellation) is rethrown too.
template <class F, class... Fs>
requires std::is_invocable_v<F&> &&(std::is_invocable_v<Fs&>&&...) auto any(F&& f, Fs&&... fs)
    -> std::common_type_t<std::invoke_result_t<F&>, std::invoke_result_t<Fs&>...> {
  using R = std::common_type_t<std::invoke_result_t<F&>, std::invoke_result_t<Fs&>...>;
  eio::detail::Result_slot<R> winner;
  Switch* race = nullptr;
  // The entrants live in this frame, which outlasts every fiber of the race.
  auto entrant = [&](auto& fn) {
    return [&race, &winner, &fn] { detail_::compete(*race, winner, fn); };
  };
  auto entrants = std::tuple{entrant(f), entrant(fs)...};
  auto outcome = eio::detail::Switch_access::run_collect([&](Switch& sw) {
    race = &sw;
    std::apply([&](auto&... e) { detail_::run_group(sw, e...); }, entrants);
  });
  return detail_::finish_race(outcome, winner);
}

/// any() over a vector of functions (an empty vector waits until cancelled).
template <class R>
R any(const std::vector<std::function<R()>>& fns) {
  if (fns.empty()) await_cancel();
  eio::detail::Result_slot<R> winner;
  auto outcome = eio::detail::Switch_access::run_collect([&](Switch& sw) {
    for (std::size_t i = 0; i + 1 < fns.size(); ++i) {
      fork(sw, [&sw, &winner, &fn = fns[i]] { detail_::compete(sw, winner, fn); });
    }
    if (!sw.is_cancelled() && !winner.has_value()) detail_::compete(sw, winner, fns.back());
  });
  return detail_::finish_race(outcome, winner);
}

/// Runs `f` and `g` concurrently (`f` first) and returns the value of whichever returns
/// first; the other is cancelled and awaited. `first(f, g)` is `any(f, g)`.
template <class F, class G>
auto first(F&& f, G&& g) {
  return any(std::forward<F>(f), std::forward<G>(g));
}

}  // namespace eio::fiber
