// Semaphores: bounded concurrency, fairness, cancelled waiters and the permit count.
// Scenarios follow Eio's tests/semaphore.md and tests/sync.md.

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class SemaphoreTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(SemaphoreTest);

TEST_P(SemaphoreTest, NegativeInitialCountIsRejected) {
  Trace trace;
  run([&](Env&) {
    try {
      Semaphore s(-1);
      trace("created!");
    } catch (const std::invalid_argument& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "eio::Semaphore: negative initial count");
}

// One permit: acquire and release alternate without waiting.
TEST_P(SemaphoreTest, AcquireReleaseWithoutContention) {
  Trace trace;
  run([&](Env&) {
    Semaphore s(1);
    for (int i = 0; i < 2; ++i) {
      s.acquire();
      trace("acquired, value " + std::to_string(s.get_value()));
      s.release();
      trace("released, value " + std::to_string(s.get_value()));
    }
  });
  EXPECT_EQ(trace.str(),
            "acquired, value 0\nreleased, value 1\nacquired, value 0\nreleased, value 1");
}

// Four users of two permits: the first two go ahead, the other two wait, and each release
// hands its permit straight to the longest waiter.
TEST_P(SemaphoreTest, AtMostTwoOfFourUsersHoldAPermit) {
  Trace trace;
  int holders = 0, peak = 0;
  run([&](Env&) {
    Semaphore s(2);
    std::vector<std::function<void()>> users;
    for (int i = 1; i <= 4; ++i) {
      users.emplace_back([&, i] {
        auto me = std::to_string(i);
        trace(me + " acquiring");
        s.acquire();
        peak = std::max(peak, ++holders);
        trace(me + " acquired");
        fiber::yield();
        trace(me + " releasing");
        --holders;
        s.release();
      });
    }
    fiber::all(users);
    trace("peak " + std::to_string(peak) + ", value " + std::to_string(s.get_value()));
  });
  EXPECT_EQ(trace.str(),
            "1 acquiring\n1 acquired\n2 acquiring\n2 acquired\n3 acquiring\n4 acquiring\n"
            "1 releasing\n2 releasing\n3 acquired\n4 acquired\n3 releasing\n4 releasing\n"
            "peak 2, value 2");
}

// Waiters get permits in the order they asked, whoever releases.
TEST_P(SemaphoreTest, WaitersAreServedInOrder) {
  Trace trace;
  run([&](Env&) {
    Semaphore s(0);
    Switch::run([&](Switch& sw) {
      for (const char* name : {"a", "b", "c"}) {
        fiber::fork(sw, [&trace, &s, name] {
          s.acquire();
          trace(std::string(name) + " got a permit");
        });
      }
      for (int i = 0; i < 3; ++i) s.release();
      trace("released 3, value " + std::to_string(s.get_value()));
    });
  });
  EXPECT_EQ(trace.str(), "released 3, value 0\na got a permit\nb got a permit\nc got a permit");
}

// A waiter cancelled before a permit reached it takes none: the next release is available
// to whoever comes next.
TEST_P(SemaphoreTest, CancelledWaiterConsumesNoPermit) {
  Trace trace;
  run([&](Env&) {
    Semaphore s(0);
    int r = fiber::first(
        [&] {
          s.acquire();
          trace("cancelled waiter acquired!");
          return 1;
        },
        [] { return 2; });
    trace("first returned " + std::to_string(r));
    s.release();
    trace("value " + std::to_string(s.get_value()));
    s.acquire();
    trace("acquired, value " + std::to_string(s.get_value()));
  });
  EXPECT_EQ(trace.str(), "first returned 2\nvalue 1\nacquired, value 0");
}

// get_value counts free permits: a release with waiters goes to a waiter, not the count.
TEST_P(SemaphoreTest, GetValueCountsFreePermits) {
  Trace trace;
  run([&](Env&) {
    Semaphore s(0);
    s.release();
    trace("after a release with nobody waiting: " + std::to_string(s.get_value()));
    Switch::run([&](Switch& sw) {
      fiber::fork(sw, [&] { s.acquire(); });
      fiber::fork(sw, [&] { s.acquire(); });
      trace("one took it, one waits: " + std::to_string(s.get_value()));
      s.release();
      trace("released to the waiter: " + std::to_string(s.get_value()));
      s.release();
      trace("released to nobody: " + std::to_string(s.get_value()));
      bool first = s.try_acquire();
      bool second = s.try_acquire();
      trace(std::string("try_acquire: ") + (first ? "true" : "false") + ", then " +
            (second ? "true" : "false"));
    });
  });
  EXPECT_EQ(trace.str(),
            "after a release with nobody waiting: 1\n"
            "one took it, one waits: 0\n"
            "released to the waiter: 0\n"
            "released to nobody: 1\n"
            "try_acquire: true, then false");
}

// A plain thread (not running eio) waits for a permit that a fiber releases.
TEST_P(SemaphoreTest, PlainThreadWaitsForAPermit) {
  Trace trace;
  run([&](Env&) {
    Semaphore s(0);
    Semaphore back(0);
    Plain_thread thread([&] {
      s.acquire();
      back.release();
    });
    s.release();
    back.acquire();
    thread.join();
    trace("value " + std::to_string(s.get_value()));
  });
  EXPECT_EQ(trace.str(), "value 0");
}

}  // namespace
}  // namespace eio::test
