#include "core/overflow_handler.hpp"

#include "core/scheduler.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace eio::detail {
namespace {

constexpr std::size_t kGuard = 4096;
constexpr std::size_t kAltStackSize = 64 * 1024;

struct sigaction previous_action;

// The thread's alternate signal stack, given back when the thread ends.
struct Alt_stack {
  void* mem = nullptr;
  ~Alt_stack() {
    if (mem == nullptr) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
    ::munmap(mem, kAltStackSize);
  }
};
thread_local Alt_stack tls_alt_stack;

// Only async-signal-safe calls below: write(2), no allocation, no stdio.
void write_str(const char* s) noexcept {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

[[noreturn]] void report_and_abort(const Fiber& f, const char* how) noexcept {
  char name[96];
  describe_fiber(f, name, sizeof name);
  write_str("eio: stack overflow in fiber ");
  write_str(name);
  write_str(how);
  write_str(" (give it a larger Fork_options::stack_size)\n");
  // SIGABRT must not come back here: restore the default and abort.
  ::signal(SIGSEGV, SIG_DFL);
  std::abort();
}

void on_segv(int sig, siginfo_t* info, void* uctx) {
  const Fiber* f = current_fiber();
  if (f != nullptr && f->stack.kind == Stack::Kind::guarded) {
    auto* addr = static_cast<char*>(info->si_addr);
    if (addr >= f->stack.limit - kGuard && addr < f->stack.limit) {
      report_and_abort(*f, " (hit the guard page)");
    }
  }
  // Not ours: hand it on as if we were not installed.
  if (previous_action.sa_flags & SA_SIGINFO) {
    previous_action.sa_sigaction(sig, info, uctx);
  } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
    previous_action.sa_handler(sig);
  } else {
    // Returning re-runs the faulting instruction with the default action: a core dump.
    ::signal(SIGSEGV, SIG_DFL);
  }
}

}  // namespace

void install_overflow_handler_for_thread() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGSEGV, &sa, &previous_action);
  });
  if (tls_alt_stack.mem != nullptr) return;
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  void* mem =
      ::mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;  // overflows are then reported by the kernel as SIGSEGV
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = kAltStackSize;
  if (::sigaltstack(&ss, nullptr) == 0) {
    tls_alt_stack.mem = mem;
  } else {
    ::munmap(mem, kAltStackSize);
  }
}

void report_canary_overflow(const Fiber& f) noexcept {
  report_and_abort(f, " (its stack canary was overwritten)");
}

}  // namespace eio::detail
