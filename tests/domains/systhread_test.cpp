// os::run_in_systhread: blocking code runs on a helper thread while the calling fiber
// waits and the rest of the domain carries on. The jobs here block on std::future and
// std::latch, released by fibers of the domain, so only a domain that keeps running can
// finish these tests.

#include <functional>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Systhread : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Systhread);

struct Failed : std::runtime_error {
  explicit Failed(int n) : std::runtime_error("Failed " + std::to_string(n)) {}
};

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// The function's value comes back to the fiber, and it ran on another thread.
TEST_P(Systhread, ReturnsTheValueFromAnotherThread) {
  Trace trace;
  run([&](Env&) {
    trace("value: " + std::to_string(os::run_in_systhread([] { return 6 * 7; })));
    auto here = std::this_thread::get_id();
    auto there = os::run_in_systhread([] { return std::this_thread::get_id(); });
    trace(std::string("ran on another thread: ") + (there != here ? "yes" : "no"));
    int calls = 0;
    os::run_in_systhread([&] { ++calls; });
    trace("void function ran " + std::to_string(calls) + " time");
  });
  EXPECT_EQ(trace.str(), "value: 42\nran on another thread: yes\nvoid function ran 1 time");
}

// An exception from the function is rethrown in the fiber, with its own type.
TEST_P(Systhread, RethrowsTheException) {
  Trace trace;
  run([&](Env&) {
    try {
      os::run_in_systhread([]() -> int { throw Failed(1); });
    } catch (const Failed& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "Failed 1");
}

// While the helper thread blocks, the domain keeps running other fibers; one of them
// releases the blocked job.
TEST_P(Systhread, DomainKeepsRunningWhileTheJobBlocks) {
  Trace trace;
  run([&](Env&) {
    std::promise<int> input;
    std::future<int> input_ready = input.get_future();
    fiber::both(
        [&] {
          int v = os::run_in_systhread([&] { return input_ready.get() * 2; });
          trace("job returned " + std::to_string(v));
        },
        [&] {
          for (int i = 1; i <= 3; ++i) {
            trace("other fiber, step " + std::to_string(i));
            fiber::yield();
          }
          input.set_value(21);
        });
  });
  EXPECT_EQ(trace.str(),
            "other fiber, step 1\nother fiber, step 2\nother fiber, step 3\njob returned 42");
}

// Several fibers wait on helper threads at once: the jobs of a round can only pass the
// latch together (with the fiber that counts it down last), so they run on as many
// threads at the same time while the domain carries on. Each round has one job more than
// the last, so it finds helpers left idle by the previous round plus one job for which a
// new thread must start.
TEST_P(Systhread, SeveralFibersWaitAtOnce) {
  Trace trace;
  run([&](Env&) {
    for (int jobs = 2; jobs <= 8; ++jobs) {
      std::latch all_blocked(jobs + 1);
      std::vector<std::function<void()>> fibers;
      std::vector<int> results(jobs);
      for (int i = 0; i < jobs; ++i) {
        fibers.emplace_back([&, i] {
          results[i] = os::run_in_systhread([&, i] {
            all_blocked.arrive_and_wait();
            return i + 1;
          });
        });
      }
      fibers.emplace_back([&] {
        fiber::yield();
        all_blocked.count_down();  // the domain still runs while the helpers block
      });
      fiber::all(fibers);
      std::string line = std::to_string(jobs) + " at once:";
      for (int r : results) line += " " + std::to_string(r);
      trace(line);
    }
  });
  EXPECT_EQ(trace.str(),
            "2 at once: 1 2\n3 at once: 1 2 3\n4 at once: 1 2 3 4\n5 at once: 1 2 3 4 5\n"
            "6 at once: 1 2 3 4 5 6\n7 at once: 1 2 3 4 5 6 7\n8 at once: 1 2 3 4 5 6 7 8");
}

// A job that is already running cannot be interrupted: cancelling its fiber waits for it,
// returns its value, and the cancellation shows at the fiber's next blocking call.
TEST_P(Systhread, CancelledCallerWaitsForTheRunningJob) {
  Trace trace;
  run([&](Env&) {
    auto [started, started_r] = Promise<void>::create();
    std::promise<void> finish;
    std::future<void> may_finish = finish.get_future();
    cancel::Context* caller = nullptr;
    fiber::both(
        [&] {
          cancel::sub([&](cancel::Context& cc) {
            caller = &cc;
            int v = os::run_in_systhread([&] {
              started_r.resolve();  // a plain thread may resolve a Promise
              may_finish.wait();
              return 5;
            });
            trace("job finished anyway: " + std::to_string(v));
            try {
              fiber::yield();
            } catch (const Cancelled& c) {
              trace("then Cancelled: " + what(c.reason()));
            }
          });
        },
        [&] {
          started.await();
          caller->cancel(std::make_exception_ptr(Stop()));
          trace("caller cancelled");
          finish.set_value();
        });
  });
  EXPECT_EQ(trace.str(), "caller cancelled\njob finished anyway: 5\nthen Cancelled: stop");
}

}  // namespace
}  // namespace eio::test
