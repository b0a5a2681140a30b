#pragma once
// Turns a fiber stack overflow into a clear message naming the fiber instead of silent
// memory corruption: a SIGSEGV handler, running on an alternate signal stack (the faulting
// stack has no room left), recognises hits on a guard page; canary stacks are checked by
// the scheduler at every switch.

#include "core/fiber.hpp"

namespace eio::detail {

// Installs the process-wide SIGSEGV handler (once) and this thread's alternate stack.
void install_overflow_handler_for_thread() noexcept;

// Reports that `f` ran over its canary, and aborts.
[[noreturn]] void report_canary_overflow(const Fiber& f) noexcept;

}  // namespace eio::detail
