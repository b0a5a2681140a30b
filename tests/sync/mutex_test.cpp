// Mutexes: fairness, Lockable, poisoning by failed writers, protection from cancellation
// and try_lock. Scenarios follow Eio's tests/mutex.md.

#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class MutexTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(MutexTest);

struct Failed : std::runtime_error {
  Failed() : std::runtime_error("simulated error") {}
};

// Four fibers each lock, yield and unlock: the lock passes from each to the next in the
// order they asked for it.
TEST_P(MutexTest, WaitersGetTheLockInOrder) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    std::vector<std::function<void()>> fns;
    for (int i = 1; i <= 4; ++i) {
      fns.emplace_back([&, i] {
        auto me = std::to_string(i);
        trace(me + " locking");
        m.lock();
        trace(me + " locked");
        fiber::yield();
        trace(me + " unlocking");
        m.unlock();
      });
    }
    fiber::all(fns);
  });
  EXPECT_EQ(trace.str(),
            "1 locking\n1 locked\n2 locking\n3 locking\n4 locking\n"
            "1 unlocking\n2 locked\n2 unlocking\n3 locked\n3 unlocking\n4 locked\n"
            "4 unlocking");
}

// eio::Mutex is Lockable, so the standard guards work with it.
TEST_P(MutexTest, WorksWithScopedLock) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    auto section = [&](const std::string& name) {
      std::scoped_lock lock(m);
      trace(name + " in");
      fiber::yield();
      trace(name + " out");
    };
    fiber::both([&] { section("a"); }, [&] { section("b"); });
    std::unique_lock lock(m, std::try_to_lock);
    trace(lock.owns_lock() ? "free again" : "still held");
  });
  EXPECT_EQ(trace.str(), "a in\na out\nb in\nb out\nfree again");
}

// use_rw sections run one at a time.
TEST_P(MutexTest, UseRwSectionsDoNotOverlap) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    auto section = [&] {
      trace("entered");
      fiber::yield();
      trace("leaving");
    };
    fiber::both([&] { m.use_rw(section, {.protect = true}); },
                [&] { m.use_rw(section, {.protect = true}); });
    trace("result " + std::to_string(m.use_rw([] { return 7; })));
  });
  EXPECT_EQ(trace.str(), "entered\nleaving\nentered\nleaving\nresult 7");
}

// A use_rw body that throws may have left the state half-updated, so the mutex is poisoned:
// every later lock throws eio::Poisoned, which carries the original error.
TEST_P(MutexTest, FailedUseRwPoisons) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    try {
      m.use_rw([] { throw Failed(); });
    } catch (const Failed& e) {
      trace(std::string("use_rw: ") + e.what());
    }
    for (int i = 0; i < 2; ++i) {
      try {
        m.lock();
        trace("locked!");
      } catch (const Poisoned& p) {
        trace("lock: Poisoned by " + what(p.cause()));
      }
    }
    try {
      m.use_ro([&] { trace("use_ro ran!"); });
    } catch (const Poisoned&) {
      trace("use_ro: Poisoned");
    }
  });
  EXPECT_EQ(trace.str(),
            "use_rw: simulated error\n"
            "lock: Poisoned by simulated error\n"
            "lock: Poisoned by simulated error\n"
            "use_ro: Poisoned");
}

// Fibers already waiting for the lock when it is poisoned are woken with eio::Poisoned.
TEST_P(MutexTest, PoisoningWakesWaiters) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    auto waiter = [&](const std::string& name) {
      return [&trace, &m, name] {
        trace(name + " waiting");
        try {
          m.use_ro([&] { trace(name + " got the lock!"); });
        } catch (const Poisoned& p) {
          trace(name + ": Poisoned by " + what(p.cause()));
        }
      };
    };
    fiber::all(
        [&] {
          try {
            m.use_rw([&] {
              fiber::yield();
              trace("failing inside the section");
              throw Failed();
            });
          } catch (const Failed&) {
          }
        },
        waiter("a"), waiter("b"));
  });
  EXPECT_EQ(trace.str(),
            "a waiting\nb waiting\nfailing inside the section\n"
            "a: Poisoned by simulated error\nb: Poisoned by simulated error");
}

// A cancelled use_rw (one not protected) also poisons: the section stopped halfway.
TEST_P(MutexTest, CancelledUseRwPoisons) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    try {
      fiber::both(
          [&] {
            m.use_rw([&] {
              fiber::yield();
              trace("restored invariant!");
            });
          },
          [&] {
            trace("cancelling");
            throw Failed();
          });
    } catch (const Failed&) {
      trace("both failed");
    }
    try {
      m.use_ro([&] { trace("use_ro ran!"); });
    } catch (const Poisoned& p) {
      trace("use_ro: Poisoned by " + what(p.cause()));
    }
  });
  EXPECT_EQ(trace.str(), "cancelling\nboth failed\nuse_ro: Poisoned by Cancelled");
}

// A use_ro body only reads, so its failure releases the lock without poisoning.
TEST_P(MutexTest, FailedUseRoDoesNotPoison) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    try {
      m.use_ro([] { throw Failed(); });
    } catch (const Failed& e) {
      trace(std::string("use_ro: ") + e.what());
    }
    m.lock();
    trace("locked again");
    m.unlock();
  });
  EXPECT_EQ(trace.str(), "use_ro: simulated error\nlocked again");
}

// Unlocking a mutex that is not locked is a bug in the caller: it throws std::logic_error
// and poisons the mutex.
TEST_P(MutexTest, DoubleUnlockThrowsAndPoisons) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    m.lock();
    m.unlock();
    try {
      m.unlock();
    } catch (const std::logic_error& e) {
      trace(std::string("second unlock: ") + e.what());
    }
    try {
      m.lock();
    } catch (const Poisoned& p) {
      trace("lock: Poisoned by " + what(p.cause()));
    }
  });
  EXPECT_EQ(trace.str(),
            "second unlock: eio: unlock of an unlocked Mutex\n"
            "lock: Poisoned by eio: unlock of an unlocked Mutex");
}

// With {.protect = true} the section runs to the end although a sibling's failure cancels
// the fiber; the cancellation shows at the next cancellation point after it.
TEST_P(MutexTest, ProtectedUseRwCompletesWhileSiblingFails) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    try {
      fiber::both(
          [&] {
            m.use_rw(
                [&] {
                  fiber::yield();
                  trace("restored invariant");
                },
                {.protect = true});
            try {
              fiber::check();
              trace("not cancelled!");
            } catch (const Cancelled&) {
              trace("then cancelled");
              throw;
            }
          },
          [&] {
            trace("cancelling");
            throw Failed();
          });
    } catch (const Failed& e) {
      trace(std::string("both: ") + e.what());
    }
    m.use_ro([&] { trace("mutex still usable"); });
  });
  EXPECT_EQ(trace.str(),
            "cancelling\nrestored invariant\nthen cancelled\nboth: simulated error\n"
            "mutex still usable");
}

// Protection covers the section, not the wait for the lock: a waiter is still cancelled,
// and leaves the mutex usable.
TEST_P(MutexTest, ProtectDoesNotCoverWaitingForTheLock) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    m.lock();
    try {
      fiber::both([&] { m.use_rw([&] { trace("section ran!"); }, {.protect = true}); },
                  [&] {
                    trace("cancelling");
                    throw Failed();
                  });
    } catch (const Failed&) {
      trace("both failed");
    }
    m.unlock();
    m.use_ro([&] { trace("mutex still usable"); });
  });
  EXPECT_EQ(trace.str(), "cancelling\nboth failed\nmutex still usable");
}

// A waiter cancelled before its turn does not take the lock: when the holder unlocks, the
// mutex is free (or goes to the next live waiter).
TEST_P(MutexTest, CancelledWaiterDoesNotTakeTheLock) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    m.lock();
    Switch::run([&](Switch& sw) {
      cancel::Context* a_cc = nullptr;
      fiber::fork(sw, [&] {
        cancel::sub([&](cancel::Context& cc) {
          a_cc = &cc;
          try {
            m.lock();
            trace("a locked!");
          } catch (const Cancelled&) {
            trace("a cancelled");
          }
        });
      });
      fiber::fork(sw, [&] {
        m.lock();
        trace("b locked");
        m.unlock();
      });
      a_cc->cancel(std::make_exception_ptr(Failed()));
      fiber::yield();
      trace("unlocking");
      m.unlock();
    });
    trace(m.try_lock() ? "free at the end" : "held at the end!");
    m.unlock();
  });
  EXPECT_EQ(trace.str(), "a cancelled\nunlocking\nb locked\nfree at the end");
}

// try_lock takes a free lock and refuses a held one without waiting.
TEST_P(MutexTest, TryLock) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    auto attempt = [&] {
      if (m.try_lock()) {
        trace("entered");
        fiber::yield();
        trace("leaving");
        m.unlock();
      } else {
        trace("lock busy");
      }
    };
    fiber::both(attempt, attempt);
    m.use_ro([&] { trace("lock still works"); });
  });
  EXPECT_EQ(trace.str(), "entered\nlock busy\nleaving\nlock still works");
}

// A plain thread (not running eio) and a fiber share a mutex: the thread blocks the thread,
// the fiber suspends (even yielding inside its sections), and no increment is lost.
TEST_P(MutexTest, PlainThreadAndFiberShareTheMutex) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    int counter = 0;
    auto [started, go] = Promise<void>::create();
    m.lock();  // the thread starts by queueing behind us
    Plain_thread thread([&, go = std::move(go)]() mutable {
      go.resolve();
      for (int i = 0; i < 100; ++i) {
        std::scoped_lock lock(m);
        ++counter;
      }
    });
    started.await();
    ++counter;
    m.unlock();
    for (int i = 0; i < 100; ++i) {
      m.use_rw([&] {
        ++counter;
        fiber::yield();
      });
    }
    thread.join();
    trace("counter " + std::to_string(counter));
  });
  EXPECT_EQ(trace.str(), "counter 201");
}

// On a plain thread there is nothing to cancel, so {.protect = true} simply runs the
// section; it must not fail, nor poison the mutex.
TEST_P(MutexTest, PlainThreadUseRwWithProtect) {
  Trace trace;
  run([&](Env&) {
    Mutex m;
    std::string seen;
    Plain_thread thread([&] {
      try {
        int v = m.use_rw([] { return 42; }, {.protect = true});
        seen = "thread got " + std::to_string(v);
      } catch (const std::exception& e) {
        seen = std::string("thread: ") + e.what();
      }
    });
    thread.join();
    trace(seen);
    try {
      m.use_ro([&] { trace("mutex usable"); });
    } catch (const Poisoned& p) {
      trace("Poisoned by " + what(p.cause()));
    }
  });
  EXPECT_EQ(trace.str(), "thread got 42\nmutex usable");
}

}  // namespace
}  // namespace eio::test
