// Several cores: a computation in a new domain, and a pool of worker domains taking jobs.

#include <cstdio>
#include <numeric>
#include <vector>

#include "eio/eio.hpp"

long count_primes(long from, long to) {
  long n = 0;
  for (long x = std::max(from, 2L); x < to; ++x) {
    bool prime = true;
    for (long d = 2; d * d <= x && prime; ++d) prime = x % d != 0;
    n += prime;
  }
  return n;
}

int main() {
  return eio::run([](eio::Env& env) {
    // One job in its own domain; only this fiber waits.
    long below_10k = env.domain_mgr().run([] { return count_primes(0, 10'000); });

    // A pool of two worker domains; four jobs run two at a time.
    long total = 0;
    eio::Switch::run([&](eio::Switch& sw) {
      eio::Executor_pool pool(sw, env.domain_mgr(), 2);
      std::vector<eio::Promise<long>> parts;
      for (long i = 0; i < 4; ++i) {
        parts.push_back(
            pool.submit_fork(sw, [i] { return count_primes(i * 25'000, (i + 1) * 25'000); }));
      }
      for (auto& p : parts) total += p.await();
    });
    std::printf("primes below 10000: %ld, below 100000: %ld\n", below_10k, total);
    return below_10k == 1229 && total == 9592 ? 0 : 1;
  });
}
