// Cancellation contexts: sticky cancellation, protect, sub. Scenarios follow Eio's
// tests/cancel.md.

#include <stdexcept>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Cancel : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Cancel);

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// Once cancelled, every blocking call in the context throws at once, every time.
TEST_P(Cancel, CancellationIsSticky) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      for (int i = 0; i < 2; ++i) {
        try {
          fiber::yield();
        } catch (const Cancelled&) {
          trace("cancelled " + std::to_string(i));
        }
      }
      EXPECT_TRUE(cc.is_cancelled());
    });
    fiber::yield();  // the caller's context is untouched
    trace("caller fine");
  });
  EXPECT_EQ(trace.str(), "cancelled 0\ncancelled 1\ncaller fine");
}

// protect() shields its body; cancellation shows at the next blocking call after it.
TEST_P(Cancel, ProtectShieldsThenCancellationShows) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      cancel::protect([&] {
        fiber::yield();
        trace("protected work finished");
      });
      try {
        fiber::check();
      } catch (const Cancelled& c) {
        trace("then cancelled: " + what(c.reason()));
      }
    });
  });
  EXPECT_EQ(trace.str(), "protected work finished\nthen cancelled: stop");
}

// Cancelling a context wakes a fiber blocked in it, in a nested sub-context too.
TEST_P(Cancel, CancelWakesBlockedFibersInDescendants) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& outer) {
      fiber::both(
          [&] {
            cancel::sub([&](cancel::Context&) {
              try {
                fiber::await_cancel();
              } catch (const Cancelled&) {
                trace("inner woken");
              }
            });
          },
          [&] { outer.cancel(std::make_exception_ptr(Stop())); });
    });
  });
  EXPECT_EQ(trace.str(), "inner woken");
}

TEST_P(Cancel, SubReturnsItsValue) {
  int v = run([](Env&) { return cancel::sub([](cancel::Context&) { return 5; }); });
  EXPECT_EQ(v, 5);
}

// Cancellation reasons: the first one is kept.
TEST_P(Cancel, FirstReasonIsKept) {
  run([](Env&) {
    cancel::sub([](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      cc.cancel(std::make_exception_ptr(std::runtime_error("second")));
      EXPECT_EQ(what(cc.reason()), "stop");
    });
  });
}

// Cancellation is not an std::exception, so generic error handlers let it through.
TEST_P(Cancel, CancelledIsNotAStdException) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      try {
        try {
          fiber::yield();
        } catch (const std::exception&) {
          trace("wrongly caught as an error");
        }
      } catch (const Cancelled&) {
        trace("passed through");
      }
    });
  });
  EXPECT_EQ(trace.str(), "passed through");
}

}  // namespace
}  // namespace eio::test
