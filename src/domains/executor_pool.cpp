#include "eio/executor_pool.hpp"

#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "domains/remote_call.hpp"
#include "eio/condition.hpp"
#include "eio/detail/cancel_point.hpp"
#include "eio/errors.hpp"
#include "eio/stream.hpp"

namespace eio {
namespace detail {

// Claimed exactly once: by the worker that runs it, by its submitter taking it back after
// being cancelled while it waited, or by the pool closing.
struct Executor_job {
  Executor_job(Function_ref<void()> b, std::int64_t w) : body(b), weight(w) {}
  bool claim() noexcept { return !claimed_.exchange(true, std::memory_order_acq_rel); }

  Function_ref<void()> body;  // in the submitter's frame: call only after claim()
  std::int64_t weight;        // in millionths of a domain
  Remote_call call;

 private:
  std::atomic<bool> claimed_{false};
};

// Jobs wait in an unbounded queue until a worker with room takes one; a cancelled
// submitter claims its job back, leaving a husk that workers skip. `m` orders submissions
// against close(), so that nothing is queued after the final drain.
struct Executor_state {
  std::mutex m;
  bool closed = false;
  Stream<std::shared_ptr<Executor_job>> jobs{Stream<std::shared_ptr<Executor_job>>::unbounded};

  void close() noexcept {
    std::scoped_lock lock(m);
    closed = true;
    while (auto job = jobs.take_nonblocking()) {
      if ((*job)->claim()) {
        (*job)->call.fail(
            std::make_exception_ptr(Closed("eio::Executor_pool: the pool's switch has finished")));
      }
    }
  }
};

namespace {

constexpr std::int64_t kFullWeight = 1'000'000;

void run_worker(Executor_state& state) {
  Switch::run([&](Switch& sw) {
    std::int64_t load = 0;  // this domain only: no lock needed
    Condition room;
    for (;;) {
      while (load >= kFullWeight) room.await_no_mutex();
      std::shared_ptr<Executor_job> job = state.jobs.take();
      if (!job->claim()) continue;  // taken back by its cancelled submitter
      load += job->weight;
      fiber::fork(sw, [&, job] {
        job->call.run_here(job->body);
        load -= job->weight;
        room.broadcast();
      });
    }
  });
}

}  // namespace
}  // namespace detail

Executor_pool::Executor_pool(Switch& sw, Domain_mgr& dm, int n_domains)
    : state_(std::make_shared<detail::Executor_state>()) {
  if (n_domains <= 0) throw std::invalid_argument("eio::Executor_pool: n_domains must be > 0");
  for (int i = 0; i < n_domains; ++i) {
    fiber::fork_daemon(
        sw, [state = state_, dm]() mutable { dm.run([&] { detail::run_worker(*state); }); });
  }
  // Release hooks run after the workers have stopped: fail whatever is still queued, and
  // every later submit.
  sw.on_release([state = state_] { state->close(); });
}

void Executor_pool::submit_raw(detail::Function_ref<void()> body, double weight) {
  if (!(weight >= 0.0 && weight <= 1.0)) {
    throw std::invalid_argument("eio::Executor_pool::submit: weight must be in [0, 1]");
  }
  detail::check_cancelled();
  auto job =
      std::make_shared<detail::Executor_job>(body, std::llround(weight * detail::kFullWeight));
  {
    std::scoped_lock lock(state_->m);
    if (state_->closed) throw Closed("eio::Executor_pool: the pool's switch has finished");
    state_->jobs.add(job);  // unbounded: never waits
  }
  job->call.await([&] { return job->claim(); });
}

}  // namespace eio
