// B8 timers: 100k fibers, each sleeping a random 1-50 ms (fixed seed, so the longest
// sleep is 50 ms) on env.mono_clock(), all forked on one switch. B8.timers is the wall
// time from the first fork until the switch has joined them all, minus the 50 ms of the
// longest sleep: what forking, the timer heap and waking cost on top of sleeping.
// B8.fork_phase, from the same repetitions, is the part of that wall time spent forking
// the 100k fibers (each runs until it starts sleeping), to tell the costs apart.
//
// Output: ms, the median of 5 repetitions in one eio::run.

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"

namespace {

constexpr int kFibers = 100'000;
constexpr int kMaxSleepMs = 50;

std::vector<int> sleep_times() {
  std::mt19937 rng(20240601);  // fixed seed: the same sleeps every run
  std::vector<int> ms(kFibers);
  for (int& m : ms) m = 1 + static_cast<int>(rng() % kMaxSleepMs);
  return ms;
}

struct Timers_result {
  double overhead_ms;
  double fork_phase_ms;
};

Timers_result eio_timers(eio::Backend backend, int reps) {
  const std::vector<int> ms = sleep_times();
  return eio::run(
      [&](eio::Env& env) {
        auto& clock = env.mono_clock();
        std::vector<double> overhead, fork_phase;
        for (int r = 0; r < reps; ++r) {
          auto t0 = bench::Clock::now();
          double forked = 0;
          eio::Switch::run([&](eio::Switch& sw) {
            for (int d : ms) {
              eio::fiber::fork(
                  sw, [&clock, d] { eio::time::sleep(clock, std::chrono::milliseconds(d)); });
            }
            forked = bench::seconds_since(t0);
          });
          overhead.push_back(bench::seconds_since(t0) * 1e3 - kMaxSleepMs);
          fork_phase.push_back(forked * 1e3);
        }
        return Timers_result{bench::median(overhead), bench::median(fork_phase)};
      },
      bench::run_options(backend));
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Filter run(argc, argv);
  const int n = bench::reps(5);
  const std::string params =
      "fibers=" + std::to_string(kFibers) + " sleep=1-" + std::to_string(kMaxSleepMs) + "ms";
  for (const auto& impl : bench::eio_impls) {
    if (!run(impl.name)) continue;
    Timers_result r = eio_timers(impl.backend, n);
    bench::print("B8.timers", impl.name, params, r.overhead_ms, "ms");
    bench::print("B8.fork_phase", impl.name, params, r.fork_phase_ms, "ms");
  }
  return 0;
}
