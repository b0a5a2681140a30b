#pragma once
// The runtime's access to cancellation contexts' internals (cancel::Context keeps them
// private from users).

#include "core/fiber.hpp"
#include "eio/cancel.hpp"
#include "eio/detail/function_ref.hpp"

namespace eio::detail {

struct Cancel_access {
  // Puts `f` in context `cc` (it must not be in one).
  static void enter(cancel::Context& cc, Fiber& f) noexcept {
    f.cc = &cc;
    cc.fibers_.push_back(f);
  }
  static void leave(Fiber& f) noexcept {
    Intrusive_list<Fiber>::remove(f);
    f.cc = nullptr;
  }
  static void move(Fiber& f, cancel::Context& to) noexcept {
    leave(f);
    enter(to, f);
  }
  static bool is_protected(const cancel::Context& cc) noexcept { return cc.protected_; }
  static Scheduler* owner(const cancel::Context& cc) noexcept { return cc.owner_; }

  // Runs `body` with a new root context (one per domain).
  static void with_root(Function_ref<void(cancel::Context&)> body);
  // Runs `body` in a new child context of the running fiber's, then restores it.
  static void with_child(bool is_protected, Function_ref<void(cancel::Context&)> body);
};

// The running fiber, or std::logic_error naming `what` when called outside a fiber.
Fiber& require_fiber(const char* what);

}  // namespace eio::detail
