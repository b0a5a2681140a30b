#pragma once
// One scheduler per domain (OS thread running eio). It owns the run queue, the timers,
// the stack cache and the event loop backend.
//
// Scheduling order follows Eio: the run queue is FIFO; `fork` runs the child at once and
// puts the parent at the head; `yield` goes to the back. A blocking fiber switches straight
// to the next runnable fiber; only when none is left (or every kPollInterval switches, so
// that a fiber spinning on `yield` cannot starve timers and IO) does control go back to
// the scheduler's own context on the thread stack, which polls the backend.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

#include "core/backend.hpp"
#include "core/context_switch.hpp"
#include "core/fiber.hpp"
#include "core/overflow_handler.hpp"
#include "core/remote_queue.hpp"
#include "core/stack.hpp"
#include "core/timer_heap.hpp"
#include "eio/detail/foreign_loop.hpp"
#include "eio/detail/intrusive_list.hpp"

namespace eio::detail {

// Optional observer of the scheduler, for tracing and debugging tools. All callbacks run on
// the domain's thread and must not block.
struct Trace_hooks {
  void (*on_create)(const Fiber& child, const Fiber* parent) noexcept = nullptr;
  void (*on_switch)(const Fiber* from, const Fiber* to) noexcept = nullptr;
  void (*on_block)(const Fiber& fiber) noexcept = nullptr;
  void (*on_exit)(const Fiber& fiber) noexcept = nullptr;
};
extern std::atomic<const Trace_hooks*> trace_hooks;

inline const Trace_hooks* hooks() noexcept {
  // relaxed: a tool installs hooks once, before the fibers it wants to see.
  return trace_hooks.load(std::memory_order_relaxed);
}

class Scheduler;
// The calling thread's scheduler (constinit: read without a TLS wrapper call).
extern constinit thread_local Scheduler* tls_scheduler;

// Fibers still alive when their domain's main fiber finished (a runtime bug if not 0).
extern std::atomic<std::size_t> stranded_fibers;

class Scheduler {
 public:
  // Go and Tokio both poll for IO every 61 scheduling steps.
  static constexpr std::uint32_t kPollInterval = 61;

  // Binds the new scheduler to the calling thread (until destroyed). Throws
  // std::logic_error if the thread already runs one.
  explicit Scheduler(std::unique_ptr<Backend> backend);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // The scheduler of the calling thread, or null on a plain thread.
  static Scheduler* current() noexcept { return tls_scheduler; }

  // Runs `main` (prepared with prepare_fiber) and drives the loop until it finishes.
  void run(Fiber* main) noexcept;
  // Makes a prepared fiber the domain's main fiber, in context `root`, without running it.
  void adopt_main(Fiber* main, Fiber_body* body, cancel::Context& root) noexcept;

  Fiber* running() const noexcept { return current_; }
  Backend& backend() noexcept { return *backend_; }
  Timer_heap& timers() noexcept { return timers_; }
  Stack_pool& stacks() noexcept { return stacks_; }
  std::uint64_t next_fiber_id() noexcept { return ++fiber_ids_; }
  Intrusive_list<Fiber, Registry_tag>& live_fibers() noexcept { return live_; }
  // The foreign event loop sharing this thread (see foreign_loop.hpp), or null.
  Foreign_loop* foreign_loop() const noexcept { return foreign_; }
  void set_foreign_loop(Foreign_loop* loop) noexcept { foreign_ = loop; }

  // Run-queue operations, for the owning thread only.
  void push_back(Fiber* f) noexcept {
    f->run_next = nullptr;
    if (run_tail_ != nullptr) {
      run_tail_->run_next = f;
    } else {
      run_head_ = f;
    }
    run_tail_ = f;
  }
  void push_front(Fiber* f) noexcept {
    f->run_next = run_head_;
    run_head_ = f;
    if (run_tail_ == nullptr) run_tail_ = f;
  }
  // Queues work from any thread, waking the loop if it sleeps.
  void post(Remote_node* n) noexcept;

  // The running fiber blocks; whoever will wake it has already been told how. Inline, as
  // are the functions it calls down to the stack switch: this is every blocking call's path.
  void suspend() noexcept {
    Fiber* self = current_;
    if (const Trace_hooks* h = hooks(); h != nullptr && h->on_block != nullptr) h->on_block(*self);
    Fiber* next = ++steps_ < kPollInterval ? next_runnable() : nullptr;
    // A wake-up can arrive before we leave (from another thread, or a cancel): then there
    // is nothing to switch to.
    if (next == self) return;
    switch_away(self, next);
  }
  // The running fiber goes to the back of the queue.
  void yield() noexcept {
    push_back(current_);
    suspend();
  }
  // Runs `child` now; the running fiber resumes before anything already queued.
  void start(Fiber* child) noexcept;
  // The running fiber has finished: leave it for good.
  [[noreturn]] void exit_running() noexcept;
  // Frees a finished fiber's stack; runs on the context switched to from it.
  static void reap(Exec_context* exited) noexcept;

 private:
  Fiber* pop_local() noexcept {
    Fiber* f = run_head_;
    if (f != nullptr) {
      run_head_ = f->run_next;
      if (run_head_ == nullptr) run_tail_ = nullptr;
    }
    return f;
  }
  Fiber* next_runnable() noexcept {
    Fiber* f = pop_local();
    if (f == nullptr && remote_.drain()) {
      ++remote_drains_;
      f = pop_local();
    }
    return f;
  }
  bool spin_for_remote(std::int64_t timeout_ns) noexcept;
  void switch_away(Fiber* self, Fiber* next) noexcept {
    if (self->stack.kind == Stack::Kind::canary && !self->stack.canary_intact()) {
      report_canary_overflow(*self);
    }
    if (const Trace_hooks* h = hooks(); h != nullptr && h->on_switch != nullptr) {
      h->on_switch(self, next);
    }
    current_ = next;
    switch_context(*self, next != nullptr ? static_cast<Exec_context&>(*next) : sched_ctx_,
                   &Scheduler::reap);
  }
  void poll_events(bool may_block) noexcept;
  bool sleep_in_foreign_loop(std::int64_t timeout_ns) noexcept;

  std::unique_ptr<Backend> backend_;
  Exec_context sched_ctx_;  // the thread's own stack, where the loop runs
  Fiber* current_ = nullptr;
  Fiber* main_ = nullptr;
  bool main_done_ = false;
  Fiber* run_head_ = nullptr;
  Fiber* run_tail_ = nullptr;
  std::uint32_t steps_ = 0;
  Remote_queue remote_;
  std::atomic<bool> sleeping_{false};
  static constexpr std::int64_t kSpinNs = 20'000;
  static constexpr std::int64_t kTrimWhenIdleNs = 10'000'000;
  static constexpr std::size_t kTrimBatch = 32;
  std::uint64_t remote_drains_ = 0;  // how many drains found work from other threads
  std::uint64_t drains_at_last_sleep_ = 0;
  std::atomic<int> posting_{0};  // post() calls still touching this scheduler
  Timer_heap timers_;
  Stack_pool stacks_;
  Intrusive_list<Fiber, Registry_tag> live_;
  std::uint64_t fiber_ids_ = 0;
  Foreign_loop* foreign_ = nullptr;
};

inline Fiber* current_fiber() noexcept {
  Scheduler* s = tls_scheduler;
  return s != nullptr ? s->running() : nullptr;
}

inline void wake(Fiber* f) noexcept {
  Scheduler* s = f->sched;
  if (s == tls_scheduler) {
    s->push_back(f);
  } else {
    s->post(&f->remote);
  }
}

}  // namespace eio::detail
