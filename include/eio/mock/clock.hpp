#pragma once
// Mock clocks (SPEC §4) for deterministic tests: time moves only when the test says so.

#include <chrono>
#include <cstdint>
#include <vector>

#include "eio/detail/spinlock.hpp"
#include "eio/time.hpp"
#include "eio/trigger.hpp"

namespace eio::mock {

namespace detail {
// The shared machinery of both mock clocks, on nanoseconds since their epoch.
class Mock_time {
 public:
  std::int64_t now_ns() const;
  void sleep_until_ns(std::int64_t t);
  void set_time_ns(std::int64_t t);
  // Jumps to the earliest pending wake-up; throws std::logic_error if there is none.
  void advance();
  std::size_t sleepers() const;

 private:
  struct Sleeper {
    std::int64_t deadline;
    std::uint64_t seq;
    Trigger* trigger;
  };
  mutable eio::detail::Spinlock lock_;
  std::int64_t now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::vector<Sleeper> sleepers_;  // unordered; wake-ups sort what they take
};
}  // namespace detail

/// A wall clock that stands still until told otherwise. Starts at the epoch.
///
///     eio::mock::Clock clock;
///     eio::fiber::both([&] { eio::time::sleep(clock, 5s); log("woke"); },
///                      [&] { clock.advance(); });   // jumps 5 s: "woke"
///
/// Safe to share across domains.
class Clock final : public eio::Clock {
 public:
  time_point now() override;
  void sleep_until(time_point t) override;
  /// Sets the time to `t` and wakes every sleeper due by then, in deadline order.
  void set_time(time_point t);
  /// Jumps to the next wake-up time and wakes the sleepers due then. Throws
  /// std::logic_error if nobody is sleeping.
  void advance();
  /// How many fibers are sleeping on this clock.
  std::size_t sleepers() const { return time_.sleepers(); }

 private:
  detail::Mock_time time_;
};

/// The monotonic counterpart of mock::Clock.
class Mono_clock final : public eio::Mono_clock {
 public:
  time_point now() override;
  void sleep_until(time_point t) override;
  void set_time(time_point t);
  void advance();
  std::size_t sleepers() const { return time_.sleepers(); }

 private:
  detail::Mock_time time_;
};

}  // namespace eio::mock
