// Promises: resolving, rejecting, peeking, and awaiting from fibers, other domains and plain
// threads. Scenarios follow Eio's tests/sync.md.

#include <stdexcept>
#include <string>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class PromiseTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(PromiseTest);

struct Failed : std::runtime_error {
  explicit Failed(const std::string& s) : std::runtime_error(s) {}
};

// The state of a promise as Eio's tests print it. Awaiting a resolved promise does not
// block, so it is how we read the error of a broken one (peek only gives values).
std::string state(const Promise<std::string>& p) {
  if (!p.is_resolved()) return "unresolved";
  if (auto v = p.peek()) return "fulfilled:" + *v;
  try {
    p.await();
  } catch (const std::exception& e) {
    return std::string("broken:") + e.what();
  }
  return "impossible";
}

// A fiber waits for a promise; resolving it wakes the fiber, which runs at the next yield.
TEST_P(PromiseTest, AwaitThenResolve) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [p, r] = Promise<std::string>::create();
      trace("initial: " + state(p));
      auto waiter = fiber::fork_promise(sw, [p = p] { return p.await(); });
      r.resolve("ok");
      trace("after resolve: " + state(p));
      trace("waiter before yield: " + state(waiter));
      fiber::yield();
      trace("waiter after yield: " + state(waiter));
      trace("result: " + waiter.await());
    });
  });
  EXPECT_EQ(trace.str(),
            "initial: unresolved\n"
            "after resolve: fulfilled:ok\n"
            "waiter before yield: unresolved\n"
            "waiter after yield: fulfilled:ok\n"
            "result: ok");
}

// Rejecting wakes the waiter with the error; a rejected promise counts as resolved but
// peek() has no value to give.
TEST_P(PromiseTest, AwaitThenReject) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [p, r] = Promise<std::string>::create();
      auto waiter = fiber::fork_promise(sw, [p = p] { return p.await(); });
      r.reject(std::make_exception_ptr(Failed("test")));
      trace("after reject: " + state(p));
      trace(std::string("is_resolved: ") + (p.is_resolved() ? "true" : "false"));
      trace(std::string("peek has value: ") + (p.peek() ? "true" : "false"));
      trace("waiter before yield: " + state(waiter));
      fiber::yield();
      trace("waiter after yield: " + state(waiter));
      try {
        waiter.await();
      } catch (const Failed& e) {
        trace(std::string("result: exception ") + e.what());
      }
    });
  });
  EXPECT_EQ(trace.str(),
            "after reject: broken:test\n"
            "is_resolved: true\n"
            "peek has value: false\n"
            "waiter before yield: unresolved\n"
            "waiter after yield: broken:test\n"
            "result: exception test");
}

// Every awaiter gets the value, each its own copy, in the order they started waiting.
TEST_P(PromiseTest, EveryAwaiterGetsTheValue) {
  Trace trace;
  run([&](Env&) {
    auto [p, r] = Promise<int>::create();
    Switch::run([&](Switch& sw) {
      for (const char* name : {"a", "b", "c"}) {
        fiber::fork(sw, [&trace, p = p, name] {
          trace(std::string(name) + " waits");
          trace(std::string(name) + " got " + std::to_string(p.await()));
        });
      }
      r.resolve(7);
      trace("resolved");
    });
  });
  EXPECT_EQ(trace.str(), "a waits\nb waits\nc waits\nresolved\na got 7\nb got 7\nc got 7");
}

// A promise is resolved once: resolving or rejecting it again throws std::logic_error and
// leaves the first value in place; try_resolve reports the same by returning false.
TEST_P(PromiseTest, ResolveTwiceThrowsLogicError) {
  Trace trace;
  run([&](Env&) {
    auto [p, r] = Promise<int>::create();
    r.resolve(1);
    try {
      r.resolve(2);
    } catch (const std::logic_error& e) {
      trace(std::string("resolve again: ") + e.what());
    }
    try {
      r.reject(std::make_exception_ptr(Failed("late")));
    } catch (const std::logic_error& e) {
      trace(std::string("reject after resolve: ") + e.what());
    }
    trace(std::string("try_resolve: ") + (r.try_resolve(3) ? "true" : "false"));
    trace("value: " + std::to_string(p.await()));
  });
  EXPECT_EQ(trace.str(),
            "resolve again: eio: promise already resolved\n"
            "reject after resolve: eio: promise already resolved\n"
            "try_resolve: false\n"
            "value: 1");
}

// Cancelling one awaiter removes just that awaiter: the promise can still be resolved, and
// other awaiters, old and new, see the value.
TEST_P(PromiseTest, CancelledAwaitLeavesThePromiseUsable) {
  Trace trace;
  run([&](Env&) {
    auto [p, r] = Promise<int>::create();
    Switch::run([&](Switch& sw) {
      fiber::fork(sw, [&trace, p = p] { trace("patient got " + std::to_string(p.await())); });
      cancel::sub([&](cancel::Context& cc) {
        try {
          fiber::both([&] { p.await(); },
                      [&] { cc.cancel(std::make_exception_ptr(Failed("give up"))); });
        } catch (const Cancelled&) {
          trace("impatient cancelled");
        }
      });
      trace(std::string("still unresolved: ") + (p.is_resolved() ? "false" : "true"));
      r.resolve(5);
      trace("late awaiter got " + std::to_string(p.await()));
    });
  });
  EXPECT_EQ(trace.str(),
            "impatient cancelled\n"
            "still unresolved: true\n"
            "late awaiter got 5\n"
            "patient got 5");
}

// Promise<void> carries no value, only the fact of resolution (or an error).
TEST_P(PromiseTest, VoidPromise) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [p, r] = Promise<void>::create();
      fiber::fork(sw, [&trace, p = p] {
        p.await();
        trace("woken");
      });
      trace(std::string("peek before: ") + (p.peek() ? "value" : "nothing"));
      r.resolve();
      trace(std::string("peek after: ") + (p.peek() ? "value" : "nothing"));
    });
    auto [p, r] = Promise<void>::create();
    r.reject(std::make_exception_ptr(Failed("void failure")));
    try {
      p.await();
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "peek before: nothing\npeek after: value\nwoken\nvoid failure");
}

// A fiber in another domain can await a promise resolved here, and a fiber here can await
// one resolved there; the wake-up crosses event loops.
TEST_P(PromiseTest, AwaitFromAnotherDomain) {
  Trace trace;
  run([&](Env& env) {
    auto [to_domain, give] = Promise<int>::create();
    auto [from_domain, reply] = Promise<int>::create();
    fiber::both(
        [&] {
          int got = env.domain_mgr().run([&, to_domain = to_domain] {
            int v = to_domain.await();
            reply.resolve(v * 2);
            return v;
          });
          trace("domain got " + std::to_string(got));
        },
        [&] {
          give.resolve(21);
          trace("main got " + std::to_string(from_domain.await()));
        });
  });
  EXPECT_EQ(trace.str(), "main got 42\ndomain got 21");
}

// A plain thread (not running eio) awaits a promise a fiber resolves, blocking the thread;
// and a fiber awaits one the thread resolves, suspending only the fiber.
TEST_P(PromiseTest, AwaitFromPlainThread) {
  Trace trace;
  run([&](Env&) {
    auto [request, ask] = Promise<std::string>::create();
    auto [response, answer] = Promise<std::string>::create();
    Plain_thread thread([&, request = request, answer = std::move(answer)]() mutable {
      answer.resolve("thread saw " + request.await());
    });
    ask.resolve("hello");
    trace(response.await());
    thread.join();
  });
  EXPECT_EQ(trace.str(), "thread saw hello");
}

}  // namespace
}  // namespace eio::test
