// B4 stream across domains: eio::Stream<int> of capacity 64, the producer in one domain
// (started with env.domain_mgr().run) and the consumer in another (the main domain), 10M
// items. Peers: a bounded queue of capacity 64 built from std::mutex and
// std::condition_variable between two std::threads, and boost::fibers::buffered_channel
// across two threads (capacity 64, holding 63; see stream_bench.cpp). Each thread runs one
// fiber, its main one, with Boost.Fiber's default round_robin scheduler.
//
// Output: ns/item, the median of 5 repetitions. The time includes starting the producer's
// domain or thread (tens of microseconds, against seconds for the items).

#include <array>
#include <boost/fiber/all.hpp>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench_util.hpp"
#include "eio/eio.hpp"

namespace {

constexpr int kItems = 10'000'000;
constexpr int kCapacity = 64;
constexpr std::int64_t kSum = std::int64_t{kItems} * (kItems - 1) / 2;

double eio_cross(eio::Backend backend) {
  return eio::run(
      [](eio::Env& env) {
        eio::Stream<int> s(kCapacity);
        std::int64_t sum = 0;
        double ns = bench::time_ns([&] {
          eio::Switch::run([&](eio::Switch& sw) {
            eio::fiber::fork(sw, [&] {
              env.domain_mgr().run([&] {
                for (int i = 0; i < kItems; ++i) s.add(i);
              });
            });
            for (int i = 0; i < kItems; ++i) sum += s.take();
          });
        });
        if (sum != kSum) throw std::logic_error("bad sum");
        return ns / kItems;
      },
      bench::run_options(backend));
}

// The textbook bounded queue: one mutex, a condition variable for each direction.
class Mutex_queue {
 public:
  void push(int v) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return size_ < kCapacity; });
    buf_[(head_ + size_) % kCapacity] = v;
    ++size_;
    lock.unlock();
    not_empty_.notify_one();
  }
  int pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return size_ > 0; });
    int v = buf_[head_];
    head_ = (head_ + 1) % kCapacity;
    --size_;
    lock.unlock();
    not_full_.notify_one();
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::array<int, kCapacity> buf_{};
  int head_ = 0;
  int size_ = 0;
};

double mutex_queue_cross() {
  Mutex_queue q;
  std::int64_t sum = 0;
  double ns = bench::time_ns([&] {
    std::thread producer([&] {
      for (int i = 0; i < kItems; ++i) q.push(i);
    });
    for (int i = 0; i < kItems; ++i) sum += q.pop();
    producer.join();
  });
  if (sum != kSum) throw std::logic_error("bad sum");
  return ns / kItems;
}

double boost_channel_cross() {
  boost::fibers::buffered_channel<int> ch(kCapacity);
  std::int64_t sum = 0;
  double ns = bench::time_ns([&] {
    std::thread producer([&] {
      for (int i = 0; i < kItems; ++i) ch.push(i);
    });
    for (int i = 0; i < kItems; ++i) sum += ch.value_pop();
    producer.join();
  });
  if (sum != kSum) throw std::logic_error("bad sum");
  return ns / kItems;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Filter run(argc, argv);
  const int n = bench::reps(5);
  const std::string params =
      "capacity=" + std::to_string(kCapacity) + " items=" + std::to_string(kItems);
  for (const auto& impl : bench::eio_impls) {
    if (!run(impl.name)) continue;
    bench::print("B4.stream_cross", impl.name, params,
                 bench::median_of(n, [&] { return eio_cross(impl.backend); }), "ns/item");
  }
  if (run("mutex-condvar")) {
    bench::print("B4.stream_cross", "mutex-condvar", params, bench::median_of(n, mutex_queue_cross),
                 "ns/item");
  }
  if (run("boost-fiber")) {
    bench::print("B4.stream_cross", "boost-fiber", params + " channel_capacity=64",
                 bench::median_of(n, boost_channel_cross), "ns/item");
  }
  return 0;
}
