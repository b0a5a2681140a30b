// Conditions: broadcast, waiting with and without a mutex, the wait-until-predicate loop,
// and cancellation. Scenarios follow Eio's tests/condition.md.

#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class ConditionTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(ConditionTest);

struct Failed : std::runtime_error {
  Failed() : std::runtime_error("simulated error") {}
};

// A broadcast wakes a fiber waiting without a mutex; the broadcaster does not wait.
TEST_P(ConditionTest, BroadcastWakesAnAwaiter) {
  Trace trace;
  run([&](Env&) {
    Condition cond;
    fiber::both(
        [&] {
          trace("1: waiting");
          cond.await_no_mutex();
          trace("1: woken");
        },
        [&] {
          trace("2: broadcast");
          cond.broadcast();
          trace("2: done");
        });
  });
  EXPECT_EQ(trace.str(), "1: waiting\n2: broadcast\n2: done\n1: woken");
}

// Broadcasting to nobody does nothing; broadcasting to several wakes them all, in order.
TEST_P(ConditionTest, BroadcastWakesEveryAwaiter) {
  Trace trace;
  run([&](Env&) {
    Condition cond;
    cond.broadcast();
    trace("broadcast to nobody");
    auto awaiter = [&](const std::string& name) {
      return [&trace, &cond, name] {
        trace(name + ": waiting");
        cond.await_no_mutex();
        trace(name + ": woken");
      };
    };
    fiber::all(awaiter("1"), awaiter("2"), [&] {
      trace("3: broadcast");
      cond.broadcast();
      trace("3: done");
    });
  });
  EXPECT_EQ(trace.str(),
            "broadcast to nobody\n1: waiting\n2: waiting\n3: broadcast\n3: done\n1: woken\n"
            "2: woken");
}

// Shared state guarded by a mutex, and a condition announcing changes to it: the waiter
// re-checks its predicate after every wake-up, holding the mutex.
struct Guarded_int {
  Mutex mutex;
  Condition changed;
  int x = 0;

  void set(int v) {
    mutex.use_rw([&] { x = v; });
    changed.broadcast();
  }
  int await_until(const std::function<bool(int)>& p) {
    return mutex.use_ro([&] {
      while (!p(x)) changed.await(mutex);
      return x;
    });
  }
};

// The waiter sees only the value that satisfies it, whatever came in between.
TEST_P(ConditionTest, AwaitLoopsUntilThePredicateHolds) {
  Trace trace;
  run([&](Env&) {
    Guarded_int g;
    fiber::both(
        [&] {
          trace("x = " + std::to_string(g.x));
          trace("x = " + std::to_string(g.await_until([](int x) { return x == 42; })));
        },
        [&] {
          g.set(5);
          fiber::yield();
          g.set(7);
          g.set(42);
        });
  });
  EXPECT_EQ(trace.str(), "x = 0\nx = 42");
}

// A waiter cancelled in that loop leaves cleanly; the condition and the mutex keep working
// for the next one.
TEST_P(ConditionTest, CancelledWaiterLeavesTheConditionUsable) {
  Trace trace;
  run([&](Env&) {
    Guarded_int g;
    g.set(42);
    int r = fiber::first(
        [&] {
          g.await_until([](int x) { return x == 0; });
          trace("first waiter finished!");
          return 1;
        },
        [] { return 2; });
    trace("first returned " + std::to_string(r));
    fiber::both(
        [&] {
          trace("x = " + std::to_string(g.x));
          trace("x = " + std::to_string(g.await_until([](int x) { return x == 0; })));
        },
        [&] {
          g.set(5);
          fiber::yield();
          g.set(0);
        });
  });
  EXPECT_EQ(trace.str(), "first returned 2\nx = 42\nx = 0");
}

// The same loop without a mutex, safe within one domain because nothing switches fibers
// between the check and the wait.
TEST_P(ConditionTest, AwaitNoMutexLoopsUntilThePredicateHolds) {
  Trace trace;
  run([&](Env&) {
    Condition changed;
    int x = 0;
    auto set = [&](int v) {
      trace("set " + std::to_string(v));
      x = v;
      changed.broadcast();
    };
    fiber::both(
        [&] {
          while (x != 3) {
            trace("checking: x = " + std::to_string(x));
            changed.await_no_mutex();
          }
          trace("finished: x = 3");
        },
        [&] {
          for (int v = 1; v <= 4; ++v) {
            set(v);
            fiber::yield();
          }
        });
  });
  EXPECT_EQ(trace.str(),
            "checking: x = 0\nset 1\nchecking: x = 1\nset 2\nchecking: x = 2\nset 3\n"
            "finished: x = 3\nset 4");
}

// await(mutex) always re-takes the mutex before returning, even when cancelled (and that
// re-locking cannot itself be cancelled), so the caller's unlock in its handler is valid.
TEST_P(ConditionTest, CancelledAwaitRelocksTheMutex) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    Condition cond;
    try {
      Switch::run([&](Switch& sw) {
        fiber::fork(sw, [&] {
          trace("forked fiber locks");
          m.lock();
          try {
            cond.await(m);
            trace("woken!");
          } catch (const Cancelled&) {
            trace("forked fiber cancelled, unlocks");
            m.unlock();
            throw;
          }
        });
        cancel::protect([&] {
          trace("main fiber locks");
          m.lock();
          sw.fail(std::make_exception_ptr(Failed()));
          fiber::yield();
          trace("main fiber unlocks");
          m.unlock();
        });
      });
    } catch (const Failed& e) {
      trace(std::string("switch: ") + e.what());
    }
    m.use_ro([&] { trace("mutex free and unpoisoned"); });
  });
  EXPECT_EQ(trace.str(),
            "forked fiber locks\nmain fiber locks\nmain fiber unlocks\n"
            "forked fiber cancelled, unlocks\nswitch: simulated error\n"
            "mutex free and unpoisoned");
}

// A plain thread (not running eio) waits on the condition; a fiber announces the change.
// The fiber takes the mutex only after the thread has held it, and the thread lets go of
// it only inside await, so the thread is surely waiting when the broadcast comes.
TEST_P(ConditionTest, PlainThreadAwaitsABroadcast) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    Condition cond;
    bool ready = false;
    std::string seen;
    auto [holding, has_lock] = Promise<void>::create();
    Plain_thread thread([&, has_lock = std::move(has_lock)]() mutable {
      m.lock();
      has_lock.resolve();
      try {
        while (!ready) cond.await(m);
        seen = "thread saw ready";
        m.unlock();
      } catch (const std::exception& e) {
        seen = std::string("thread: ") + e.what();
      }
    });
    holding.await();
    m.use_rw([&] { ready = true; });
    cond.broadcast();
    thread.join();
    trace(seen);
  });
  EXPECT_EQ(trace.str(), "thread saw ready");
}

// Overwrites the stack below the caller, so that a pointer left into a frame that has
// already returned meets garbage rather than stale but plausible data.
[[gnu::noinline]] void scribble_stack() {
  char junk[16 * 1024];
  std::memset(junk, 0xA5, sizeof junk);
  asm volatile("" : : "r"(junk) : "memory");
}

// Calling await without holding the mutex is the caller's bug: the unlock inside throws
// std::logic_error (and, as any bad unlock, poisons the mutex). The failed call must not
// leave its waiter queued on the condition, since that waiter lived in a frame that is
// gone: a later broadcast must touch only real waiters.
TEST_P(ConditionTest, AwaitWithoutTheMutexThrowsAndLeavesNoWaiter) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    Condition cond;
    try {
      cond.await(m);
      trace("await returned!");
    } catch (const std::logic_error& e) {
      trace(std::string("await: ") + e.what());
    }
    scribble_stack();
    cond.broadcast();
    trace("broadcast to nobody");
    fiber::both(
        [&] {
          cond.await_no_mutex();
          trace("woken");
        },
        [&] { cond.broadcast(); });
  });
  EXPECT_EQ(trace.str(), "await: eio: unlock of an unlocked Mutex\nbroadcast to nobody\nwoken");
}

}  // namespace
}  // namespace eio::test
