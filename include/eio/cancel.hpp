#pragma once
// Cancellation (SPEC §2). Every fiber runs in a cancellation context; contexts form a tree
// (a switch, `cancel::sub` and `cancel::protect` each add one). Cancelling a context cancels
// its descendants except protected ones, and every blocking operation in a cancelled
// context throws eio::Cancelled, at once and every time ("sticky").

#include <exception>
#include <type_traits>

#include "eio/detail/function_ref.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/detail/result_slot.hpp"

namespace eio {

class Switch;
namespace cancel {
class Context;
}

namespace detail {
struct Fiber;
class Scheduler;
struct Cancel_access;
void run_sub_context(Function_ref<void(cancel::Context&)> body);
void run_protected_context(Function_ref<void()> body);
}  // namespace detail

/// Thrown by a blocking operation whose cancellation context was cancelled. It deliberately
/// does not derive from std::exception, so `catch (const std::exception&)` does not swallow
/// it; code that catches `...` must rethrow it. `reason()` is why the context was cancelled
/// (the sibling's failure, eio::Timeout, ...): for debugging, not for control flow.
class Cancelled {
 public:
  explicit Cancelled(std::exception_ptr reason) noexcept : reason_(std::move(reason)) {}
  const std::exception_ptr& reason() const noexcept { return reason_; }

 private:
  std::exception_ptr reason_;
};

namespace cancel {

struct Child_tag;

/// A cancellation context: a node of the tree. Obtained from `cancel::sub`; domain-local
/// (using it from another domain throws std::logic_error).
///
///     eio::cancel::sub([&](eio::cancel::Context& cc) {
///       on_shutdown([&] { cc.cancel(std::make_exception_ptr(Stopped{})); });
///       serve();   // its blocking calls throw eio::Cancelled once cc is cancelled
///     });
class Context : public detail::List_node<Child_tag> {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// Cancels this context and every non-protected descendant: fibers blocked in them are
  /// woken with eio::Cancelled(reason), and later blocking calls throw at once. Does not
  /// block; cancelling twice keeps the first reason.
  void cancel(std::exception_ptr reason);
  /// Whether this context has been cancelled (directly or through an ancestor).
  bool is_cancelled() const noexcept { return cancelled_; }
  /// Why it was cancelled, or null.
  const std::exception_ptr& reason() const noexcept { return reason_; }

 private:
  friend struct detail::Cancel_access;
  friend class eio::Switch;
  Context(Context* parent, bool is_protected);
  ~Context();

  detail::Scheduler* owner_;
  Context* parent_;
  detail::Intrusive_list<Context, Child_tag> children_;
  detail::Intrusive_list<detail::Fiber> fibers_;
  std::exception_ptr reason_;
  bool cancelled_ = false;
  bool protected_;
};

/// Runs `fn(cc)` in a new child context `cc` of the current one, so that `fn` can be
/// cancelled without cancelling the caller. Returns what `fn` returns; blocks only as `fn`
/// does. Must be called from a fiber.
template <class F>
auto sub(F&& fn) -> std::invoke_result_t<F, Context&> {
  eio::detail::Result_slot<std::invoke_result_t<F, Context&>> result;
  eio::detail::run_sub_context([&](Context& cc) { result.run(fn, cc); });
  return result.take();
}

/// Runs `fn()` shielded from cancellation: the caller's context being cancelled does not
/// cancel `fn`'s blocking calls (use it for clean-up that must finish). Cancellation is not
/// re-checked on return; the caller's next blocking call throws if it was cancelled.
template <class F>
auto protect(F&& fn) -> std::invoke_result_t<F> {
  eio::detail::Result_slot<std::invoke_result_t<F>> result;
  eio::detail::run_protected_context([&] { result.run(fn); });
  return result.take();
}

}  // namespace cancel
}  // namespace eio
