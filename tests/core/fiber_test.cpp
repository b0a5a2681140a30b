// Fibers: scheduling order, the structured helpers (both, pair, all, first, any), list
// operations, daemons, fiber-local storage and per-fiber exception state. Scenarios follow
// Eio's tests/fiber.md.

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using namespace std::chrono_literals;

class Fiber : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Fiber);

struct Failed : std::runtime_error {
  explicit Failed(int n) : std::runtime_error("Failed " + std::to_string(n)) {}
};

// A forked child runs at once; the caller then runs before work that was already queued.
TEST_P(Fiber, ForkRunsChildFirstThenCallerBeforeQueuedWork) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      fiber::fork(sw, [&] {
        trace("1st child runs");
        fiber::yield();
        trace("Queued work");
      });
      fiber::fork(sw, [&] { trace("2nd child runs immediately"); });
      trace("Caller runs before queued work");
    });
  });
  EXPECT_EQ(trace.str(),
            "1st child runs\n2nd child runs immediately\nCaller runs before queued work\n"
            "Queued work");
}

// both() interleaves its branches at each yield, starting with the first.
TEST_P(Fiber, BothInterleavesAtYields) {
  Trace trace;
  run([&](Env&) {
    fiber::both(
        [&] {
          for (int i = 1; i <= 2; ++i) {
            trace("i" + std::to_string(i));
            fiber::yield();
          }
        },
        [&] {
          for (int j = 1; j <= 2; ++j) {
            trace("j" + std::to_string(j));
            fiber::yield();
          }
        });
  });
  EXPECT_EQ(trace.str(), "i1\nj1\ni2\nj2");
}

// If the first branch fails before yielding, the second never starts.
TEST_P(Fiber, BothFirstFailingAtOnceSkipsSecond) {
  Trace trace;
  run([&](Env&) {
    try {
      fiber::both([&]() { throw Failed(1); }, [&] { trace("second ran"); });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "Failed 1");
}

// When both branches fail (each shielded from the other's cancellation), both errors are
// reported, in the order they happened.
TEST_P(Fiber, BothBranchesFailingGivesMultipleErrors) {
  Trace trace;
  run([&](Env&) {
    try {
      fiber::both(
          [&] {
            cancel::protect([] { fiber::yield(); });
            throw Failed(1);
          },
          [&] {
            cancel::protect([] { fiber::yield(); });
            throw Failed(2);
          });
    } catch (const Multiple_errors& e) {
      for (const auto& err : e.errors()) trace(what(err));
    }
  });
  EXPECT_EQ(trace.str(), "Failed 1\nFailed 2");
}

// A failing branch cancels its sibling, which sees eio::Cancelled at its next yield.
TEST_P(Fiber, FailingBranchCancelsSibling) {
  Trace trace;
  run([&](Env&) {
    try {
      fiber::both(
          [&] {
            try {
              for (int x = 1;; ++x) {
                trace("x = " + std::to_string(x));
                fiber::yield();
              }
            } catch (const Cancelled&) {
              trace("first branch cancelled");
              throw;
            }
          },
          [&]() { throw Failed(9); });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "x = 1\nfirst branch cancelled\nFailed 9");
}

TEST_P(Fiber, PairReturnsBothResults) {
  auto [a, b] = run([](Env&) {
    return fiber::pair([] { return std::string("left"); },
                       [] {
                         fiber::yield();
                         return 42;
                       });
  });
  EXPECT_EQ(a, "left");
  EXPECT_EQ(b, 42);
}

TEST_P(Fiber, AllOfVectorRunsEveryFunction) {
  Trace trace;
  run([&](Env&) {
    std::vector<std::function<void()>> fns;
    for (int i = 0; i < 3; ++i) {
      fns.emplace_back([&trace, i] {
        trace("start " + std::to_string(i));
        fiber::yield();
        trace("end " + std::to_string(i));
      });
    }
    fiber::all(fns);
  });
  EXPECT_EQ(trace.str(), "start 0\nstart 1\nstart 2\nend 0\nend 1\nend 2");
}

// first() returns whichever finishes first; the other is cancelled.
TEST_P(Fiber, FirstReturnsTheWinner) {
  run([](Env&) {
    auto never = []() -> std::string { fiber::await_cancel(); };
    EXPECT_EQ(fiber::first([] { return std::string("a"); }, never), "a");
  });
  run([](Env&) {
    auto never = []() -> std::string { fiber::await_cancel(); };
    EXPECT_EQ(fiber::first(never, [] { return std::string("b"); }), "b");
  });
  run([](Env&) {
    // Both could return at once: the first, which starts first, wins.
    EXPECT_EQ(fiber::first([] { return 1; }, [] { return 2; }), 1);
  });
}

TEST_P(Fiber, FirstLoserIsCancelledAndAwaited) {
  Trace trace;
  run([&](Env&) {
    int r = fiber::first(
        [&]() -> int {
          try {
            fiber::await_cancel();
          } catch (const Cancelled&) {
            trace("loser cancelled");
            throw;
          }
        },
        [&] {
          fiber::yield();
          trace("winner returns");
          return 7;
        });
    trace("first returned " + std::to_string(r));
  });
  EXPECT_EQ(trace.str(), "winner returns\nloser cancelled\nfirst returned 7");
}

// A loser that fails for real (not with the cancellation) makes first() fail.
TEST_P(Fiber, FirstReportsALosersRealError) {
  Trace trace;
  run([&](Env&) {
    try {
      fiber::first(
          [&]() -> int {
            try {
              fiber::await_cancel();
            } catch (const Cancelled&) {
              throw Failed(3);
            }
          },
          [] { return 1; });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "Failed 3");
}

TEST_P(Fiber, AnyOfThreeReturnsTheFirstToFinish) {
  run([](Env&) {
    auto after_yield = [](int i) {
      return [i] {
        fiber::yield();
        return i;
      };
    };
    EXPECT_EQ(fiber::any(after_yield(0), after_yield(1), after_yield(2)), 0);
    std::vector<std::function<int()>> fns{after_yield(5), after_yield(6)};
    EXPECT_EQ(fiber::any(fns), 5);
  });
}

TEST_P(Fiber, AwaitCancelThrowsOnceCancelled) {
  Trace trace;
  run([&](Env&) {
    cancel::sub([&](cancel::Context& cc) {
      try {
        fiber::both([&] { fiber::await_cancel(); },
                    [&] { cc.cancel(std::make_exception_ptr(Failed(0))); });
      } catch (const Cancelled& c) {
        trace("cancelled because " + what(c.reason()));
      }
    });
  });
  EXPECT_EQ(trace.str(), "cancelled because Failed 0");
}

// A daemon is cancelled once the switch's other fibers are done; that is not an error.
TEST_P(Fiber, DaemonIsCancelledWhenOthersFinish) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      fiber::fork_daemon(sw, [&] {
        try {
          for (;;) fiber::yield();
        } catch (const Cancelled&) {
          trace("daemon cancelled");
          throw;
        }
      });
      fiber::yield();
      trace("main done");
    });
    trace("switch finished");
  });
  EXPECT_EQ(trace.str(), "main done\ndaemon cancelled\nswitch finished");
}

TEST_P(Fiber, DaemonRealErrorFailsTheSwitch) {
  Trace trace;
  run([&](Env&) {
    try {
      Switch::run([&](Switch& sw) {
        fiber::fork_daemon(sw, [] {
          fiber::yield();
          throw Failed(4);
        });
        fiber::await_cancel();
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "Failed 4");
}

// fork_promise puts the failure in the promise, not in the switch; it still runs in the
// switch's cancellation context.
TEST_P(Fiber, ForkPromiseDeliversResultOrError) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto ok = fiber::fork_promise(sw, [] {
        fiber::yield();
        return 5;
      });
      auto bad = fiber::fork_promise(sw, []() -> int { throw Failed(5); });
      trace("ok = " + std::to_string(ok.await()));
      try {
        bad.await();
      } catch (const Failed& e) {
        trace(std::string("bad: ") + e.what());
      }
    });
    // Cancellation of the switch reaches the promised fiber even if the caller is protected.
    try {
      Switch::run([&](Switch& sw) {
        auto p = fiber::fork_promise(sw, [] { fiber::await_cancel(); });
        cancel::protect([&] {
          sw.fail(std::make_exception_ptr(Failed(6)));
          try {
            p.await();
          } catch (const Cancelled&) {
            trace("promised fiber cancelled");
          }
        });
      });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "ok = 5\nbad: Failed 5\npromised fiber cancelled\nFailed 6");
}

TEST_P(Fiber, ListMapKeepsOrderAndBoundsConcurrency) {
  run([](Env&) {
    int running = 0, peak = 0;
    std::vector<int> in{1, 2, 3, 4, 5};
    auto out = fiber::list::map(in,
                                [&](int x) {
                                  peak = std::max(peak, ++running);
                                  fiber::yield();
                                  --running;
                                  return x * 10;
                                },
                                {.max_fibers = 2});
    EXPECT_EQ(out, (std::vector<int>{10, 20, 30, 40, 50}));
    EXPECT_EQ(peak, 2);
    auto evens = fiber::list::filter(in, [](int x) { return x % 2 == 0; });
    EXPECT_EQ(evens, (std::vector<int>{2, 4}));
  });
}

// A failing element cancels the ones in flight; the rest never start.
TEST_P(Fiber, ListIterFailureCancelsTheRest) {
  Trace trace;
  run([&](Env&) {
    try {
      fiber::list::iter(std::vector<int>{1, 2, 3, 4, 5},
                        [&](int x) {
                          trace("start " + std::to_string(x));
                          if (x == 3) throw Failed(3);
                          try {
                            fiber::yield();
                          } catch (const Cancelled&) {
                            trace("cancel " + std::to_string(x));
                            throw;
                          }
                          trace("finish " + std::to_string(x));
                        },
                        {.max_fibers = 3});
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "start 1\nstart 2\nstart 3\ncancel 1\ncancel 2\nFailed 3");
}

TEST_P(Fiber, ListOperationsRejectZeroFibers) {
  run([](Env&) {
    EXPECT_THROW(fiber::list::iter(std::vector<int>{1}, [](int) {}, {.max_fibers = 0}),
                 std::invalid_argument);
  });
}

// Fiber-local bindings nest, are inherited by forked fibers, and can be removed.
TEST_P(Fiber, FiberLocalBindings) {
  static fiber::Key<int> key;
  Trace trace;
  auto show = [&] {
    auto v = fiber::get(key);
    trace(v ? std::to_string(*v) : "unset");
  };
  run([&](Env&) {
    show();
    fiber::with_binding(key, 123, [&] {
      show();
      fiber::with_binding(key, 456, show);
      show();
      fiber::without_binding(key, show);
      Switch::run([&](Switch& sw) {
        fiber::fork(sw, [&] {
          fiber::yield();
          show();  // still bound, though the parent has moved on
        });
      });
    });
    show();
  });
  EXPECT_EQ(trace.str(), "unset\n123\n456\n123\nunset\n123\nunset");
}

// Each fiber keeps its own exception state: two fibers blocked inside catch blocks each
// rethrow their own exception, and uncaught_exceptions() is per fiber.
TEST_P(Fiber, ExceptionStateSurvivesSwitches) {
  Trace trace;
  run([&](Env&) {
    auto catcher = [&](const char* name) {
      return [&trace, name] {
        try {
          throw std::runtime_error(name);
        } catch (...) {
          auto caught = std::current_exception();
          fiber::yield();
          fiber::yield();
          EXPECT_EQ(std::current_exception(), caught);
          try {
            throw;
          } catch (const std::runtime_error& e) {
            trace(std::string("rethrew ") + e.what());
          }
        }
      };
    };
    auto unwinder = [&] {
      struct Blocks_in_destructor {
        Trace& trace;
        ~Blocks_in_destructor() {
          fiber::yield();
          trace("unwinding sees " + std::to_string(std::uncaught_exceptions()));
        }
      };
      try {
        Blocks_in_destructor d{trace};
        throw Failed(0);
      } catch (const Failed&) {
      }
    };
    auto observer = [&] {
      fiber::yield();
      trace("observer sees " + std::to_string(std::uncaught_exceptions()));
    };
    fiber::all(catcher("A"), catcher("B"), unwinder, observer);
  });
  EXPECT_EQ(trace.str(), "unwinding sees 1\nobserver sees 0\nrethrew A\nrethrew B");
}

// A fiber spinning on yield() cannot starve a timer: the scheduler polls timers every
// few dozen switches. (A real timer is the point here; the mock clock has no heap.)
TEST_P(Fiber, YieldLoopDoesNotStarveTimer) {
  run([](Env& env) {
    bool fired = false;
    long spins = 0;
    fiber::both(
        [&] {
          while (!fired) {
            fiber::yield();
            ++spins;
          }
        },
        [&] {
          auto& clock = env.mono_clock();
          time::sleep_until(clock, clock.now() + 1ms);
          fired = true;
        });
    EXPECT_TRUE(fired);
    EXPECT_GT(spins, 0);
  });
}

}  // namespace
}  // namespace eio::test
