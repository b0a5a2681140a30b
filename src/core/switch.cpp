#include "eio/switch.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

#include "core/cancel_access.hpp"
#include "core/scheduler.hpp"
#include "eio/errors.hpp"

namespace eio {
namespace {

// The reason a switch's daemons are cancelled once its other fibers are done.
struct Daemons_stopped {};

const std::exception_ptr& daemons_stopped() {
  static const std::exception_ptr reason = std::make_exception_ptr(Daemons_stopped{});
  return reason;
}

// The failure of the on_release hook that just ran, if any: hooks are noexcept nodes.
thread_local std::exception_ptr current_hook_error;

const Cancelled* as_cancelled(const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const Cancelled& c) {
    return &c;  // the exception object lives as long as `e`
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

namespace detail {
void Switch_outcome::rethrow_if_failed() const {
  if (errors.size() == 1) std::rethrow_exception(errors.front());
  if (errors.size() > 1) throw Multiple_errors(errors);
  if (cancelled) std::rethrow_exception(cancelled);
}
}  // namespace detail

Switch::Switch() : cancel_(detail::require_fiber("Switch::run").cc, false) {}

Switch::~Switch() = default;

detail::Switch_outcome Switch::run_collect(detail::Function_ref<void(Switch&)> body) {
  detail::Fiber& self = detail::require_fiber("Switch::run");
  cancel::Context* outer = self.cc;
  Switch sw;
  detail::Cancel_access::move(self, sw.cancel_);
  try {
    body(sw);
  } catch (...) {
    sw.record(std::current_exception());
  }
  sw.await_fibers();
  sw.finishing_ = true;
  sw.run_release_hooks();
  detail::Cancel_access::move(self, *outer);
  return {std::move(sw.errors_), std::move(sw.cancelled_)};
}

void Switch::check_domain() const {
  if (detail::Cancel_access::owner(cancel_) != detail::Scheduler::current()) {
    throw std::logic_error("eio: switch accessed from the wrong domain");
  }
}

namespace {
// An on_release hook: a heap node that runs its function and deletes itself.
struct Function_hook final : detail::Release_node {
  std::function<void()> fn;
};
}  // namespace

void Switch::attach(detail::Release_node& node) {
  check_domain();
  if (finishing_) {
    node.release(&node);
    throw std::logic_error("eio: on_release on a finished switch (the hook ran at once)");
  }
  hooks_.push_back(node);
}

void Switch::on_release(std::function<void()> fn) {
  check_domain();
  if (finishing_) {
    fn();
    throw std::logic_error("eio: on_release on a finished switch (the hook ran at once)");
  }
  auto* hook = new Function_hook;
  hook->fn = std::move(fn);
  hook->release = [](detail::Release_node* n) noexcept {
    std::unique_ptr<Function_hook> self(static_cast<Function_hook*>(n));
    try {
      cancel::protect(self->fn);
    } catch (...) {
      // Reported by run_release_hooks, which is still running this hook's switch.
      current_hook_error = std::current_exception();
    }
  };
  hooks_.push_back(*hook);
}

void Switch::fail(std::exception_ptr error) {
  check_domain();
  record(std::move(error));
}

void Switch::check() {
  check_domain();
  if (finishing_) throw std::logic_error("eio: switch finished");
  if (cancel_.is_cancelled()) throw Cancelled(cancel_.reason());
}

void Switch::record(std::exception_ptr error) noexcept {
  if (const Cancelled* c = as_cancelled(error)) {
    if (stop_reason_ != nullptr && c->reason() == stop_reason_) return;
    if (errors_.empty() && cancelled_ == nullptr) cancelled_ = error;
  } else {
    for (const auto& e : errors_) {
      if (e == error) return;
    }
    errors_.push_back(error);
    cancelled_ = nullptr;
  }
  if (!cancel_.is_cancelled()) cancel_.cancel(std::move(error));
}

void Switch::stop(std::exception_ptr reason) noexcept {
  if (cancel_.is_cancelled()) return;
  stop_reason_ = reason;
  cancel_.cancel(std::move(reason));
}

void Switch::fiber_started(bool daemon) noexcept {
  ++fibers_;
  if (daemon) ++daemons_;
}

void Switch::fiber_finished(bool daemon) noexcept {
  --fibers_;
  if (daemon) --daemons_;
  if (idle_ != nullptr && (fibers_ == 0 || fibers_ == daemons_)) idle_->signal();
}

void Switch::await_fibers() noexcept {
  while (fibers_ > 0) {
    if (fibers_ == daemons_ && stop_reason_ == nullptr) stop(daemons_stopped());
    Trigger idle;
    idle_ = &idle;
    idle.await_uncancellable();
    idle_ = nullptr;
  }
}

void Switch::run_release_hooks() noexcept {
  while (detail::Release_node* node = hooks_.pop_back()) {
    current_hook_error = nullptr;
    node->release(node);
    if (current_hook_error) record(std::exchange(current_hook_error, nullptr));
  }
}

}  // namespace eio
