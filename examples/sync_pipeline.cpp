// A pipeline: a producer, three workers sharing a bounded Stream, and a Mutex-protected
// tally. The Stream's capacity bounds the work in flight; closing is done by sending one
// "stop" item per worker.

#include <cstdio>
#include <optional>

#include "eio/eio.hpp"

int main() {
  return eio::run([](eio::Env&) {
    eio::Stream<std::optional<int>> jobs(4);  // at most 4 queued jobs
    eio::Mutex tally_lock;
    long tally = 0;
    constexpr int kWorkers = 3;

    eio::Switch::run([&](eio::Switch& sw) {
      for (int w = 0; w < kWorkers; ++w) {
        eio::fiber::fork(sw, [&] {
          while (auto job = jobs.take()) {
            eio::fiber::yield();  // pretend to work
            tally_lock.use_rw([&] { tally += *job; });
          }
        });
      }
      for (int i = 1; i <= 100; ++i) jobs.add(i);  // waits while the workers are busy
      for (int w = 0; w < kWorkers; ++w) jobs.add(std::nullopt);
    });

    std::printf("sum of 1..100 computed by %d workers: %ld\n", kWorkers, tally);
    return tally == 5050 ? 0 : 1;
  });
}
