#include "domains/remote_call.hpp"

#include <utility>

#include "core/fiber.hpp"
#include "core/scheduler.hpp"
#include "eio/detail/cancel_point.hpp"

namespace eio::detail {
namespace {

struct Cancel_request : Remote_node {
  std::shared_ptr<void> keep_alive;
  cancel::Context** cc;
  std::mutex* m;
  std::exception_ptr reason;
};

}  // namespace

Remote_call::Remote_call() : shared_(std::make_shared<Shared>()) {}

void Remote_call::run_here(Function_ref<void()> body) noexcept {
  try {
    cancel::sub([&](cancel::Context& cc) {
      {
        std::scoped_lock lock(shared_->m);
        shared_->callee = Scheduler::current();
        shared_->cc = &cc;
        if (shared_->cancel_requested) cc.cancel(shared_->reason);
      }
      try {
        body();
      } catch (...) {
        error_ = std::current_exception();
      }
      std::scoped_lock lock(shared_->m);
      shared_->callee = nullptr;
      shared_->cc = nullptr;
    });
  } catch (...) {
    error_ = std::current_exception();
  }
  finish();
}

void Remote_call::fail(std::exception_ptr error) noexcept {
  error_ = std::move(error);
  finish();
}

// A trigger whose await was cancelled ignores later signals, so a cancelled caller waits
// on `late_` instead; `finished` and `late` under `m` decide which one gets the signal.
// The caller may free `this` as soon as it is signalled: hold our own reference to the
// shared state, whose mutex we still unlock afterwards.
void Remote_call::finish() noexcept {
  std::shared_ptr<Shared> shared = shared_;
  std::scoped_lock lock(shared->m);
  shared->finished = true;
  (shared->late != nullptr ? *shared->late : done_).signal();
}

void Remote_call::request_cancel() {
  Fiber* self = current_fiber();
  std::scoped_lock lock(shared_->m);
  shared_->cancel_requested = true;
  shared_->reason = self != nullptr ? self->cc->reason() : nullptr;
  if (shared_->callee == nullptr) return;  // it checks cancel_requested when it starts
  auto* req = new Cancel_request;
  req->keep_alive = shared_;
  req->cc = &shared_->cc;
  req->m = &shared_->m;
  req->reason = shared_->reason;
  req->run = [](Remote_node* n) noexcept {
    std::unique_ptr<Cancel_request> r(static_cast<Cancel_request*>(n));
    std::scoped_lock l(*r->m);
    if (*r->cc != nullptr) (*r->cc)->cancel(r->reason);
  };
  shared_->callee->post(req);
}

void Remote_call::await(Function_ref<bool()> withdraw) {
  if (!done_.await_unless_cancelled()) {
    if (withdraw()) throw_cancelled();
    request_cancel();
    bool wait;
    {
      std::scoped_lock lock(shared_->m);
      wait = !shared_->finished;
      if (wait) shared_->late = &late_;
    }
    if (wait) late_.await_uncancellable();
  }
  // Taken out, so that whoever frees this call (a worker may hold the last reference)
  // does not release the exception too, on another thread.
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace eio::detail
