// Domains: running a function in a new domain (an OS thread with its own scheduler),
// results and errors coming back, cancellation crossing over, and what is not shared.
// Scenarios follow Eio's tests/domains.md. A Trace is not thread-safe: every scenario
// orders its lines so that each one happens after the previous (a domain's result or a
// Promise carries the happens-before edge).

#include <functional>
#include <future>
#include <latch>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Domains : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Domains);

struct Failed : std::runtime_error {
  explicit Failed(const std::string& what) : std::runtime_error(what) {}
};

// run() hands back what the function in the new domain returned.
TEST_P(Domains, RunReturnsTheValue) {
  Trace trace;
  run([&](Env& env) {
    std::string response = env.domain_mgr().run([] { return std::string("hello from a domain"); });
    trace("got \"" + response + "\"");
    auto here = std::this_thread::get_id();
    bool elsewhere = env.domain_mgr().run([&] { return std::this_thread::get_id() != here; });
    trace(std::string("ran on another thread: ") + (elsewhere ? "yes" : "no"));
  });
  EXPECT_EQ(trace.str(), "got \"hello from a domain\"\nran on another thread: yes");
}

// An exception thrown in the new domain is rethrown by run(), with its own type.
TEST_P(Domains, RunRethrowsTheException) {
  Trace trace;
  run([&](Env& env) {
    try {
      env.domain_mgr().run([]() -> int { throw Failed("failure in the new domain"); });
    } catch (const Failed& e) {
      trace(std::string("Failed: ") + e.what());
    }
    try {
      env.domain_mgr().run([] { throw std::out_of_range("index 7"); });
    } catch (const std::out_of_range& e) {
      trace(std::string("out_of_range: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(), "Failed: failure in the new domain\nout_of_range: index 7");
}

// run() blocks only the calling fiber: here the new domain cannot finish until another
// fiber of the parent domain lets it.
TEST_P(Domains, OtherFibersRunWhileWaitingForADomain) {
  Trace trace;
  run([&](Env& env) {
    std::promise<void> go;
    std::future<void> go_seen = go.get_future();
    fiber::both(
        [&] {
          trace("starting a domain");
          auto response = env.domain_mgr().run([&] {
            go_seen.wait();  // blocks this domain's thread, not the parent's
            return std::string("hello");
          });
          trace("got \"" + response + "\"");
        },
        [&] {
          trace("other fibers still run");
          go.set_value();
        });
  });
  EXPECT_EQ(trace.str(), "starting a domain\nother fibers still run\ngot \"hello\"");
}

// Several domains run at once: each waits at a latch that only opens once all have
// arrived.
TEST_P(Domains, DomainsRunInParallel) {
  Trace trace;
  run([&](Env& env) {
    std::latch all_running(3);
    std::vector<std::function<int()>> jobs;
    for (int i = 1; i <= 3; ++i) {
      jobs.emplace_back([&, i] {
        return env.domain_mgr().run([&, i] {
          all_running.arrive_and_wait();
          return i * 10;
        });
      });
    }
    auto results = fiber::list::map(jobs, [](const std::function<int()>& job) { return job(); });
    for (int r : results) trace(std::to_string(r));
  });
  EXPECT_EQ(trace.str(), "10\n20\n30");
}

// A new domain may start domains of its own.
TEST_P(Domains, DomainStartsAnotherDomain) {
  Trace trace;
  run([&](Env& env) {
    int v = env.domain_mgr().run([&] { return env.domain_mgr().run([] { return 7; }) * 6; });
    trace("nested result: " + std::to_string(v));
  });
  EXPECT_EQ(trace.str(), "nested result: 42");
}

// Cancelling the caller cancels the function in the other domain: when a sibling fiber
// fails, the new domain's await_cancel() raises Cancelled, the caller sees Cancelled, and
// the sibling's error is what comes out.
TEST_P(Domains, CancellationCrossesDomains) {
  Trace trace;
  run([&](Env& env) {
    try {
      fiber::both(
          [&] {
            try {
              env.domain_mgr().run([&] {
                try {
                  fiber::await_cancel();
                } catch (const Cancelled& c) {
                  trace("new domain got Cancelled: " + what(c.reason()));
                  throw;
                }
              });
            } catch (const Cancelled& c) {
              trace("calling fiber got Cancelled: " + what(c.reason()));
              throw;
            }
          },
          [&] { throw Failed("simulated error"); });
    } catch (const Failed& e) {
      trace(std::string("both raised: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(),
            "new domain got Cancelled: simulated error\n"
            "calling fiber got Cancelled: simulated error\n"
            "both raised: simulated error");
}

// A caller that is already cancelled starts no domain: run() throws Cancelled at once.
TEST_P(Domains, CancelledCallerStartsNoDomain) {
  Trace trace;
  run([&](Env& env) {
    try {
      Switch::run([&](Switch& sw) {
        sw.fail(std::make_exception_ptr(Failed("simulated error")));
        try {
          env.domain_mgr().run([&] { trace("domain started?!"); });
        } catch (const Cancelled&) {
          trace("run: Cancelled");
          throw;
        }
      });
    } catch (const Failed& e) {
      trace(std::string("switch: ") + e.what());
    }
  });
  EXPECT_EQ(trace.str(), "run: Cancelled\nswitch: simulated error");
}

// Fiber-local bindings are inherited by forked fibers but not by another domain (their
// values need not be thread-safe).
TEST_P(Domains, FiberLocalBindingsStayInTheirDomain) {
  Trace trace;
  static fiber::Key<int> key;
  auto show = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("<unset>"); };
  run([&](Env& env) {
    fiber::with_binding(key, 123, [&] {
      Switch::run([&](Switch& sw) {
        fiber::fork(sw, [&] { trace("forked fiber: " + show(fiber::get(key))); });
      });
      auto there = env.domain_mgr().run([&] { return fiber::get(key); });
      trace("other domain: " + show(there));
    });
  });
  EXPECT_EQ(trace.str(), "forked fiber: 123\nother domain: <unset>");
}

// A Promise resolved in one domain wakes the fiber awaiting it in another, in both
// directions.
TEST_P(Domains, PromiseResolvedInOneDomainWakesFiberInAnother) {
  Trace trace;
  run([&](Env& env) {
    auto [answer, answer_r] = Promise<int>::create();
    auto [thanks, thanks_r] = Promise<std::string>::create();
    fiber::both(
        [&] {
          int v = answer.await();
          trace("parent got " + std::to_string(v) + " from the new domain");
          thanks_r.resolve("thanks");
        },
        [&] {
          auto reply = env.domain_mgr().run([&] {
            answer_r.resolve(42);
            return thanks.await();  // a fiber of the new domain waits for the parent
          });
          trace("new domain got \"" + reply + "\" from the parent");
        });
  });
  EXPECT_EQ(trace.str(),
            "parent got 42 from the new domain\nnew domain got \"thanks\" from the parent");
}

// A Stream carries items between domains, in order, through a rendezvous.
TEST_P(Domains, StreamCarriesItemsBetweenDomains) {
  Trace trace;
  run([&](Env& env) {
    Stream<int> items(0);
    fiber::both(
        [&] {
          env.domain_mgr().run([&] {
            for (int i = 1; i <= 3; ++i) items.add(i);
            items.add(-1);
          });
        },
        [&] {
          for (int v; (v = items.take()) != -1;) trace("took " + std::to_string(v));
        });
  });
  EXPECT_EQ(trace.str(), "took 1\ntook 2\ntook 3");
}

// A new domain runs the same backend as the domain that started it.
TEST_P(Domains, NewDomainUsesTheParentsBackend) {
  Trace trace;
  run([&](Env& env) {
    trace("parent: " + std::string(backend_name()));
    trace("child: " + env.domain_mgr().run([] { return std::string(backend_name()); }));
  });
  std::string name = GetParam() == Backend::uring ? "uring" : "posix";
  EXPECT_EQ(trace.str(), "parent: " + name + "\nchild: " + name);
}

// A cancellation context belongs to its domain: cancelling it from another domain throws
// std::logic_error. (Switches are checked the same way in tests/core/switch_test.cpp.)
TEST_P(Domains, CancelContextFromAnotherDomainIsRejected) {
  Trace trace;
  run([&](Env& env) {
    auto [context, context_r] = Promise<cancel::Context*>::create();
    auto [done, done_r] = Promise<void>::create();
    fiber::both(
        [&] {
          env.domain_mgr().run([&] {
            cancel::sub([&](cancel::Context& cc) {
              context_r.resolve(&cc);
              done.await();
              trace(std::string("new domain's context cancelled: ") +
                    (cc.is_cancelled() ? "yes" : "no"));
            });
          });
        },
        [&] {
          cancel::Context* cc = context.await();
          try {
            cc->cancel(std::make_exception_ptr(Failed("from the parent")));
          } catch (const std::logic_error& e) {
            trace(e.what());
          }
          done_r.resolve();
        });
  });
  EXPECT_EQ(trace.str(),
            "eio: cancellation context accessed from the wrong domain\n"
            "new domain's context cancelled: no");
}

}  // namespace
}  // namespace eio::test
