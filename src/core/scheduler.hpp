#pragma once
// One scheduler per domain (OS thread running eio). It owns the run queue, the timers,
// the stack cache and the event loop backend.
//
// Scheduling order follows Eio: the run queue is FIFO; `fork` runs the child at once and
// puts the parent at the head; `yield` goes to the back. A blocking fiber switches straight
// to the next runnable fiber; only when none is left (or every kPollInterval switches, so
// that a fiber spinning on `yield` cannot starve timers and IO) does control go back to
// the scheduler's own context on the thread stack, which polls the backend.

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/backend.hpp"
#include "core/context_switch.hpp"
#include "core/fiber.hpp"
#include "core/remote_queue.hpp"
#include "core/stack.hpp"
#include "core/timer_heap.hpp"
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
  static Scheduler* current() noexcept;

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

  // Run-queue operations, for the owning thread only.
  void push_back(Fiber* f) noexcept;
  void push_front(Fiber* f) noexcept;
  // Queues work from any thread, waking the loop if it sleeps.
  void post(Remote_node* n) noexcept;

  // The running fiber blocks; whoever will wake it has already been told how.
  void suspend() noexcept;
  // The running fiber goes to the back of the queue.
  void yield() noexcept;
  // Runs `child` now; the running fiber resumes before anything already queued.
  void start(Fiber* child) noexcept;
  // The running fiber has finished: leave it for good.
  [[noreturn]] void exit_running() noexcept;
  // Frees a finished fiber's stack; runs on the context switched to from it.
  static void reap(Exec_context* exited) noexcept;

 private:
  Fiber* pop_local() noexcept;
  Fiber* next_runnable() noexcept;
  void switch_away(Fiber* self, Fiber* next) noexcept;
  void poll_events(bool may_block) noexcept;

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
  std::atomic<int> posting_{0};  // post() calls still touching this scheduler
  Timer_heap timers_;
  Stack_pool stacks_;
  Intrusive_list<Fiber, Registry_tag> live_;
  std::uint64_t fiber_ids_ = 0;
};

}  // namespace eio::detail
