// Executor_pool: jobs run on worker domains, as many at once as their weights allow;
// results, errors and cancellation travel between the submitter and the job. Scenarios
// follow Eio's tests/executor_pool.md, with jobs that wait for the test to release them
// instead of sleeping on a mock clock.

#include <atomic>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Executor_pool_ : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Executor_pool_);

struct Failed : std::runtime_error {
  explicit Failed(int n) : std::runtime_error("Failed " + std::to_string(n)) {}
};

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// Jobs that hold their place in the pool until the test releases them, counting how many
// run at once.
class Held_jobs {
 public:
  // The body of job `i`, run on a worker: says it started, waits for a release, returns i.
  int run(int i) {
    int now = running_.fetch_add(1) + 1;
    int seen = most_.load();
    while (now > seen && !most_.compare_exchange_weak(seen, now)) {
    }
    started_.add(i);
    release_.take();
    running_.fetch_sub(1);
    return i;
  }
  void await_start() { started_.take(); }
  void release_one() { release_.add(0); }
  int most_at_once() const { return most_.load(); }

 private:
  std::atomic<int> running_{0};
  std::atomic<int> most_{0};
  Stream<int> started_{Stream<int>::unbounded};
  Stream<int> release_{Stream<int>::unbounded};
};

// Submits jobs 1..n_jobs of `weight` from n_jobs fibers to a pool of `n_domains` and lets
// them through: once `expected` jobs run, each release waits for the next job to start.
// If the pool let more than `expected` jobs run, the high-water mark would show it.
void run_held_jobs(Env& env, Trace& trace, int n_domains, double weight, int expected) {
  constexpr int n_jobs = 5;
  Held_jobs jobs;
  int total = 0;
  Switch::run([&](Switch& sw) {
    Executor_pool pool(sw, env.domain_mgr(), n_domains);
    for (int i = 1; i <= n_jobs; ++i) {
      fiber::fork(sw, [&, i] { total += pool.submit([&] { return jobs.run(i); }, {weight}); });
    }
    for (int k = 0; k < expected; ++k) jobs.await_start();
    for (int k = expected; k < n_jobs; ++k) {
      jobs.release_one();
      jobs.await_start();
    }
    for (int k = 0; k < expected; ++k) jobs.release_one();
  });
  trace("most at once: " + std::to_string(jobs.most_at_once()));
  trace("total: " + std::to_string(total));
}

// submit() returns what the job returned, from a worker domain's thread.
TEST_P(Executor_pool_, SubmitReturnsTheJobsValue) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 1);
      trace("int: " + std::to_string(pool.submit([] { return 6 * 7; })));
      trace("string: " + pool.submit([] { return std::string("from a worker"); }));
      auto here = std::this_thread::get_id();
      bool elsewhere = pool.submit([&] { return std::this_thread::get_id() != here; });
      trace(std::string("ran on another thread: ") + (elsewhere ? "yes" : "no"));
      int calls = 0;
      pool.submit([&] { ++calls; });
      trace("void job ran " + std::to_string(calls) + " time");
    });
  });
  EXPECT_EQ(trace.str(),
            "int: 42\nstring: from a worker\nran on another thread: yes\nvoid job ran 1 time");
}

// A job's exception is rethrown by submit() with its own type, and the pool carries on.
TEST_P(Executor_pool_, SubmitRethrowsTheJobsException) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 1);
      try {
        pool.submit([]() -> int { throw Failed(3); });
      } catch (const Failed& e) {
        trace(e.what());
      }
      trace("next job: " + std::to_string(pool.submit([] { return 4; })));
    });
  });
  EXPECT_EQ(trace.str(), "Failed 3\nnext job: 4");
}

// With two domains, jobs of weight 1.0 run two at a time, never more.
TEST_P(Executor_pool_, TwoDomainsRunTwoWholeJobsAtOnce) {
  Trace trace;
  run([&](Env& env) { run_held_jobs(env, trace, 2, 1.0, 2); });
  EXPECT_EQ(trace.str(), "most at once: 2\ntotal: 15");
}

// Jobs of weight 0.5 share a domain two at a time.
TEST_P(Executor_pool_, HalfWeightJobsShareOneDomain) {
  Trace trace;
  run([&](Env& env) { run_held_jobs(env, trace, 1, 0.5, 2); });
  EXPECT_EQ(trace.str(), "most at once: 2\ntotal: 15");
}

// Both at once: two domains, each running two jobs of weight 0.5.
TEST_P(Executor_pool_, TwoDomainsRunFourHalfWeightJobs) {
  Trace trace;
  run([&](Env& env) { run_held_jobs(env, trace, 2, 0.5, 4); });
  EXPECT_EQ(trace.str(), "most at once: 4\ntotal: 15");
}

// A weight outside [0, 1] (NaN too) and a pool without domains are refused with
// std::invalid_argument; the bounds themselves are fine.
TEST_P(Executor_pool_, InvalidArgumentsAreRejected) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      for (int n : {0, -1}) {
        try {
          Executor_pool pool(sw, env.domain_mgr(), n);
          trace("pool of " + std::to_string(n) + " domains created?!");
        } catch (const std::invalid_argument&) {
          trace("pool of " + std::to_string(n) + " domains: invalid_argument");
        }
      }
      Executor_pool pool(sw, env.domain_mgr(), 1);
      const std::pair<const char*, double> weights[] = {
          {"-5", -5.0}, {"1.1", 1.1}, {"NaN", std::numeric_limits<double>::quiet_NaN()}};
      for (auto [name, w] : weights) {
        try {
          pool.submit([&] { trace(std::string("job of weight ") + name + " ran?!"); }, {w});
        } catch (const std::invalid_argument&) {
          trace(std::string("weight ") + name + ": invalid_argument");
        }
      }
      trace("weight 0: " + std::to_string(pool.submit([] { return 1; }, {0.0})));
      trace("weight 1: " + std::to_string(pool.submit([] { return 2; }, {1.0})));
    });
  });
  EXPECT_EQ(trace.str(),
            "pool of 0 domains: invalid_argument\n"
            "pool of -1 domains: invalid_argument\n"
            "weight -5: invalid_argument\n"
            "weight 1.1: invalid_argument\n"
            "weight NaN: invalid_argument\n"
            "weight 0: 1\n"
            "weight 1: 2");
}

// submit_fork() returns a promise at once, even while the only worker is busy; the job
// runs once there is room.
TEST_P(Executor_pool_, SubmitForkReturnsAPromiseAtOnce) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 1);
      auto [started, started_r] = Promise<void>::create();
      auto [gate, open] = Promise<void>::create();
      auto busy = pool.submit_fork(sw, [&] {
        started_r.resolve();
        gate.await();
        return 1;
      });
      started.await();  // the only worker is full now
      auto queued = pool.submit_fork(sw, [] { return 42; });
      trace(std::string("second promise resolved at once: ") +
            (queued.is_resolved() ? "yes" : "no"));
      open.resolve();
      trace("results: " + std::to_string(busy.await()) + ", " + std::to_string(queued.await()));
    });
  });
  EXPECT_EQ(trace.str(), "second promise resolved at once: no\nresults: 1, 42");
}

// Cancelling a submitter cancels its running job, which sees Cancelled (with the
// submitter's reason); submit() then raises Cancelled, and the pool serves the next job.
TEST_P(Executor_pool_, CancellingSubmitterCancelsTheRunningJob) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 1);
      auto [started, started_r] = Promise<void>::create();
      cancel::Context* submitter = nullptr;
      auto finished = fiber::fork_promise(sw, [&] {
        cancel::sub([&](cancel::Context& cc) {
          submitter = &cc;
          try {
            pool.submit([&] {
              started_r.resolve();
              try {
                fiber::await_cancel();
              } catch (const Cancelled& c) {
                trace("job cancelled: " + what(c.reason()));
                throw;
              }
            });
            trace("submit returned?!");
          } catch (const Cancelled&) {
            trace("submit raised Cancelled");
          }
        });
      });
      started.await();
      trace("cancelling the submitter");
      submitter->cancel(std::make_exception_ptr(Stop()));
      finished.await();
      trace("next job: " + std::to_string(pool.submit([] { return 5; })));
    });
  });
  EXPECT_EQ(trace.str(),
            "cancelling the submitter\njob cancelled: stop\nsubmit raised Cancelled\nnext job: 5");
}

// A submitter cancelled while its job still waits for room raises Cancelled, and its job
// never runs.
TEST_P(Executor_pool_, SubmitterCancelledWhileQueuedLeavesNoJob) {
  Trace trace;
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 1);
      auto [started, started_r] = Promise<void>::create();
      auto [gate, open] = Promise<void>::create();
      auto busy = pool.submit_fork(sw, [&] {
        started_r.resolve();
        gate.await();
        return 1;
      });
      started.await();  // the only worker is full: the next job must wait
      cancel::Context* queued_cc = nullptr;
      auto queued = fiber::fork_promise(sw, [&] {
        cancel::sub([&](cancel::Context& cc) {
          queued_cc = &cc;
          try {
            pool.submit([&] { trace("queued job ran?!"); });
          } catch (const Cancelled&) {
            trace("queued submit raised Cancelled");
          }
        });
      });
      queued_cc->cancel(std::make_exception_ptr(Stop()));
      queued.await();
      open.resolve();
      trace("busy job: " + std::to_string(busy.await()));
      trace("next job: " + std::to_string(pool.submit([] { return 2; })));
    });
  });
  EXPECT_EQ(trace.str(), "queued submit raised Cancelled\nbusy job: 1\nnext job: 2");
}

// The workers are daemons of the pool's switch: once the switch's own work is done they
// stop, the switch returns, and their domains (with their descriptors) are gone.
TEST_P(Executor_pool_, WorkersStopWhenTheSwitchFinishes) {
  Trace trace;
  run([&](Env& env) {
    std::size_t fds_before = open_fd_count();
    Switch::run([&](Switch& sw) {
      Executor_pool pool(sw, env.domain_mgr(), 2);
      trace("job: " + std::to_string(pool.submit([] { return 1; })));
    });
    trace("switch returned");
    trace(std::string("worker domains closed their descriptors: ") +
          (open_fd_count() == fds_before ? "yes" : "no"));
  });
  EXPECT_EQ(trace.str(), "job: 1\nswitch returned\nworker domains closed their descriptors: yes");
}

// Once the pool's switch has finished there are no workers left, so submit() must fail
// at once (eio::Closed, as for any resource used after its switch finished) instead of
// waiting forever. The submitter runs in a fiber: if it blocks, fork returns with it still
// waiting, and the test cancels it rather than hang.
TEST_P(Executor_pool_, SubmitAfterThePoolsSwitchFinishedFailsAtOnce) {
  Trace trace;
  run([&](Env& env) {
    std::optional<Executor_pool> pool;
    Switch::run([&](Switch& sw) {
      pool.emplace(sw, env.domain_mgr(), 1);
      trace("job: " + std::to_string(pool->submit([] { return 1; })));
    });
    trace("pool's switch finished");
    Switch::run([&](Switch& sw) {
      cancel::Context* submitter = nullptr;
      bool finished = false;
      fiber::fork(sw, [&] {
        cancel::sub([&](cancel::Context& cc) {
          submitter = &cc;
          try {
            pool->submit([&] { trace("job ran?!"); });
            trace("submit returned?!");
          } catch (const Closed&) {
            trace("submit raised Closed");
          } catch (const Cancelled&) {
            trace("submit was still waiting when cancelled");
          }
          finished = true;
        });
      });
      if (!finished) {
        trace("submit is blocked");
        submitter->cancel(std::make_exception_ptr(Stop()));
      }
    });
  });
  EXPECT_EQ(trace.str(), "job: 1\npool's switch finished\nsubmit raised Closed");
}

}  // namespace
}  // namespace eio::test
