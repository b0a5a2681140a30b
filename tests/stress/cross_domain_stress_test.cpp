// Brute-force races for the cross-domain sync types: Stream, Promise, Mutex, Semaphore and
// Lazy hammered at once from the main domain, two more domains and two plain threads (which
// block the thread rather than a fiber). Counts are bounded so that a run takes seconds
// under ThreadSanitizer, which is where these tests earn their keep: every hand-over must
// also be a happens-before edge.

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/eio_test.hpp"
#include "sync/plain_thread.hpp"

namespace eio::test {
namespace {

class CrossDomainStress : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(CrossDomainStress);

// Where a piece of work runs.
enum Side { main_fiber, domain_1, domain_2, thread_1, thread_2 };
constexpr int kSides = 5;

bool is_fiber(int side) {
  return side == main_fiber || side == domain_1 || side == domain_2;
}

// Runs fn(side) for every side at once: in the calling fiber, in two new domains and in
// two plain threads. Returns when all have finished.
void on_every_side(Env& env, const std::function<void(int)>& fn) {
  Plain_thread t1([&] { fn(thread_1); });
  Plain_thread t2([&] { fn(thread_2); });
  fiber::all([&] { env.domain_mgr().run([&] { fn(domain_1); }); },
             [&] { env.domain_mgr().run([&] { fn(domain_2); }); }, [&] { fn(main_fiber); });
  t1.join();
  t2.join();
}

// Runs `n` copies of fn(i) as fibers (on a fiber side) or one after the other (on a thread,
// which has no fibers).
void times(int side, int n, const std::function<void(int)>& fn) {
  if (!is_fiber(side)) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  Switch::run([&](Switch& sw) {
    for (int i = 0; i < n; ++i) fiber::fork(sw, [&fn, i] { fn(i); });
  });
}

// Producers in domain 1 (two fibers) and thread 1 add numbered items to a small stream;
// consumers in domain 2 (two fibers), thread 2 and the main fiber take them. The last
// producer to finish adds one end marker per consumer. Every item must arrive exactly once,
// and each consumer must see each producer's items in the order they were added.
TEST_P(CrossDomainStress, StreamDeliversEveryItemExactlyOnce) {
  constexpr int kPerProducer = 3000, kProducers = 3, kConsumers = 4, kEnd = -1;
  Trace trace;
  run([&](Env& env) {
    Stream<int> s(4);
    std::atomic<int> producers_left{kProducers};
    std::vector<std::vector<int>> got(kConsumers);
    auto produce = [&](int producer) {
      for (int i = 0; i < kPerProducer; ++i) s.add(producer * kPerProducer + i);
      if (producers_left.fetch_sub(1) == 1) {
        for (int c = 0; c < kConsumers; ++c) s.add(kEnd);
      }
    };
    auto consume = [&](int consumer) {
      for (int v; (v = s.take()) != kEnd;) got[consumer].push_back(v);
    };
    on_every_side(env, [&](int side) {
      switch (side) {
        case domain_1:
          times(side, 2, [&](int i) { produce(i); });
          break;
        case thread_1:
          produce(2);
          break;
        case domain_2:
          times(side, 2, [&](int i) { consume(i); });
          break;
        case thread_2:
          consume(2);
          break;
        case main_fiber:
          consume(3);
          break;
      }
    });
    std::vector<int> seen(kProducers * kPerProducer, 0);
    int out_of_order = 0, strays = 0;
    for (const auto& items : got) {
      std::vector<int> last(kProducers, -1);
      for (int v : items) {
        if (v < 0 || v >= kProducers * kPerProducer) {
          ++strays;
          continue;
        }
        ++seen[v];
        if (v <= last[v / kPerProducer]) ++out_of_order;
        last[v / kPerProducer] = v;
      }
    }
    auto once = std::count(seen.begin(), seen.end(), 1);
    trace(std::to_string(once) + " of " + std::to_string(seen.size()) + " items seen once");
    trace(std::to_string(out_of_order) + " out of order, " + std::to_string(strays) + " strays, " +
          std::to_string(s.length()) + " left");
  });
  EXPECT_EQ(trace.str(), "9000 of 9000 items seen once\n0 out of order, 0 strays, 0 left");
}

// A value relayed around a ring of promises, main fiber -> domain 1 -> thread 1 ->
// domain 2 -> thread 2 -> main fiber, each hop adding one: every wake-up crosses a domain
// or thread boundary.
TEST_P(CrossDomainStress, PromiseRelayAroundDomainsAndThreads) {
  constexpr int kRounds = 300;
  Trace trace;
  run([&](Env& env) {
    // hop[k][r]: round r's promise from the k-th participant of the ring to the next.
    std::vector<std::vector<std::pair<Promise<int>, Resolver<int>>>> hop(kSides);
    for (auto& h : hop) {
      for (int r = 0; r < kRounds; ++r) h.push_back(Promise<int>::create());
    }
    constexpr int kRing[kSides] = {main_fiber, domain_1, thread_1, domain_2, thread_2};
    int wrong = 0;
    on_every_side(env, [&](int side) {
      int k = static_cast<int>(std::find(kRing, kRing + kSides, side) - kRing);
      for (int r = 0; r < kRounds; ++r) {
        if (k == 0) {
          hop[0][r].second.resolve(r * 10);
          if (hop[kSides - 1][r].first.await() != r * 10 + kSides - 1) ++wrong;
        } else if (k < kSides) {
          hop[k][r].second.resolve(hop[k - 1][r].first.await() + 1);
        }
      }
    });
    trace(std::to_string(kRounds) + " rounds, " + std::to_string(wrong) + " wrong");
  });
  EXPECT_EQ(trace.str(), "300 rounds, 0 wrong");
}

// Many awaiters on every side wait for the same promises, resolved in turn from each side.
TEST_P(CrossDomainStress, PromiseFanOutToEverySide) {
  constexpr int kRounds = 200, kFibersPerDomain = 3;
  Trace trace;
  run([&](Env& env) {
    std::vector<std::pair<Promise<int>, Resolver<int>>> ps;
    for (int r = 0; r < kRounds; ++r) ps.push_back(Promise<int>::create());
    std::atomic<long> sum{0};
    std::atomic<int> awaits{0};
    on_every_side(env, [&](int side) {
      int n = is_fiber(side) ? kFibersPerDomain : 1;
      times(side, n, [&](int i) {
        for (int r = 0; r < kRounds; ++r) {
          if (i == 0 && r % kSides == side) ps[r].second.resolve(r);
          sum += ps[r].first.await();
          ++awaits;
        }
      });
    });
    long per_awaiter = long{kRounds} * (kRounds - 1) / 2;
    int awaiters = 3 * kFibersPerDomain + 2;
    trace(std::to_string(awaits.load()) + " awaits, sum " +
          (sum == per_awaiter * awaiters ? "right" : "wrong"));
  });
  EXPECT_EQ(trace.str(), "2200 awaits, sum right");
}

// Fibers on three domains and two plain threads increment a plain int under one Mutex,
// by lock/unlock, std::scoped_lock and use_rw, fibers sometimes yielding inside. No
// increment may be lost and no two sections may overlap.
TEST_P(CrossDomainStress, MutexLosesNoIncrement) {
  constexpr int kPerWorker = 2000, kFibersPerDomain = 2;
  Trace trace;
  run([&](Env& env) {
    Mutex m;
    long counter = 0;
    std::atomic<int> inside{0}, overlaps{0};
    auto section = [&](bool may_yield, int i) {
      if (inside.fetch_add(1) != 0) ++overlaps;
      ++counter;
      if (may_yield && i % 16 == 0) fiber::yield();
      inside.fetch_sub(1);
    };
    on_every_side(env, [&](int side) {
      bool fibers = is_fiber(side);
      times(side, fibers ? kFibersPerDomain : 1, [&](int worker) {
        for (int i = 0; i < kPerWorker; ++i) {
          switch ((i + worker) % 3) {
            case 0:
              m.lock();
              section(fibers, i);
              m.unlock();
              break;
            case 1: {
              std::scoped_lock lock(m);
              section(fibers, i);
              break;
            }
            default:
              m.use_rw([&] { section(fibers, i); });
          }
        }
      });
    });
    trace("counter " + std::to_string(counter) + ", overlaps " + std::to_string(overlaps));
  });
  EXPECT_EQ(trace.str(), "counter 16000, overlaps 0");
}

// Everyone competes for two permits: never more than two holders, and every permit comes
// back.
TEST_P(CrossDomainStress, SemaphoreNeverExceedsItsPermits) {
  constexpr int kPerWorker = 2000, kFibersPerDomain = 2;
  Trace trace;
  run([&](Env& env) {
    Semaphore s(2);
    std::atomic<int> holders{0}, too_many{0}, acquisitions{0};
    on_every_side(env, [&](int side) {
      bool fibers = is_fiber(side);
      times(side, fibers ? kFibersPerDomain : 1, [&](int) {
        for (int i = 0; i < kPerWorker; ++i) {
          s.acquire();
          if (holders.fetch_add(1) >= 2) ++too_many;
          ++acquisitions;
          if (fibers && i % 8 == 0) fiber::yield();
          holders.fetch_sub(1);
          s.release();
        }
      });
    });
    trace(std::to_string(acquisitions.load()) + " acquisitions, " +
          std::to_string(too_many.load()) + " over the limit, value " +
          std::to_string(s.get_value()));
  });
  EXPECT_EQ(trace.str(), "16000 acquisitions, 0 over the limit, value 2");
}

// Every side forces the same lazy values at once: each is computed exactly once, and every
// forcer gets its value.
TEST_P(CrossDomainStress, LazyIsComputedOnceAcrossDomains) {
  constexpr int kValues = 1000;
  Trace trace;
  run([&](Env& env) {
    std::atomic<int> computations{0};
    std::vector<std::unique_ptr<Lazy<int>>> lazies;
    for (int i = 0; i < kValues; ++i) {
      lazies.push_back(std::make_unique<Lazy<int>>([&computations, i] {
        ++computations;
        return i * 2;
      }));
    }
    std::atomic<int> wrong{0};
    on_every_side(env, [&](int side) {
      times(side, is_fiber(side) ? 2 : 1, [&](int) {
        for (int i = 0; i < kValues; ++i) {
          if (lazies[i]->force() != i * 2) ++wrong;
        }
      });
    });
    trace(std::to_string(computations.load()) + " computations, " + std::to_string(wrong.load()) +
          " wrong values");
  });
  EXPECT_EQ(trace.str(), "1000 computations, 0 wrong values");
}

}  // namespace
}  // namespace eio::test
