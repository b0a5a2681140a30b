#include <signal.h>

#include <cstdio>
#include <cstring>

#include "backends/select.hpp"
#include "core/cancel_access.hpp"
#include "core/scheduler.hpp"
#include "eio/backtrace.hpp"
#include "eio/errors.hpp"
#include "eio/run.hpp"
#include "runtime/domain.hpp"
#include "time/real_clocks.hpp"

namespace eio {
namespace detail {
void link_backtrace_hook();  // errors/backtrace.cpp

namespace {

// The main fiber gets a roomy stack: it costs address space, not memory.
constexpr std::size_t kMainStackSize = 8 * 1024 * 1024;

void report_uncaught(const std::exception_ptr& error) {
  std::string text = "eio: uncaught exception: " + describe(error) + "\n";
  if (auto bt = backtrace_of(error)) text += *bt;
  std::fputs(text.c_str(), stderr);
}

// A peer that hangs up must surface as an Io_error (EPIPE) from the write, not kill the
// process. Sockets also pass MSG_NOSIGNAL; pipes have no such flag. A handler the program
// installed itself is left alone.
void ignore_sigpipe() noexcept {
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL &&
      !(old.sa_flags & SA_SIGINFO)) {
    ::signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace

std::exception_ptr run_domain(eio::Backend backend, Function_ref<void()> main) {
  Scheduler sched(make_backend(backend));
  std::exception_ptr error;
  auto body = [&]() noexcept {
    try {
      main();
    } catch (...) {
      error = std::current_exception();
    }
  };
  using Body = Fiber_body_of<decltype(body)>;
  Cancel_access::with_root([&](cancel::Context& root) {
    Fiber_slot slot =
        prepare_fiber(sizeof(Body), alignof(Body), {.name = "main", .stack_size = kMainStackSize});
    auto* b = ::new (slot.body) Body(body);
    sched.adopt_main(slot.fiber, b, root);
    sched.run(slot.fiber);
  });
  return error;
}

void run_main(Function_ref<void(Env&)> main, const Run_options& opts) {
  link_backtrace_hook();
  ignore_sigpipe();
  static System_clock clock;
  static Steady_clock mono_clock;
  std::exception_ptr error = run_domain(opts.backend, [&] {
    auto chosen = std::strcmp(Scheduler::current()->backend().name(), "uring") == 0
                      ? eio::Backend::uring
                      : eio::Backend::posix;
    Env env = Env_access::make(clock, mono_clock, Env_access::domain_mgr(chosen));
    main(env);
  });
  if (error) {
    if (opts.report_uncaught) report_uncaught(error);
    std::rethrow_exception(error);
  }
}

}  // namespace detail

std::string_view backend_name() noexcept {
  detail::Scheduler* s = detail::Scheduler::current();
  return s != nullptr ? s->backend().name() : "";
}

}  // namespace eio
