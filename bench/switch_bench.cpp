// B1 switch: two fibers ping-pong with eio::fiber::yield; every yield is one switch from
// one fiber to the other. Peers: the floor, a raw boost::context::fiber resume loop between
// two contexts (each resume is one switch), and Boost.Fiber's this_fiber::yield() between
// two fibers.
//
// Output: ns/switch, the median of 5 repetitions of 10M switches each.

#include <boost/fiber/all.hpp>
#include <cstdint>
#include <string>

#include "bench_util.hpp"
#include "eio/eio.hpp"
#include "raw_switch.hpp"

namespace {

constexpr std::int64_t kSwitches = 10'000'000;

// Two fibers yielding kSwitches / 2 times each: kSwitches switches in all.
double eio_switch(eio::Backend backend) {
  return eio::run(
      [](eio::Env&) {
        auto pinger = [] {
          for (std::int64_t i = 0; i < kSwitches / 2; ++i) eio::fiber::yield();
        };
        double ns = bench::time_ns([&] {
          eio::Switch::run([&](eio::Switch& sw) {
            eio::fiber::fork(sw, pinger);
            eio::fiber::fork(sw, pinger);
          });
        });
        return ns / kSwitches;
      },
      bench::run_options(backend));
}

double raw_context_switch() {
  return bench::raw_context_switch_ns(kSwitches);
}

double boost_fiber_switch() {
  auto pinger = [] {
    for (std::int64_t i = 0; i < kSwitches / 2; ++i) boost::this_fiber::yield();
  };
  return bench::time_ns([&] {
           boost::fibers::fiber a(pinger);
           boost::fibers::fiber b(pinger);
           a.join();
           b.join();
         }) /
         kSwitches;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Filter run(argc, argv);
  const int n = bench::reps(5);
  const std::string params = "switches=" + std::to_string(kSwitches);
  for (const auto& impl : bench::eio_impls) {
    if (!run(impl.name)) continue;
    bench::print("B1.switch", impl.name, params,
                 bench::median_of(n, [&] { return eio_switch(impl.backend); }), "ns/switch");
  }
  if (run("boost-context")) {
    bench::print("B1.switch", "boost-context", params, bench::median_of(n, raw_context_switch),
                 "ns/switch");
  }
  if (run("boost-fiber")) {
    bench::print("B1.switch", "boost-fiber", params, bench::median_of(n, boost_fiber_switch),
                 "ns/switch");
  }
  return 0;
}
