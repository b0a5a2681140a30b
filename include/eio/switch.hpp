#pragma once
// eio::Switch: a scope that owns fibers and resources (SPEC §2). Nothing forked on a switch
// outlives it, and a failure in any of its fibers cancels the others and is re-raised by
// Switch::run, never lost.

#include <exception>
#include <functional>
#include <type_traits>
#include <vector>

#include "eio/cancel.hpp"
#include "eio/detail/function_ref.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/trigger.hpp"

namespace eio {

namespace detail {
struct Switch_access;
struct Release_tag;

// Something a switch releases when it finishes: a resource embeds one (it can detach
// itself when closed earlier); on_release hooks are heap nodes. `release` must not block
// for long and must not throw.
struct Release_node : List_node<Release_tag> {
  void (*release)(Release_node*) noexcept = nullptr;
};

// What a finished switch recorded: real errors in the order they happened, or else the
// eio::Cancelled that ended it.
struct Switch_outcome {
  std::vector<std::exception_ptr> errors;
  std::exception_ptr cancelled;

  bool failed() const noexcept { return !errors.empty() || cancelled != nullptr; }
  // Rethrows: one error as itself, several as eio::Multiple_errors, else the Cancelled.
  void rethrow_if_failed() const;
};
}  // namespace detail

/// A switch groups fibers and resources under one lifetime.
///
///     eio::Switch::run([&](eio::Switch& sw) {
///       eio::fiber::fork(sw, [&] { serve(a); });
///       eio::fiber::fork(sw, [&] { serve(b); });
///     });  // returns once both have finished; if one fails, the other is cancelled
///
/// A Switch is domain-local: using it from another domain throws std::logic_error. It
/// exists only inside Switch::run and is referred to by reference.
class Switch {
 public:
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  /// Runs `fn(sw)` with a new switch `sw`, then waits (uncancellably) for every fiber
  /// forked on it, then runs its release hooks in reverse order of registration, and
  /// returns what `fn` returned. If `fn` or any fiber failed, the switch was cancelled at
  /// the first failure and `run` rethrows it (two or more real failures become
  /// eio::Multiple_errors; eio::Cancelled is never reported beside a real error). Must be
  /// called from a fiber; a cancellation point only through what `fn` does.
  template <class F>
  static auto run(F&& fn) -> std::invoke_result_t<F, Switch&> {
    detail::Result_slot<std::invoke_result_t<F, Switch&>> result;
    run_collect([&](Switch& sw) { result.run(fn, sw); }).rethrow_if_failed();
    return result.take();
  }

  /// Registers `fn` to run when the switch finishes (after its fibers), in reverse order
  /// of registration, each shielded from cancellation. A hook that throws fails the switch
  /// without stopping the other hooks. If the switch is already finishing its hooks, `fn`
  /// runs at once and std::logic_error is thrown. Hooks must not block for long.
  void on_release(std::function<void()> fn);
  /// Records `error` as a failure of the switch and cancels it (so its fibers get
  /// eio::Cancelled at their next blocking call). Returns at once; code after it still
  /// runs, so clean-up is possible. Later errors are kept beside the first.
  void fail(std::exception_ptr error);
  /// Throws eio::Cancelled if the switch has been cancelled (failed), or
  /// std::logic_error if it has finished.
  void check();
  /// Whether the switch has failed or been cancelled.
  bool is_cancelled() const noexcept { return cancel_.is_cancelled(); }
  /// The switch's cancellation context (what fibers forked on it run in).
  cancel::Context& context() noexcept { return cancel_; }

 private:
  friend struct detail::Switch_access;
  Switch();
  ~Switch();

  static detail::Switch_outcome run_collect(detail::Function_ref<void(Switch&)> body);
  void check_domain() const;
  void record(std::exception_ptr error) noexcept;
  void stop(std::exception_ptr reason) noexcept;
  void fiber_started(bool daemon) noexcept;
  void fiber_finished(bool daemon) noexcept;
  void await_fibers() noexcept;
  void run_release_hooks() noexcept;
  void attach(detail::Release_node& node);

  cancel::Context cancel_;
  int fibers_ = 0;   // forked fibers still running, daemons included
  int daemons_ = 0;  // daemon fibers still running
  bool finishing_ = false;
  std::exception_ptr stop_reason_;  // cancelling with this is not a failure
  std::vector<std::exception_ptr> errors_;
  std::exception_ptr cancelled_;  // an eio::Cancelled, kept only while errors_ is empty
  detail::Intrusive_list<detail::Release_node, detail::Release_tag> hooks_;  // released in reverse
  Trigger* idle_ = nullptr;  // signalled when the fibers are done
};

}  // namespace eio
