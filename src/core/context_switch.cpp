#include "core/context_switch.hpp"

#include <cxxabi.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define EIO_HAVE_VALGRIND 1
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define EIO_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
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

namespace eio::detail {
namespace ctx = boost::context::detail;

namespace {

// The switch is a hot path: look the globals up once per thread.
thread_local __cxxabiv1::__cxa_eh_globals* tls_eh = nullptr;

__cxxabiv1::__cxa_eh_globals* eh_globals() noexcept {
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

}  // namespace

void arrived(Exec_context& self, Exec_context* from, Reap_fn reap) noexcept {
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

void switch_context(Exec_context& from, Exec_context& to, Reap_fn reap) noexcept {
  swap_eh(from, to);
  before_jump(from, to);
  ctx::transfer_t t = ctx::jump_fcontext(to.fctx, &from);
  // Back in `from`: t.data is the context that switched to us, t.fctx where it stopped.
  auto* prev = static_cast<Exec_context*>(t.data);
  prev->fctx = t.fctx;
  arrived(from, prev, reap);
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
