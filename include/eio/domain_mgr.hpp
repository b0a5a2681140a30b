#pragma once
// Domains (SPEC §8): OS threads each running their own scheduler and event loop. Fibers
// never move between domains; values cross through Promise, Stream and friends.

#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"

namespace eio {

enum class Backend;

namespace detail {
struct Env_access;
}

/// The capability to start domains (env.domain_mgr()). Copyable; safe to share across
/// domains.
///
///     int n = env.domain_mgr().run([] { return count_primes(1, 1'000'000); });
class Domain_mgr {
 public:
  /// Runs `fn()` in a new domain and returns its result, or rethrows its exception.
  /// Blocks only the calling fiber. A cancellation point: cancelling the caller cancels
  /// `fn` (which sees eio::Cancelled) and waits for it to finish. If the caller is already
  /// cancelled, no domain is started. Fiber-local bindings are not inherited.
  template <class F>
  auto run(F&& fn) -> std::invoke_result_t<F&> {
    detail::Result_slot<std::invoke_result_t<F&>> result;
    run_raw([&] { result.run(fn); });
    return result.take();
  }

 private:
  friend struct detail::Env_access;
  explicit Domain_mgr(Backend backend) : backend_(backend) {}
  void run_raw(detail::Function_ref<void()> body);

  Backend backend_;
};

}  // namespace eio
