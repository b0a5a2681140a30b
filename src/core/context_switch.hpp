#pragma once
// The one place that switches stacks. Every switch goes through switch_context or
// exit_context, which save and restore the per-thread C++ exception state and tell
// AddressSanitizer, ThreadSanitizer and valgrind about the stack change.

#include <cxxabi.h>

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>

#include "core/sanitizers.hpp"

#if defined(EIO_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#define EIO_ASAN 1
#endif
#if defined(EIO_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#define EIO_TSAN 1
#endif

// <cxxabi.h> declares __cxa_eh_globals without a body. This is its layout on every
// libstdc++ target that does not use ARM EHABI.
namespace __cxxabiv1 {
struct __cxa_eh_globals {
  void* caughtExceptions;
  unsigned int uncaughtExceptions;
};
}  // namespace __cxxabiv1

#include "core/stack.hpp"

namespace eio::detail {

// libstdc++'s per-thread exception globals (__cxa_get_globals): the stack of caught
// exceptions and the count of uncaught ones. Each fiber keeps its own copy.
struct Eh_state {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

// A place execution can be switched to: a fiber's stack or the scheduler's thread stack.
struct Exec_context {
  boost::context::detail::fcontext_t fctx = nullptr;
  Eh_state eh;
  bool exiting = false;  // set by a fiber leaving for good: the receiver reaps it
  // Stack bounds for ASan; the thread stack's are learnt on the first switch away.
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

// Called on the receiving side of every switch with the context that was left, once it is
// safe to do so: a finished fiber's stack can be freed only after leaving it.
using Reap_fn = void (*)(Exec_context* exited) noexcept;

// Prepares `ctx` to run fiber_entry on `stack`, below its top `reserved_top` bytes, at the
// first switch to it.
void make_context(Exec_context& ctx, const Stack& stack, std::size_t reserved_top) noexcept;
// Where every new fiber starts (fiber.cpp), with the context it was entered from. It must
// call arrived() first and never return.
[[noreturn]] void fiber_entry(Exec_context* from) noexcept;
// Prepares `ctx` to describe the calling thread's own stack (the scheduler's).
void adopt_thread_context(Exec_context& ctx) noexcept;
// Frees what make_context allocated (not for a thread's own context).
void release_context(Exec_context& ctx) noexcept;

// Leaves `from` for good: `to`'s side calls reap(from).
[[noreturn]] void exit_context(Exec_context& from, Exec_context& to) noexcept;

// valgrind learns of fiber stacks so that it does not report switches as stack smashing.
void annotate_stack_created(Stack& stack) noexcept;
void annotate_stack_destroyed(const Stack& stack) noexcept;

// The switch itself is inline: it is the hot path of every blocking call, and keeping the
// whole path in one function saves mispredicted returns after each stack switch.

namespace ctx = boost::context::detail;

// The switch is a hot path: look the globals up once per thread.
inline constinit thread_local __cxxabiv1::__cxa_eh_globals* tls_eh = nullptr;

inline __cxxabiv1::__cxa_eh_globals* eh_globals() noexcept {
  if (tls_eh == nullptr) tls_eh = __cxxabiv1::__cxa_get_globals();
  return tls_eh;
}

// Moves the running context's exception state out of the thread globals into `from`, and
// `to`'s state in. Without this, two fibers blocked inside catch blocks would see each
// other's exceptions (`throw;` would rethrow the wrong one).
inline void swap_eh(Exec_context& from, Exec_context& to) noexcept {
  auto* g = eh_globals();
  from.eh.caught = g->caughtExceptions;
  from.eh.uncaught = g->uncaughtExceptions;
  g->caughtExceptions = static_cast<__cxxabiv1::__cxa_exception*>(to.eh.caught);
  g->uncaughtExceptions = to.eh.uncaught;
}

inline void before_jump(Exec_context& from, Exec_context& to) noexcept {
#ifdef EIO_ASAN
  // A null fake-stack slot tells ASan that `from` is gone for good.
  __sanitizer_start_switch_fiber(from.exiting ? nullptr : &from.asan_fake_stack, to.stack_bottom,
                                 to.stack_size);
#endif
#ifdef EIO_TSAN
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
  (void)from;
  (void)to;
}

// First thing a context does on being switched to (after switch_context returns, or in a
// new fiber's entry), with the context it was entered from.
inline void arrived(Exec_context& self, Exec_context* from, Reap_fn reap) noexcept {
#ifdef EIO_ASAN
  // ASan tells us the bounds of the stack we came from: that is how the scheduler's
  // thread stack gets its bounds.
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(self.asan_fake_stack, &bottom, &size);
  if (from->stack_bottom == nullptr) {
    from->stack_bottom = bottom;
    from->stack_size = size;
  }
#else
  (void)self;
#endif
  if (from->exiting) reap(from);
}

// Suspends `from` (the running context) and resumes `to`. Returns when something switches
// back to `from`. `reap` handles a finished fiber we arrived from.
inline void switch_context(Exec_context& from, Exec_context& to, Reap_fn reap) noexcept {
  swap_eh(from, to);
  before_jump(from, to);
  ctx::transfer_t t = ctx::jump_fcontext(to.fctx, &from);
  // Back in `from`: t.data is the context that switched to us, t.fctx where it stopped.
  auto* prev = static_cast<Exec_context*>(t.data);
  prev->fctx = t.fctx;
  arrived(from, prev, reap);
}

}  // namespace eio::detail
