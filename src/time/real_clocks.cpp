#include "time/real_clocks.hpp"

#include "core/timer_heap.hpp"
#include "time/sleep.hpp"

namespace eio::detail {

Clock::time_point System_clock::now() {
  return std::chrono::system_clock::now();
}

// Timers run on the monotonic clock; a wall-clock deadline is converted once, so a later
// jump of the wall clock does not move it (as in Eio).
void System_clock::sleep_until(time_point t) {
  auto delta = std::chrono::duration_cast<std::chrono::nanoseconds>(t - now()).count();
  sleep_until_mono_ns(mono_now_ns() + delta);
}

Mono_clock::time_point Steady_clock::now() {
  return std::chrono::steady_clock::now();
}

// steady_clock is CLOCK_MONOTONIC in libstdc++, the timers' clock.
void Steady_clock::sleep_until(time_point t) {
  sleep_until_mono_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

}  // namespace eio::detail
