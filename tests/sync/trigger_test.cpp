// Triggers: the one-shot wait/wake primitive, used by fibers, by plain threads that are not
// running eio, and by other libraries' data structures to wake eio fibers.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class TriggerTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(TriggerTest);

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// A signal that comes first is remembered: await then returns at once.
TEST_P(TriggerTest, SignalBeforeAwaitReturnsAtOnce) {
  Trace trace;
  run([&](Env&) {
    Trigger t;
    t.signal();
    t.signal();  // idempotent
    trace(std::string("signalled: ") + (t.is_signalled() ? "true" : "false"));
    t.await();
    trace("await returned");
  });
  EXPECT_EQ(trace.str(), "signalled: true\nawait returned");
}

// A fiber awaiting a trigger is suspended until another fiber signals it.
TEST_P(TriggerTest, SignalWakesAnAwaitingFiber) {
  Trace trace;
  run([&](Env&) {
    Trigger t;
    fiber::both(
        [&] {
          trace("awaiting");
          t.await();
          trace("woken");
        },
        [&] {
          trace("signalling");
          t.signal();
          trace("signalled");
        });
  });
  EXPECT_EQ(trace.str(), "awaiting\nsignalling\nsignalled\nwoken");
}

// await is a cancellation point: cancelling the awaiting fiber makes it throw Cancelled,
// and the signal that comes later finds nobody to wake and does no harm.
TEST_P(TriggerTest, CancelledAwaitThrowsAndLaterSignalIsHarmless) {
  Trace trace;
  run([&](Env&) {
    Trigger t;
    cancel::sub([&](cancel::Context& cc) {
      try {
        fiber::both(
            [&] {
              trace("awaiting");
              t.await();
              trace("woken!");
            },
            [&] { cc.cancel(std::make_exception_ptr(Stop())); });
      } catch (const Cancelled& c) {
        trace("await: Cancelled (" + what(c.reason()) + ")");
      }
    });
    t.signal();
    fiber::yield();
    trace("signal after cancellation did nothing");
  });
  EXPECT_EQ(trace.str(),
            "awaiting\nawait: Cancelled (stop)\nsignal after cancellation did nothing");
}

// In a context that is already cancelled, await throws at once.
TEST_P(TriggerTest, AwaitInCancelledContextThrowsAtOnce) {
  Trace trace;
  run([&](Env&) {
    Trigger t;
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      try {
        t.await();
      } catch (const Cancelled&) {
        trace("Cancelled");
      }
    });
  });
  EXPECT_EQ(trace.str(), "Cancelled");
}

// A fiber in another domain signals a trigger awaited here.
TEST_P(TriggerTest, SignalFromAnotherDomain) {
  Trace trace;
  run([&](Env& env) {
    Trigger t;
    fiber::both(
        [&] {
          t.await();
          trace("woken by the other domain");
        },
        [&] { env.domain_mgr().run([&] { t.signal(); }); });
  });
  EXPECT_EQ(trace.str(), "woken by the other domain");
}

// A plain thread (one not running eio) blocks in Stream::take and Promise::await, which
// block the thread instead of a fiber, until a fiber adds or resolves. The requests and
// replies ping-pong over two rendezvous streams, so the thread is left waiting in take()
// while the fiber handles each reply.
TEST_P(TriggerTest, ThreadBlocksOnStream) {
  Trace trace;
  run([&](Env&) {
    Stream<int> requests(0);
    Stream<int> replies(0);
    auto [go, start] = Promise<std::string>::create();
    auto [done, finish] = Promise<std::string>::create();
    Plain_thread thread([&, go = go, finish = std::move(finish)]() mutable {
      for (int n; (n = requests.take()) != 0;) replies.add(n * 2);
      finish.resolve("thread then got " + go.await());
    });
    int sum = 0;
    for (int i = 1; i <= 100; ++i) {
      requests.add(i);
      sum += replies.take();
    }
    requests.add(0);
    trace("replies sum to " + std::to_string(sum));
    start.resolve("the promise");
    trace(done.await());
    thread.join();
  });
  EXPECT_EQ(trace.str(), "replies sum to 10100\nthread then got the promise");
}

// A queue that knows nothing of eio beyond Trigger, as another library would write it: a
// consumer with nothing to take parks a Trigger in the queue and awaits it; a producer
// signals the parked Trigger after pushing. Signalling under the queue's lock keeps the
// Trigger alive until signal() returns, since the consumer must take that lock to leave.
class Foreign_queue {
 public:
  void push(int v) {
    std::unique_lock lock(mutex_);
    // For a deterministic test: push only once a consumer is parked.
    parked_changed_.wait(lock, [&] { return parked_ != nullptr; });
    items_.push_back(v);
    std::exchange(parked_, nullptr)->signal();
  }

  int pop() {
    for (;;) {
      Trigger ready;
      {
        std::scoped_lock lock(mutex_);
        if (!items_.empty()) {
          int v = items_.front();
          items_.pop_front();
          return v;
        }
        parked_ = &ready;
      }
      parked_changed_.notify_one();
      ready.await_uncancellable();    // a real queue would unpark itself if cancelled
      std::scoped_lock lock(mutex_);  // wait for the signaller to be done with `ready`
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable parked_changed_;
  std::deque<int> items_;
  Trigger* parked_ = nullptr;
};

// A fiber pops from the foreign queue three times; each time it parks its Trigger and is
// woken by a plain thread's push.
TEST_P(TriggerTest, ForeignQueueWakesFiberViaTrigger) {
  Trace trace;
  run([&](Env&) {
    Foreign_queue q;
    Plain_thread producer([&] {
      for (int i = 1; i <= 3; ++i) q.push(i * 10);
    });
    for (int i = 0; i < 3; ++i) trace("popped " + std::to_string(q.pop()));
    producer.join();
  });
  EXPECT_EQ(trace.str(), "popped 10\npopped 20\npopped 30");
}

}  // namespace
}  // namespace eio::test
