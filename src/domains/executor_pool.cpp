#include "eio/executor_pool.hpp"

#include <cmath>
#include <stdexcept>

#include "domains/remote_call.hpp"
#include "eio/condition.hpp"
#include "eio/stream.hpp"

namespace eio {
namespace detail {

struct Executor_job {
  Function_ref<void()> body;
  std::int64_t weight;  // in millionths of a domain
  Remote_call call;
};

// Jobs are handed over by rendezvous, so a submitter waits until a worker with room takes
// its job, and a cancelled submitter leaves nothing behind.
struct Executor_state {
  Stream<Executor_job*> jobs{0};
};

namespace {

constexpr std::int64_t kFullWeight = 1'000'000;

void run_worker(Executor_state& state) {
  Switch::run([&](Switch& sw) {
    std::int64_t load = 0;  // this domain only: no lock needed
    Condition room;
    for (;;) {
      while (load >= kFullWeight) room.await_no_mutex();
      Executor_job* job = state.jobs.take();
      load += job->weight;
      fiber::fork(sw, [&, job] {
        std::int64_t w = job->weight;
        job->call.run_here(job->body);  // `job` may be gone after this
        load -= w;
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
}

void Executor_pool::submit_raw(detail::Function_ref<void()> body, double weight) {
  if (!(weight >= 0.0 && weight <= 1.0)) {
    throw std::invalid_argument("eio::Executor_pool::submit: weight must be in [0, 1]");
  }
  detail::Executor_job job{body, std::llround(weight * detail::kFullWeight), {}};
  state_->jobs.add(&job);
  job.call.await();
}

}  // namespace eio
