// Another library's queue blocking eio fibers: Foreign_queue (foreign_queue.hpp) knows
// nothing of eio but eio::Trigger, yet a plain producer thread and consumer fibers on two
// domains share it, each consumer suspending only itself while the queue is empty.
//
// Prints:
//   foreign queue: 1000 items from a plain thread to 4 fibers on 2 domains, sum 499500

#include <atomic>
#include <iostream>
#include <thread>

#include "eio/eio.hpp"
#include "foreign_queue.hpp"

int main() {
  return eio::run([](eio::Env& env) {
    constexpr int kItems = 1000;
    constexpr int kConsumers = 4;
    Foreign_queue<int> queue(16);
    std::atomic<long> sum{0};
    auto consume = [&] {
      for (int v; (v = queue.pop()) >= 0;) sum += v;
    };
    // A thread that is not an eio domain: it spins politely while the queue is full.
    std::thread producer([&] {
      for (int i = 0; i < kItems; ++i) {
        while (!queue.push(i)) std::this_thread::yield();
      }
      for (int i = 0; i < kConsumers; ++i) {
        while (!queue.push(-1)) std::this_thread::yield();
      }
    });
    eio::fiber::all([&] { consume(); }, [&] { consume(); },
                    [&] { env.domain_mgr().run([&] { eio::fiber::both(consume, consume); }); });
    producer.join();
    std::cout << "foreign queue: " << kItems << " items from a plain thread to " << kConsumers
              << " fibers on 2 domains, sum " << sum.load() << "\n";
    return 0;
  });
}
