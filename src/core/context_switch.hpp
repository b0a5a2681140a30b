#pragma once
// The one place that switches stacks. Every switch goes through switch_context or
// exit_context, which save and restore the per-thread C++ exception state and tell
// AddressSanitizer, ThreadSanitizer and valgrind about the stack change.

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>

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

// Suspends `from` (the running context) and resumes `to`. Returns when something switches
// back to `from`. `reap` handles a finished fiber we arrived from.
void switch_context(Exec_context& from, Exec_context& to, Reap_fn reap) noexcept;
// Leaves `from` for good: `to`'s side calls reap(from).
[[noreturn]] void exit_context(Exec_context& from, Exec_context& to) noexcept;
// First thing a new context's entry function does, with what it was entered from.
void arrived(Exec_context& self, Exec_context* from, Reap_fn reap) noexcept;

// valgrind learns of fiber stacks so that it does not report switches as stack smashing.
void annotate_stack_created(Stack& stack) noexcept;
void annotate_stack_destroyed(const Stack& stack) noexcept;

}  // namespace eio::detail
