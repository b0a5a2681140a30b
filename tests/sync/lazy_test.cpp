// Lazy values: computed once for concurrent forcers, failures shared, and the three ways of
// handling a cancelled computation. Scenarios follow Eio's tests/lazy.md.

#include <functional>
#include <stdexcept>
#include <string>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

// Forces `v`, narrating the outcome as Eio's test helper does. A forcer that was itself
// cancelled stops at the fiber::check() (after narrating an exception, before narrating a
// value), so only the fibers that really got something say so.
void force(Trace& trace, const std::string& who, Lazy<int>& v) {
  trace(who + ": forcing");
  int x = 0;
  try {
    x = v.force();
  } catch (const Cancelled&) {
    trace(who + ": Cancelled");
    fiber::check();
    return;
  } catch (const std::exception& e) {
    trace(who + ": " + e.what());
    fiber::check();
    return;
  }
  fiber::check();
  trace(who + ": " + std::to_string(x));
}

// A computation that takes a yield, so that a second forcer arrives while it runs.
std::function<int()> slow_42(Trace& trace) {
  return [&trace] {
    trace("computing");
    fiber::yield();
    trace("computed");
    return 42;
  };
}

class LazyTest : public Backends {
 protected:
  // Fiber a starts the computation and is then cancelled (it loses a fiber::first race)
  // while fiber b waits for the value.
  std::string first_forcer_cancelled(Lazy_cancel mode) {
    Trace trace;
    run([&](Env&) {
      Lazy<int> v(slow_42(trace), {.cancel = mode});
      fiber::both(
          [&] {
            int x = fiber::first(
                [&] {
                  force(trace, "a", v);
                  trace("a: not cancelled!");
                  return 0;
                },
                [] { return 5; });
            trace("a: first returned " + std::to_string(x));
          },
          [&] { force(trace, "b", v); });
    });
    return trace.str();
  }
};
EIO_TEST_ON_BOTH_BACKENDS(LazyTest);

// Two fibers force the value; it is computed once, and both get it.
TEST_P(LazyTest, ComputedOnceForConcurrentForcers) {
  Trace trace;
  run([&](Env&) {
    Lazy<int> v(slow_42(trace));
    fiber::both([&] { force(trace, "a", v); }, [&] { force(trace, "b", v); });
    force(trace, "c", v);
  });
  EXPECT_EQ(trace.str(),
            "a: forcing\ncomputing\nb: forcing\ncomputed\na: 42\nb: 42\nc: forcing\nc: 42");
}

// A failing computation is not retried: every forcer, then and later, gets its exception.
TEST_P(LazyTest, FailureIsRethrownToEveryForcer) {
  Trace trace;
  run([&](Env&) {
    Lazy<int> v([&]() -> int {
      trace("computing");
      fiber::yield();
      throw std::runtime_error("failed");
    });
    fiber::both([&] { force(trace, "a", v); }, [&] { force(trace, "b", v); });
    force(trace, "c", v);
  });
  EXPECT_EQ(trace.str(),
            "a: forcing\ncomputing\nb: forcing\na: failed\nb: failed\nc: forcing\nc: failed");
}

// restart: the attempt is forgotten, and the waiting forcer computes the value afresh.
TEST_P(LazyTest, CancelRestartLetsTheNextForcerRecompute) {
  EXPECT_EQ(first_forcer_cancelled(Lazy_cancel::restart),
            "a: forcing\ncomputing\nb: forcing\na: Cancelled\ncomputing\na: first returned 5\n"
            "computed\nb: 42");
}

// record: the cancellation becomes the result, for the waiting forcer too.
TEST_P(LazyTest, CancelRecordGivesEveryForcerCancelled) {
  EXPECT_EQ(first_forcer_cancelled(Lazy_cancel::record),
            "a: forcing\ncomputing\nb: forcing\na: Cancelled\nb: Cancelled\n"
            "a: first returned 5");
}

// protect: the computation is shielded and completes; the waiting forcer gets the value and
// the cancelled one stops at its next cancellation point.
TEST_P(LazyTest, CancelProtectCompletesForTheWaitingForcer) {
  EXPECT_EQ(first_forcer_cancelled(Lazy_cancel::protect),
            "a: forcing\ncomputing\nb: forcing\ncomputed\nb: 42\na: first returned 5");
}

// A waiting forcer that is cancelled leaves; the computation goes on for the others.
TEST_P(LazyTest, CancelledWaiterDoesNotDisturbTheComputation) {
  Trace trace;
  run([&](Env&) {
    auto [gate, open] = Promise<void>::create();
    Lazy<int> v([&trace, gate = gate] {
      trace("computing");
      gate.await();
      trace("computed");
      return 42;
    });
    fiber::both([&] { force(trace, "a", v); },
                [&] {
                  int x = fiber::first(
                      [&] {
                        force(trace, "b", v);
                        return 0;
                      },
                      [] { return 5; });
                  trace("b: first returned " + std::to_string(x));
                  open.resolve();
                });
  });
  EXPECT_EQ(trace.str(),
            "a: forcing\ncomputing\nb: forcing\nb: Cancelled\nb: first returned 5\ncomputed\n"
            "a: 42");
}

// Plain threads (not running eio) may force a lazy value too, in every cancel mode: there
// is nothing to cancel on a plain thread.
TEST_P(LazyTest, PlainThreadForcesInEveryMode) {
  Trace trace;
  run([&](Env&) {
    for (auto mode : {Lazy_cancel::restart, Lazy_cancel::record, Lazy_cancel::protect}) {
      Lazy<int> v([] { return 42; }, {.cancel = mode});
      std::string seen;
      Plain_thread thread([&] {
        try {
          seen = std::to_string(v.force());
        } catch (const std::exception& e) {
          seen = e.what();
        }
      });
      thread.join();
      trace("thread got " + seen);
    }
  });
  EXPECT_EQ(trace.str(), "thread got 42\nthread got 42\nthread got 42");
}

}  // namespace
}  // namespace eio::test
