#pragma once
// eio::Executor_pool (SPEC §8): a fixed set of worker domains that run submitted jobs.

#include <cstdint>
#include <memory>
#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/domain_mgr.hpp"
#include "eio/fiber.hpp"
#include "eio/promise.hpp"
#include "eio/switch.hpp"

namespace eio {

/// Options for Executor_pool::submit. `weight` is the share of a worker domain the job
/// needs, in [0, 1]: a worker takes new jobs while the weights of its running jobs add up
/// to less than 1, so 1.0 means "a whole core" and 0.25 lets four such jobs share one.
struct Submit_options {
  double weight = 1.0;
};

namespace detail {
struct Executor_state;
}

/// Runs jobs on `n_domains` worker domains attached to a switch.
///
///     eio::Executor_pool pool(sw, env.domain_mgr(), 2);
///     auto sum = pool.submit([&] { return checksum(block); });
///
/// The workers stop when `sw` finishes. Safe to share across domains: any fiber may
/// submit while `sw` is running.
class Executor_pool {
 public:
  /// Starts the workers as daemon fibers of `sw`. Throws std::invalid_argument unless
  /// n_domains > 0.
  Executor_pool(Switch& sw, Domain_mgr& dm, int n_domains);

  /// Runs `fn()` on a worker and returns its result (or rethrows its exception), waiting
  /// first for a worker with room for `opts.weight`. A cancellation point: cancelling the
  /// caller withdraws a job still queued, or cancels a running one and waits for it to
  /// stop. Throws std::invalid_argument if the weight is outside [0, 1], and eio::Closed
  /// once the pool's switch has finished (jobs still queued then fail with Closed too).
  template <class F>
  auto submit(F&& fn, const Submit_options& opts = {}) -> std::invoke_result_t<F&> {
    detail::Result_slot<std::invoke_result_t<F&>> result;
    submit_raw([&] { result.run(fn); }, opts.weight);
    return result.take();
  }

  /// Like submit, but returns at once with a promise of the result; the waiting happens in
  /// a new fiber attached to `sw`. `fn` is copied into that fiber.
  template <class F>
  auto submit_fork(Switch& sw, F fn, const Submit_options& opts = {})
      -> Promise<std::invoke_result_t<F&>> {
    return fiber::fork_promise(
        sw, [this, fn = std::move(fn), opts]() mutable { return submit(fn, opts); });
  }

 private:
  void submit_raw(detail::Function_ref<void()> body, double weight);
  std::shared_ptr<detail::Executor_state> state_;
};

}  // namespace eio
