#include "domains/remote_call.hpp"

#include "core/fiber.hpp"
#include "core/scheduler.hpp"

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
  done_.signal();
}

void Remote_call::fail(std::exception_ptr error) noexcept {
  error_ = std::move(error);
  done_.signal();
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

void Remote_call::await() {
  if (!done_.await_unless_cancelled()) {
    request_cancel();
    done_.await_uncancellable();
  }
  if (error_) std::rethrow_exception(error_);
}

}  // namespace eio::detail
