#include <stdexcept>

#include "core/cancel_access.hpp"
#include "core/scheduler.hpp"

namespace eio {
namespace cancel {

Context::Context(Context* parent, bool is_protected)
    : owner_(detail::Scheduler::current()), parent_(parent), protected_(is_protected) {
  if (parent_ == nullptr) return;
  parent_->children_.push_back(*this);
  if (!protected_ && parent_->cancelled_) {
    cancelled_ = true;
    reason_ = parent_->reason_;
  }
}

Context::~Context() {
  detail::List_node<Child_tag>::unlink();
}

void Context::cancel(std::exception_ptr reason) {
  if (owner_ != detail::Scheduler::current()) {
    throw std::logic_error("eio: cancellation context accessed from the wrong domain");
  }
  if (cancelled_) return;
  cancelled_ = true;
  reason_ = std::move(reason);
  fibers_.for_each([](detail::Fiber& f) {
    if (detail::Cancel_fn fn = f.cancel_fn) {
      f.cancel_fn = nullptr;
      fn(&f);
    }
  });
  children_.for_each([this](Context& child) {
    if (!child.protected_) child.cancel(reason_);
  });
}

}  // namespace cancel

namespace detail {

Fiber& require_fiber(const char* what) {
  Fiber* f = current_fiber();
  if (f == nullptr) {
    throw std::logic_error(std::string("eio: ") + what +
                           " must be called from a fiber (inside eio::run)");
  }
  return *f;
}

void Cancel_access::with_root(Function_ref<void(cancel::Context&)> body) {
  cancel::Context root(nullptr, false);
  body(root);
}

void Cancel_access::with_child(bool is_protected, Function_ref<void(cancel::Context&)> body) {
  Fiber& f = require_fiber(is_protected ? "cancel::protect" : "cancel::sub");
  cancel::Context* outer = f.cc;
  cancel::Context inner(outer, is_protected);
  move(f, inner);
  try {
    body(inner);
  } catch (...) {
    move(f, *outer);
    throw;
  }
  move(f, *outer);
}

void run_sub_context(Function_ref<void(cancel::Context&)> body) {
  Cancel_access::with_child(false, body);
}

void run_protected_context(Function_ref<void()> body) {
  if (current_fiber() == nullptr) {  // a plain thread: nothing there is ever cancelled
    body();
    return;
  }
  Cancel_access::with_child(true, [&](cancel::Context&) { body(); });
}

}  // namespace detail
}  // namespace eio
