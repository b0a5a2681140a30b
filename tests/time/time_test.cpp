// Time: the mock clocks, sleeping, timeouts and the real clocks. Scenarios follow Eio's
// tests/time.md. Only the tests named "Real..." start real timers, and they check lower
// bounds only: they test the timer itself, never a scheduling deadline.

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/scheduler.hpp"
#include "eio/mock/clock.hpp"
#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using namespace std::chrono_literals;

class Time : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Time);

struct Failed : std::runtime_error {
  explicit Failed(int n) : std::runtime_error("Failed " + std::to_string(n)) {}
};

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// The mock clock's reading, in whole seconds since its epoch.
template <class C>
std::string seconds_of(C& clock) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
  return std::to_string(s.count());
}

// A fiber body that sleeps on `clock` until `at` seconds after its epoch, then says so.
template <class C>
auto sleeper(C& clock, Trace& trace, std::string label, int at) {
  return [&clock, &trace, label = std::move(label), at] {
    time::sleep_until(clock, typename C::time_point(std::chrono::seconds(at)));
    trace(label + " (" + std::to_string(at) + ") woken");
  };
}

// How many timers the calling domain has pending.
std::size_t pending_timers() {
  return eio::detail::Scheduler::current()->timers().size();
}

// --- The mock clocks -------------------------------------------------------------------

// Each advance() jumps to the earliest pending deadline and wakes whoever is due then (a
// sleeper due at the current time needs no advance at all); sleepers sharing a deadline
// wake in the order they went to sleep. With nobody left asleep, advance() has nothing to
// jump to and says so.
TEST_P(Time, MockAdvanceWakesSleepersInDeadlineOrder) {
  Trace trace;
  run([&](Env&) {
    mock::Clock clock;
    try {
      fiber::all(sleeper(clock, trace, "A", 5), sleeper(clock, trace, "B", 7),
                 sleeper(clock, trace, "C", 2), sleeper(clock, trace, "D", 0),
                 sleeper(clock, trace, "E", 5), [&] {
                   for (;;) {
                     fiber::yield();
                     clock.advance();
                     trace("mock time is now " + seconds_of(clock));
                   }
                 });
    } catch (const std::logic_error&) {
      trace("advance with nobody asleep: logic_error");
    }
  });
  EXPECT_EQ(trace.str(),
            "D (0) woken\n"
            "mock time is now 2\n"
            "C (2) woken\n"
            "mock time is now 5\n"
            "A (5) woken\n"
            "E (5) woken\n"
            "mock time is now 7\n"
            "B (7) woken\n"
            "advance with nobody asleep: logic_error");
}

// set_time() wakes every sleeper due by the new time, earliest deadline first, and wakes
// nobody when the time moves backwards.
TEST_P(Time, MockSetTimeWakesEverySleeperDueInOrder) {
  Trace trace;
  run([&](Env&) {
    mock::Mono_clock clock;
    auto set = [&](int s) {
      clock.set_time(mock::Mono_clock::time_point(std::chrono::seconds(s)));
      trace("mock time is now " + seconds_of(clock));
    };
    set(0);
    fiber::all(sleeper(clock, trace, "A", 5), sleeper(clock, trace, "B", 7),
               sleeper(clock, trace, "C", 2), sleeper(clock, trace, "D", 0),
               sleeper(clock, trace, "E", 5), [&] {
                 for (int s : {5, 1, 10, 12}) {
                   fiber::yield();
                   set(s);
                 }
               });
  });
  EXPECT_EQ(trace.str(),
            "mock time is now 0\n"
            "D (0) woken\n"
            "mock time is now 5\n"
            "C (2) woken\n"
            "A (5) woken\n"
            "E (5) woken\n"
            "mock time is now 1\n"
            "mock time is now 10\n"
            "B (7) woken\n"
            "mock time is now 12");
}

// A cancelled mock sleep leaves the clock's list of sleepers, so there is nothing left for
// advance() to jump to.
TEST_P(Time, MockCancelledSleepLeavesTheClock) {
  Trace trace;
  run([&](Env&) {
    mock::Clock clock;
    fiber::first(sleeper(clock, trace, "A", 5), [&] {
      trace("sleepers: " + std::to_string(clock.sleepers()));
      trace("cancel the sleeper");
    });
    trace("sleepers: " + std::to_string(clock.sleepers()));
    try {
      clock.advance();
    } catch (const std::logic_error&) {
      trace("advance: logic_error");
    }
  });
  EXPECT_EQ(trace.str(), "sleepers: 1\ncancel the sleeper\nsleepers: 0\nadvance: logic_error");
}

// Sleeping for zero or a negative duration still lets the other fibers run first, on the
// real clocks as on a mock one.
TEST_P(Time, SleepWithNoTimeLeftStillYields) {
  Trace trace;
  run([&](Env& env) {
    mock::Mono_clock mock;
    auto check = [&](const std::string& name, auto sleep) {
      fiber::both(
          [&] {
            trace(name + ": first fiber runs");
            sleep();
            trace(name + ": sleep done");
          },
          [&] { trace(name + ": second fiber runs"); });
    };
    check("mono 0", [&] { time::sleep(env.mono_clock(), 0ns); });
    check("wall -1s", [&] { time::sleep(env.clock(), -1s); });
    check("mono past",
          [&] { time::sleep_until(env.mono_clock(), std::chrono::steady_clock::now() - 1s); });
    check("mock 0", [&] { time::sleep(mock, 0s); });
  });
  EXPECT_EQ(trace.str(),
            "mono 0: first fiber runs\nmono 0: second fiber runs\nmono 0: sleep done\n"
            "wall -1s: first fiber runs\nwall -1s: second fiber runs\nwall -1s: sleep done\n"
            "mono past: first fiber runs\nmono past: second fiber runs\nmono past: sleep done\n"
            "mock 0: first fiber runs\nmock 0: second fiber runs\nmock 0: sleep done");
}

// --- Timeouts (on the mock clock) --------------------------------------------------------

// When the time runs out first, the function is cancelled and with_timeout returns
// nullopt.
TEST_P(Time, WithTimeoutCancelsSlowFunctionAndReturnsNullopt) {
  Trace trace;
  run([&](Env&) {
    mock::Mono_clock clock;
    auto [never, unused] = Promise<int>::create();
    fiber::both(
        [&] {
          std::optional<int> v = time::with_timeout(clock, 5s, [&] {
            try {
              return never.await();
            } catch (const Cancelled&) {
              trace("function cancelled");
              throw;
            }
          });
          trace(v ? "got a value" : "timed out");
        },
        [&] {
          clock.advance();
          trace("mock time is now " + seconds_of(clock));
        });
  });
  EXPECT_EQ(trace.str(), "mock time is now 5\nfunction cancelled\ntimed out");
}

// A function that returns in time gives its value, and its timer is gone at once.
TEST_P(Time, WithTimeoutReturnsValueAndDropsItsTimer) {
  Trace trace;
  run([&](Env&) {
    mock::Mono_clock clock;
    std::optional<std::string> v = time::with_timeout(clock, 5s, [&] {
      fiber::yield();
      trace("sleepers while the function runs: " + std::to_string(clock.sleepers()));
      return std::string("value");
    });
    trace("got " + v.value_or("nothing"));
    trace("sleepers after: " + std::to_string(clock.sleepers()));
  });
  EXPECT_EQ(trace.str(), "sleepers while the function runs: 1\ngot value\nsleepers after: 0");
}

// For a void function, with_timeout says whether the function finished.
TEST_P(Time, WithTimeoutOfVoidFunctionReturnsWhetherItFinished) {
  Trace trace;
  run([&](Env&) {
    mock::Clock clock;
    bool finished = time::with_timeout(clock, 1s, [] { fiber::yield(); });
    trace(std::string("quick function finished: ") + (finished ? "true" : "false"));
    fiber::both(
        [&] {
          bool done = time::with_timeout(clock, 1s, [] { fiber::await_cancel(); });
          trace(std::string("stuck function finished: ") + (done ? "true" : "false"));
        },
        [&] { clock.advance(); });
  });
  EXPECT_EQ(trace.str(), "quick function finished: true\nstuck function finished: false");
}

// with_timeout_exn returns the value in time, and throws eio::Timeout otherwise.
TEST_P(Time, WithTimeoutExnThrowsTimeout) {
  Trace trace;
  run([&](Env&) {
    mock::Mono_clock clock;
    trace("in time: " + std::to_string(time::with_timeout_exn(clock, 1s, [] { return 7; })));
    fiber::both(
        [&] {
          try {
            time::with_timeout_exn(clock, 1s, [] { fiber::await_cancel(); });
            trace("returned?!");
          } catch (const Timeout& e) {
            trace(std::string("too late: ") + e.what());
          }
        },
        [&] { clock.advance(); });
  });
  EXPECT_EQ(trace.str(), "in time: 7\ntoo late: timeout");
}

// An exception from the function propagates through with_timeout and with_timeout_exn
// unchanged, whether it is thrown at once or after blocking.
TEST_P(Time, WithTimeoutPropagatesFunctionsException) {
  Trace trace;
  run([&](Env&) {
    mock::Mono_clock clock;
    try {
      time::with_timeout(clock, 1s, []() -> int { throw Failed(1); });
    } catch (const Failed& e) {
      trace(e.what());
    }
    try {
      time::with_timeout(clock, 1s, [] {
        fiber::yield();
        throw Failed(2);
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
    try {
      time::with_timeout_exn(clock, 1s, [] {
        fiber::yield();
        throw Failed(3);
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
    trace("sleepers left: " + std::to_string(clock.sleepers()));
  });
  EXPECT_EQ(trace.str(), "Failed 1\nFailed 2\nFailed 3\nsleepers left: 0");
}

// A mock clock may be shared with another domain: advancing it here wakes a fiber
// sleeping there.
TEST_P(Time, MockClockWakesSleeperInAnotherDomain) {
  Trace trace;
  run([&](Env& env) {
    mock::Clock clock;
    fiber::both(
        [&] {
          auto woke_at = env.domain_mgr().run([&] {
            time::sleep(clock, 3s);
            return seconds_of(clock);
          });
          trace("child domain woke at " + woke_at);
        },
        [&] {
          while (clock.sleepers() == 0) fiber::yield();  // until the child is asleep
          clock.advance();
        });
  });
  EXPECT_EQ(trace.str(), "child domain woke at 3");
}

// --- The real clocks -------------------------------------------------------------------

// env.clock() reads the system clock, and env.mono_clock() the steady clock, which never
// goes backwards.
TEST_P(Time, RealClocksReadTheSystemTime) {
  Trace trace;
  run([&](Env& env) {
    auto before = std::chrono::system_clock::now();
    auto wall = env.clock().now();
    auto after = std::chrono::system_clock::now();
    trace(std::string("wall clock between two system_clock readings: ") +
          (before <= wall && wall <= after ? "yes" : "no"));

    auto mono_before = std::chrono::steady_clock::now();
    auto mono = env.mono_clock().now();
    auto mono_after = std::chrono::steady_clock::now();
    trace(std::string("mono clock between two steady_clock readings: ") +
          (mono_before <= mono && mono <= mono_after ? "yes" : "no"));

    bool monotonic = true;
    auto last = env.mono_clock().now();
    for (int i = 0; i < 1000; ++i) {
      if (i % 10 == 0) fiber::yield();
      auto t = env.mono_clock().now();
      monotonic = monotonic && t >= last;
      last = t;
    }
    trace(std::string("mono clock never went back: ") + (monotonic ? "yes" : "no"));
  });
  EXPECT_EQ(trace.str(),
            "wall clock between two system_clock readings: yes\n"
            "mono clock between two steady_clock readings: yes\n"
            "mono clock never went back: yes");
}

// A real sleep lasts at least as long as asked, on either clock.
TEST_P(Time, RealSleepLastsAtLeastItsDuration) {
  Trace trace;
  run([&](Env& env) {
    auto t0 = std::chrono::steady_clock::now();
    time::sleep(env.mono_clock(), 2ms);
    trace(std::string("mono sleep of 2ms took at least 2ms: ") +
          (std::chrono::steady_clock::now() - t0 >= 2ms ? "yes" : "no"));

    auto deadline = std::chrono::steady_clock::now() + 2ms;
    time::sleep_until(env.mono_clock(), deadline);
    trace(std::string("mono sleep_until woke after its deadline: ") +
          (std::chrono::steady_clock::now() >= deadline ? "yes" : "no"));

    auto w0 = std::chrono::system_clock::now();
    time::sleep(env.clock(), 2ms);
    trace(std::string("wall sleep of 2ms took at least 2ms: ") +
          (std::chrono::system_clock::now() - w0 >= 2ms ? "yes" : "no"));
  });
  EXPECT_EQ(trace.str(),
            "mono sleep of 2ms took at least 2ms: yes\n"
            "mono sleep_until woke after its deadline: yes\n"
            "wall sleep of 2ms took at least 2ms: yes");
}

// Cancelling a sleeping fiber wakes it at once (these sleeps are for an hour: the test
// would hang if cancellation did not reach them), removes its timer, and the cancellation
// is sticky: sleeping again throws at once.
TEST_P(Time, RealSleepIsCancelledAtOnce) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      cancel::Context* mono_sleep = nullptr;
      cancel::Context* wall_sleep = nullptr;
      auto sleep_an_hour = [&](std::string name, cancel::Context** slot, auto* clock) {
        fiber::fork(sw, [&trace, name, slot, clock] {
          cancel::sub([&](cancel::Context& cc) {
            *slot = &cc;
            try {
              time::sleep(*clock, 1h);
              trace(name + " slept an hour?!");
            } catch (const Cancelled& c) {
              trace(name + " sleep cancelled: " + what(c.reason()));
            }
            try {
              time::sleep(*clock, 1h);
            } catch (const Cancelled&) {
              trace(name + " sleep again: cancelled at once");
            }
          });
        });
      };
      sleep_an_hour("mono", &mono_sleep, &env.mono_clock());
      sleep_an_hour("wall", &wall_sleep, &env.clock());
      fiber::fork(sw, [&] {
        trace("timers pending: " + std::to_string(pending_timers()));
        mono_sleep->cancel(std::make_exception_ptr(Stop()));
        wall_sleep->cancel(std::make_exception_ptr(Stop()));
      });
    });
    trace("timers pending: " + std::to_string(pending_timers()));
  });
  EXPECT_EQ(trace.str(),
            "timers pending: 2\n"
            "mono sleep cancelled: stop\nmono sleep again: cancelled at once\n"
            "wall sleep cancelled: stop\nwall sleep again: cancelled at once\n"
            "timers pending: 0");
}

// Sleeping in a switch that has already failed throws at once; the switch reports its
// error.
TEST_P(Time, RealSleepInFailedSwitchThrowsAtOnce) {
  Trace trace;
  run([&](Env& env) {
    try {
      Switch::run([&](Switch& sw) {
        sw.fail(std::make_exception_ptr(Failed(1)));
        try {
          time::sleep(env.clock(), 1h);
        } catch (const Cancelled&) {
          trace("sleep: Cancelled");
          throw;
        }
      });
    } catch (const Failed& e) {
      trace(std::string("switch: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(), "sleep: Cancelled\nswitch: Failed 1");
}

// Timers fire in deadline order: the short one ends the race, cancelling the long one.
TEST_P(Time, RealShortTimerFiresBeforeLongOne) {
  Trace trace;
  run([&](Env& env) {
    try {
      fiber::both(
          [&] {
            time::sleep(env.clock(), 1h);
            trace("long timer fired?!");
          },
          [&] {
            time::sleep(env.clock(), 1ms);
            trace("short timer fired");
            throw Failed(1);
          });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "short timer fired\nFailed 1");
}

// A fiber that never stops yielding does not keep a due timer from firing.
TEST_P(Time, RealTimerFiresWhileAnotherFiberKeepsYielding) {
  Trace trace;
  run([&](Env& env) {
    fiber::first(
        [] {
          for (;;) fiber::yield();
        },
        [&] {
          time::sleep(env.mono_clock(), 1ms);
          trace("timer fired");
        });
  });
  EXPECT_EQ(trace.str(), "timer fired");
}

// with_timeout_exn on a real clock: the timer cancels a function that would wait forever.
TEST_P(Time, RealTimeoutCancelsWaitingFunction) {
  Trace trace;
  run([&](Env& env) {
    try {
      time::with_timeout_exn(env.mono_clock(), 100us, [] { fiber::await_cancel(); });
    } catch (const Timeout& e) {
      trace(e.what());
    }
    auto v = time::with_timeout(env.clock(), 1h, [] { return 42; });
    trace("in time: " + std::to_string(v.value_or(0)));
    trace("timers pending: " + std::to_string(pending_timers()));
  });
  EXPECT_EQ(trace.str(), "timeout\nin time: 42\ntimers pending: 0");
}

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer counts each fiber as a thread, and gives up past 8128 of them.
constexpr int kManyTimers = 1'000;
#else
constexpr int kManyTimers = 10'000;
#endif

// 10,000 fibers (1,000 under TSan) sleep until the same near deadline plus i ns, going
// to sleep in a scrambled order; they all wake, in deadline order. The fibers are forked
// first and held at a gate, so that they go to sleep in one quick burst once the deadline
// is known. The order can only be checked if every timer was pending before the first
// fell due, so a machine too slow for the lead time retries with twice the lead (the
// outcome never depends on how fast the machine is).
TEST_P(Time, RealTenThousandTimersWakeInDeadlineOrder) {
  Trace trace;
  run([&](Env& env) {
    constexpr int n = kManyTimers;
    Mono_clock& clock = env.mono_clock();
    for (auto lead = std::chrono::milliseconds(250);; lead *= 2) {
      std::vector<int> woken;
      woken.reserve(n);
      int asleep = 0;
      Mono_clock::time_point base;
      bool all_pending_before_due = false;
      Switch::run([&](Switch& sw) {
        auto [gate, open] = Promise<void>::create();
        for (int k = 0; k < n; ++k) {
          // 7919 is prime, so coprime with n: k -> i is a permutation.
          int i = static_cast<int>((k * 7919L) % n);
          fiber::fork(sw, [&, i] {
            gate.await();
            ++asleep;
            time::sleep_until(clock, base + std::chrono::nanoseconds(i));
            woken.push_back(i);
          });
        }
        base = clock.now() + lead;
        open.resolve();
        while (asleep < n) fiber::yield();  // behind every fiber the gate woke
        all_pending_before_due = clock.now() < base;
      });
      if (!all_pending_before_due) continue;
      trace(std::to_string(woken.size()) + " sleepers woke");
      trace(std::string("in deadline order: ") +
            (std::is_sorted(woken.begin(), woken.end()) ? "yes" : "no"));
      trace("timers pending: " + std::to_string(pending_timers()));
      break;
    }
  });
  EXPECT_EQ(trace.str(), std::to_string(kManyTimers) +
                             " sleepers woke\nin deadline order: yes\ntimers pending: 0");
}

}  // namespace
}  // namespace eio::test
