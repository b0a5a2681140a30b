#pragma once
// Time (SPEC §4): clock capabilities, sleeping and timeouts. Pending sleeps are entries
// in their domain's timer heap, not fibers or kernel timers.

#include <chrono>
#include <optional>
#include <type_traits>

#include "eio/detail/result_slot.hpp"
#include "eio/errors.hpp"
#include "eio/fiber.hpp"

namespace eio {

/// The wall clock capability (env.clock()). Its time can jump (NTP, an administrator);
/// measure durations with Mono_clock. Safe to share across domains.
class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  /// The current time.
  virtual time_point now() = 0;
  /// Suspends the calling fiber until `now() >= t` (a time already past still yields).
  /// A cancellation point. On a plain thread, blocks the thread.
  virtual void sleep_until(time_point t) = 0;
};

/// The monotonic clock capability (env.mono_clock()): never jumps, for durations and
/// timeouts. Safe to share across domains.
class Mono_clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Mono_clock() = default;
  virtual time_point now() = 0;
  /// As Clock::sleep_until.
  virtual void sleep_until(time_point t) = 0;
};

namespace time {

/// Suspends the calling fiber until `t` on `clock`. A cancellation point.
inline void sleep_until(Clock& clock, Clock::time_point t) {
  clock.sleep_until(t);
}
inline void sleep_until(Mono_clock& clock, Mono_clock::time_point t) {
  clock.sleep_until(t);
}

/// Suspends the calling fiber for `d` (zero or negative: it still yields). A cancellation
/// point.
template <class C, class Rep, class Period>
requires std::is_base_of_v<Clock, C> || std::is_base_of_v<Mono_clock, C>
void sleep(C& clock, std::chrono::duration<Rep, Period> d) {
  using Duration = typename C::time_point::duration;
  clock.sleep_until(clock.now() + std::chrono::duration_cast<Duration>(d));
}

namespace detail_ {
// Runs `fn` into `result` racing a sleep of `d`; true if `fn` finished first.
template <class C, class Rep, class Period, class F, class R>
bool race_timeout(C& clock, std::chrono::duration<Rep, Period> d, F& fn,
                  eio::detail::Result_slot<R>& result) {
  return fiber::first(
      [&] {
        result.run(fn);
        return true;
      },
      [&] {
        time::sleep(clock, d);
        return false;
      });
}
}  // namespace detail_

/// Runs `fn()`, cancelling it if it has not returned within `d` on `clock`. Returns its
/// value, or nullopt on timeout (for a void `fn`: true if it finished, false on timeout).
/// Exceptions from `fn` propagate. Blocks as `fn` does.
template <class C, class Rep, class Period, class F>
auto with_timeout(C& clock, std::chrono::duration<Rep, Period> d, F&& fn) {
  using R = std::invoke_result_t<F&>;
  eio::detail::Result_slot<R> result;
  bool finished = detail_::race_timeout(clock, d, fn, result);
  if constexpr (std::is_void_v<R>) {
    return finished;
  } else {
    return finished ? std::optional<R>(result.take()) : std::nullopt;
  }
}

/// Like with_timeout, but throws eio::Timeout when the time runs out.
template <class C, class Rep, class Period, class F>
auto with_timeout_exn(C& clock, std::chrono::duration<Rep, Period> d, F&& fn)
    -> std::invoke_result_t<F&> {
  eio::detail::Result_slot<std::invoke_result_t<F&>> result;
  if (!detail_::race_timeout(clock, d, fn, result)) throw Timeout();
  return result.take();
}

}  // namespace time
}  // namespace eio
