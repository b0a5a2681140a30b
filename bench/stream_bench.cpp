// B3 stream: eio::Stream<int> between a producer and a consumer fiber of one domain,
// capacity 1 and 64, 10M items. Peer: boost::fibers::buffered_channel<int> between two
// fibers of one thread. A buffered_channel's capacity must be a power of two >= 2 and it
// holds one item less, so capacity 1 is compared with buffered_channel(2) (holds 1) and 64
// with buffered_channel(64) (holds 63); the line gives it as channel_capacity.
//
// Output: ns/item, the median of 5 repetitions.

#include <boost/fiber/all.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "bench_util.hpp"
#include "eio/eio.hpp"

namespace {

constexpr int kItems = 10'000'000;

double eio_stream(eio::Backend backend, std::ptrdiff_t capacity) {
  return eio::run(
      [capacity](eio::Env&) {
        eio::Stream<int> s(capacity);
        std::int64_t sum = 0;
        double ns = bench::time_ns([&] {
          eio::Switch::run([&](eio::Switch& sw) {
            eio::fiber::fork(sw, [&] {
              for (int i = 0; i < kItems; ++i) s.add(i);
            });
            eio::fiber::fork(sw, [&] {
              for (int i = 0; i < kItems; ++i) sum += s.take();
            });
          });
        });
        if (sum != std::int64_t{kItems} * (kItems - 1) / 2) throw std::logic_error("bad sum");
        return ns / kItems;
      },
      bench::run_options(backend));
}

double boost_channel(std::size_t channel_capacity) {
  boost::fibers::buffered_channel<int> ch(channel_capacity);
  std::int64_t sum = 0;
  double ns = bench::time_ns([&] {
    boost::fibers::fiber producer([&] {
      for (int i = 0; i < kItems; ++i) ch.push(i);
    });
    boost::fibers::fiber consumer([&] {
      for (int i = 0; i < kItems; ++i) sum += ch.value_pop();
    });
    producer.join();
    consumer.join();
  });
  if (sum != std::int64_t{kItems} * (kItems - 1) / 2) throw std::logic_error("bad sum");
  return ns / kItems;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Filter run(argc, argv);
  const int n = bench::reps(5);
  struct Case {
    std::ptrdiff_t capacity;
    std::size_t channel_capacity;
  };
  for (Case c : {Case{1, 2}, Case{64, 64}}) {
    const std::string params =
        "capacity=" + std::to_string(c.capacity) + " items=" + std::to_string(kItems);
    for (const auto& impl : bench::eio_impls) {
      if (!run(impl.name)) continue;
      bench::print("B3.stream", impl.name, params,
                   bench::median_of(n, [&] { return eio_stream(impl.backend, c.capacity); }),
                   "ns/item");
    }
    if (run("boost-fiber")) {
      bench::print("B3.stream", "boost-fiber",
                   params + " channel_capacity=" + std::to_string(c.channel_capacity),
                   bench::median_of(n, [&] { return boost_channel(c.channel_capacity); }),
                   "ns/item");
    }
  }
  return 0;
}
