#pragma once
// A call made by a fiber in one domain and run by a fiber in another, with cancellation
// forwarded: cancelling the caller cancels the callee, and the caller then waits for the
// callee to stop, because the callee may use the caller's stack (arguments, the result
// slot). Used by Domain_mgr::run and Executor_pool::submit.
//
// Protocol: the callee registers its scheduler and cancellation context under `m`; a
// cancelled caller sets `cancel_requested` under `m` and, if the callee is registered,
// posts a heap-allocated request to the callee's domain, which cancels the context if it
// is still registered when the request runs. Sharing the state through shared_ptr lets a
// request outlive the call.

#include <exception>
#include <memory>
#include <mutex>

#include "eio/cancel.hpp"
#include "eio/detail/function_ref.hpp"
#include "eio/trigger.hpp"

namespace eio::detail {

class Scheduler;

class Remote_call {
 public:
  Remote_call();

  // Callee side: runs `body` in a cancellable sub-context of the calling fiber, records
  // its exception, then signals the caller. Must not touch `this` afterwards.
  void run_here(Function_ref<void()> body) noexcept;
  // Callee side, when it could not even start: the caller rethrows `error`.
  void fail(std::exception_ptr error) noexcept;
  // Caller side: waits for the callee, forwarding cancellation; rethrows its exception.
  // If cancelled while the callee has not started, `withdraw()` may take the call back
  // (returning true): await then throws Cancelled at once and the callee never runs.
  void await(Function_ref<bool()> withdraw = [] { return false; });

 private:
  struct Shared {
    std::mutex m;
    Scheduler* callee = nullptr;
    cancel::Context* cc = nullptr;
    bool cancel_requested = false;
    std::exception_ptr reason;
    bool finished = false;    // the callee has signalled (under m)
    Trigger* late = nullptr;  // what a cancelled caller waits on instead of done_
  };
  void request_cancel();
  void finish() noexcept;

  std::shared_ptr<Shared> shared_;
  std::exception_ptr error_;
  Trigger done_;  // awaited cancellably; ignores a signal once that await was cancelled
  Trigger late_;
};

}  // namespace eio::detail
