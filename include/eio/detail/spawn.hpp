#pragma once
// How the fiber templates start a fiber without allocating: the callable is moved onto the
// new fiber's own stack, just below the runtime's per-fiber record, and run from there.

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace eio {
namespace cancel {
class Context;
}
namespace fiber {

/// Options for forking a fiber. `name` shows in stack-overflow reports, traces and the
/// debugger (the string must outlive the fiber; a literal is typical); `stack_size` is the
/// usable stack in bytes (0 = the default of 256 KiB of address space, of which only
/// touched pages cost memory; sanitizer builds multiply it by 4).
struct Fork_options {
  const char* name = nullptr;
  std::size_t stack_size = 0;
};

}  // namespace fiber

namespace detail {

struct Fiber;

// The type-erased callable a fiber runs, living on the fiber's own stack.
struct Fiber_body {
  virtual void run_and_destroy() noexcept = 0;

 protected:
  ~Fiber_body() = default;
};

struct Fiber_slot {
  Fiber* fiber;
  void* body;  // room for the body, suitably aligned
};

// Takes a stack and lays out the fiber record on it. Throws std::logic_error outside a
// domain and std::system_error when no stack can be had.
Fiber_slot prepare_fiber(std::size_t body_size, std::size_t body_align,
                         const fiber::Fork_options& opts);
// Gives the stack back after the body could not be constructed.
void abandon_fiber(Fiber_slot slot) noexcept;
// Runs the new fiber at once, in cancellation context `cc`; the caller resumes before any
// fiber that was already queued.
void start_fiber(Fiber_slot slot, Fiber_body* body, cancel::Context& cc) noexcept;

template <class F>
class Fiber_body_of final : public Fiber_body {
 public:
  template <class G>
  explicit Fiber_body_of(G&& fn) : fn_(std::forward<G>(fn)) {}
  void run_and_destroy() noexcept override {
    fn_();
    this->~Fiber_body_of();
  }

 private:
  F fn_;
};

// Starts `fn` (which must not throw) on a new fiber in context `cc`.
template <class F>
void spawn(cancel::Context& cc, const fiber::Fork_options& opts, F&& fn) {
  using Body = Fiber_body_of<std::decay_t<F>>;
  static_assert(std::is_nothrow_invocable_v<std::decay_t<F>&>, "fiber bodies catch everything");
  Fiber_slot slot = prepare_fiber(sizeof(Body), alignof(Body), opts);
  Body* body;
  try {
    body = ::new (slot.body) Body(std::forward<F>(fn));
  } catch (...) {
    abandon_fiber(slot);
    throw;
  }
  start_fiber(slot, body, cc);
}

}  // namespace detail
}  // namespace eio
