// Switches: waiting for fibers, release hooks, error combination, and misuse. Scenarios
// follow Eio's tests/switch.md.

#include <stdexcept>
#include <thread>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Switch_ : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Switch_);

struct Failed : std::runtime_error {
  explicit Failed(const std::string& s) : std::runtime_error(s) {}
};

TEST_P(Switch_, RunReturnsTheBodysValueAfterItsFibers) {
  Trace trace;
  int v = run([&](Env&) {
    return Switch::run([&](Switch& sw) {
      fiber::fork(sw, [&] {
        fiber::yield();
        trace("fiber done");
      });
      trace("body done");
      return 3;
    });
  });
  trace("returned " + std::to_string(v));
  EXPECT_EQ(trace.str(), "body done\nfiber done\nreturned 3");
}

// fail() cancels the switch but returns, so clean-up code after it still runs.
TEST_P(Switch_, FailLetsCleanupRunThenRaises) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        sw.fail(std::make_exception_ptr(Failed("E1")));
        trace("cleanup");
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "cleanup\nE1");
}

// Forking into a failed switch does nothing; the caller carries on.
TEST_P(Switch_, ForkIntoFailedSwitchDoesNotRun) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        sw.fail(std::make_exception_ptr(Failed("original")));
        fiber::fork(sw, [&] { trace("child ran"); });
        trace("parent continues");
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "parent continues\noriginal");
}

// Release hooks run in reverse order after the fibers; failing hooks do not stop the
// others and their errors are combined.
TEST_P(Switch_, ReleaseHooksRunInReverseAndCombineErrors) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        for (int i = 1; i <= 3; ++i) {
          sw.on_release([&trace, i] {
            fiber::yield();
            trace("release " + std::to_string(i));
            if (i != 2) throw Failed("hook " + std::to_string(i));
          });
        }
        fiber::fork(sw, [&] {
          fiber::yield();
          trace("fiber finished");
        });
      });
    } catch (const Multiple_errors& e) {
      for (const auto& err : e.errors()) trace(what(err));
    }
  });
  EXPECT_EQ(trace.str(), "fiber finished\nrelease 3\nrelease 2\nrelease 1\nhook 3\nhook 1");
}

// Fibers that turn their cancellation into new errors are reported with the original.
TEST_P(Switch_, ErrorsWhileCancellingAreKept) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        for (int i = 1; i <= 2; ++i) {
          fiber::fork(sw, [i] {
            try {
              fiber::await_cancel();
            } catch (const Cancelled&) {
              throw Failed("cancel" + std::to_string(i));
            }
          });
        }
        throw Failed("Exit");
      });
    } catch (const Multiple_errors& e) {
      for (const auto& err : e.errors()) trace(what(err));
    }
  });
  EXPECT_EQ(trace.str(), "Exit\ncancel1\ncancel2");
}

// A child switch is cancelled with its parent; a child's own failure stays inside it.
TEST_P(Switch_, NestedSwitchesCancelDownwardsOnly) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& outer) {
        fiber::fork(outer, [&] {
          try {
            Switch::run([&](Switch&) { fiber::await_cancel(); });
          } catch (const Cancelled&) {
            trace("inner cancelled");
            throw;
          }
        });
        try {
          Switch::run([&](Switch& inner) { inner.fail(std::make_exception_ptr(Failed("inner"))); });
        } catch (const Failed& e) {
          trace(std::string("caught ") + e.what() + ", outer still running");
        }
        outer.fail(std::make_exception_ptr(Failed("outer")));
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "caught inner, outer still running\ninner cancelled\nouter");
}

// Cancelled from outside, a switch raises Cancelled, not an error.
TEST_P(Switch_, CancelledFromOutsideRaisesCancelled) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& cc) {
      try {
        Switch::run([&](Switch& sw) {
          fiber::fork(sw, [] { fiber::await_cancel(); });
          cc.cancel(std::make_exception_ptr(Failed("stop")));
          fiber::yield();
        });
      } catch (const Cancelled& c) {
        trace("Cancelled: " + what(c.reason()));
      }
    });
  });
  EXPECT_EQ(trace.str(), "Cancelled: stop");
}

// check() throws Cancelled once the switch failed; the switch then raises the failure.
TEST_P(Switch_, CheckThrowsOnceCancelled) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        sw.check();
        sw.fail(std::make_exception_ptr(Failed("x")));
        try {
          sw.check();
        } catch (const Cancelled&) {
          trace("check: Cancelled");
          throw;
        }
      });
    } catch (const Failed& e) {
      trace(std::string("run: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(), "check: Cancelled\nrun: x");
}

// A hook may not fork or add hooks once the switch is finishing.
TEST_P(Switch_, FinishedSwitchRejectsForkAndHooks) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        sw.on_release([&] {
          try {
            fiber::fork(sw, [] {});
          } catch (const std::logic_error& e) {
            trace(e.what());
          }
          sw.on_release([&] { trace("late hook ran at once"); });
        });
      });
    } catch (const std::logic_error& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(),
            "eio: fork on a finished switch\nlate hook ran at once\n"
            "eio: on_release on a finished switch (the hook ran at once)");
}

TEST_P(Switch_, SwitchFromAnotherDomainIsRejected) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      env.domain_mgr().run([&] {
        try {
          fiber::fork(sw, [] {});
        } catch (const std::logic_error& e) {
          trace(e.what());
        }
        try {
          sw.check();
        } catch (const std::logic_error& e) {
          trace(e.what());
        }
      });
    });
  });
  EXPECT_EQ(
      trace.str(),
      "eio: switch accessed from the wrong domain\neio: switch accessed from the wrong domain");
}

TEST_P(Switch_, SwitchOutsideAFiberIsRejected) {
  EXPECT_THROW(Switch::run([](Switch&) {}), std::logic_error);
}

}  // namespace
}  // namespace eio::test
