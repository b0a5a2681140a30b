// Other libraries' blocking (SPEC §12, issue 6 part 4): a queue written without eio in
// mind, using only eio::Trigger, blocks and wakes fibers on several domains and plain
// threads at once (examples/foreign_queue.hpp).

#include <atomic>
#include <thread>
#include <vector>

#include "foreign_queue.hpp"
#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class Foreign : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Foreign);

constexpr int kItems = 20000;
constexpr int kConsumers = 5;  // 2 fibers here, 2 fibers in another domain, 1 plain thread

// Pushes `from`..`to` - 1, retrying while the queue is full with `pause` in between.
template <class Pause>
void produce(Foreign_queue<int>& q, int from, int to, Pause pause) {
  for (int i = from; i < to; ++i) {
    while (!q.push(i)) pause();
  }
}

TEST_P(Foreign, ForeignQueueWakesFibers) {
  Foreign_queue<int> q(64);  // small, so producers also meet a full queue
  std::atomic<long long> sum{0};
  std::atomic<int> count{0};
  auto consume = [&] {
    for (;;) {
      int v = q.pop();
      if (v < 0) return;
      sum += v;
      ++count;
    }
  };
  run([&](Env& env) {
    Plain_thread consumer_thread(consume);
    Plain_thread producer_thread(
        [&] { produce(q, 0, kItems / 2, [] { std::this_thread::yield(); }); });
    Switch::run([&](Switch& sw) {
      fiber::fork(sw, consume);
      fiber::fork(sw, consume);
      fiber::fork(sw, [&] { env.domain_mgr().run([&] { fiber::both(consume, consume); }); });
      fiber::fork(sw, [&] {
        env.domain_mgr().run([&] { produce(q, kItems / 2, kItems, [] { fiber::yield(); }); });
        producer_thread.join();
        for (int i = 0; i < kConsumers; ++i) {
          while (!q.push(-1)) fiber::yield();
        }
      });
    });
    consumer_thread.join();
  });
  EXPECT_EQ(count.load(), kItems);
  EXPECT_EQ(sum.load(), static_cast<long long>(kItems) * (kItems - 1) / 2);
  EXPECT_FALSE(q.try_pop().has_value());
}

TEST_P(Foreign, CancelledConsumerLeavesTheItemToTheNext) {
  Foreign_queue<int> q(8);
  run([&](Env&) {
    int got = -1;
    bool cancelled = false;
    Switch::run([&](Switch& sw) {
      cancel::Context* first = nullptr;
      fiber::fork(sw, [&] {
        try {
          cancel::sub([&](cancel::Context& c) {
            first = &c;
            q.pop();
          });
        } catch (const Cancelled&) {
          cancelled = true;
        }
      });
      fiber::fork(sw, [&] { got = q.pop(); });
      ASSERT_NE(first, nullptr);
      first->cancel(std::make_exception_ptr(std::runtime_error("stop")));
      q.push(7);
    });
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(got, 7);
  });
}

}  // namespace
}  // namespace eio::test
