#include "core/context_switch.hpp"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define EIO_HAVE_VALGRIND 1
#endif

namespace eio::detail {

void make_context(Exec_context& c, const Stack& stack, std::size_t reserved_top) noexcept {
  c = Exec_context{};
  c.stack_bottom = stack.limit;
  c.stack_size = stack.size;
  // Adapts fcontext's calling convention: record where the switcher stopped, then enter.
  auto trampoline = [](ctx::transfer_t t) {
    // The outermost frame of a fiber: debuggers, perf and backtrace() stop here instead of
    // wandering into make_fcontext's scratch words.
    asm volatile(".cfi_undefined rip");
    auto* from = static_cast<Exec_context*>(t.data);
    from->fctx = t.fctx;  // harmless for an exiting context: it is never resumed
    fiber_entry(from);
  };
  c.fctx = ctx::make_fcontext(stack.top() - reserved_top, stack.size - reserved_top, trampoline);
#ifdef EIO_TSAN
  c.tsan_fiber = __tsan_create_fiber(0);
#endif
}

void adopt_thread_context(Exec_context& c) noexcept {
  c = Exec_context{};
#ifdef EIO_TSAN
  c.tsan_fiber = __tsan_get_current_fiber();
#endif
}

void release_context(Exec_context& c) noexcept {
#ifdef EIO_TSAN
  if (c.tsan_fiber != nullptr) __tsan_destroy_fiber(c.tsan_fiber);
  c.tsan_fiber = nullptr;
#else
  (void)c;
#endif
}

void exit_context(Exec_context& from, Exec_context& to) noexcept {
  from.exiting = true;
  swap_eh(from, to);
  before_jump(from, to);
  ctx::jump_fcontext(to.fctx, &from);
  __builtin_unreachable();
}

void annotate_stack_created(Stack& stack) noexcept {
#ifdef EIO_HAVE_VALGRIND
  VALGRIND_STACK_REGISTER(stack.limit, stack.top());
#else
  (void)stack;
#endif
}

void annotate_stack_destroyed(const Stack& stack) noexcept {
  // valgrind identifies stacks by the id STACK_REGISTER returned; looking it up by range is
  // not offered, so deregistration is left to process exit. Memcheck tolerates that.
  (void)stack;
}

}  // namespace eio::detail
