#include "core/scheduler.hpp"

#include <sched.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <stdexcept>

#include "core/cancel_access.hpp"
#include "core/overflow_handler.hpp"

namespace eio::detail {

std::atomic<const Trace_hooks*> trace_hooks{nullptr};
std::atomic<std::size_t> stranded_fibers{0};

constinit thread_local Scheduler* tls_scheduler = nullptr;

Scheduler::Scheduler(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {
  if (tls_scheduler != nullptr) {
    throw std::logic_error("eio: eio::run called inside a domain (nested event loops)");
  }
  tls_scheduler = this;
}

Scheduler::~Scheduler() {
  // A post() from another thread may still be between pushing its node (which let the
  // last fiber finish) and waking the backend: wait for it before freeing both.
  while (posting_.load(std::memory_order_acquire) != 0) ::sched_yield();
  tls_scheduler = nullptr;
}

// Sleeping protocol with post(): the loop stores sleeping_ = true and then checks the
// remote queue; a poster pushes and then checks sleeping_. Both sides use seq_cst, so at
// least one of them sees the other: either the loop finds the item, or the poster sees the
// flag and wakes the backend. exchange(false) makes only the first poster pay for wake().
void Scheduler::post(Remote_node* n) noexcept {
  // relaxed: the push below is a release that the drain acquires, so the destructor, which
  // runs after that drain, sees this increment.
  posting_.fetch_add(1, std::memory_order_relaxed);
  remote_.push(n);
  if (sleeping_.load(std::memory_order_seq_cst) &&
      sleeping_.exchange(false, std::memory_order_seq_cst)) {
    backend_->wake();
  }
  // release: our last use of *this happens before the destructor's acquire load.
  posting_.fetch_sub(1, std::memory_order_release);
}

void Scheduler::poll_events(bool may_block) noexcept {
  if (foreign_ != nullptr) {
    foreign_->run_ready();
    if (run_head_ != nullptr) may_block = false;  // its handlers woke fibers
  }
  std::int64_t timeout = 0;
  if (!timers_.empty()) {
    std::int64_t now = mono_now_ns();
    if (timers_.fire_due(now) > 0) may_block = false;
    if (may_block) timeout = timers_.empty() ? -1 : timers_.next_deadline() - now;
  } else if (may_block) {
    timeout = -1;
  }
  if (may_block && spin_for_remote(timeout)) timeout = 0;
  // About to sleep for a while: a good moment to give back stacks from a past burst (a
  // few at a time, since each munmap costs a TLB shootdown).
  if (may_block && (timeout < 0 || timeout >= kTrimWhenIdleNs)) stacks_.trim(kTrimBatch);
  if (may_block) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (!remote_.empty()) timeout = 0;
    if (timeout == 0 || foreign_ == nullptr || !sleep_in_foreign_loop(timeout)) {
      backend_->poll(timeout);
    }
    sleeping_.store(false, std::memory_order_relaxed);
    if (!timers_.empty()) timers_.fire_due(mono_now_ns());
  } else {
    backend_->poll(0);
  }
  if (remote_.drain()) ++remote_drains_;
}

// The foreign loop sleeps for both sides, watching the backend's readiness fd. Whatever
// completed before the fd was prepared has been dispatched by then; if that woke a fiber,
// there is no sleeping to do. Afterwards, a poll(0) dispatches what woke the thread.
bool Scheduler::sleep_in_foreign_loop(std::int64_t timeout_ns) noexcept {
  int fd = backend_->prepare_foreign_sleep();
  if (fd < 0) return false;
  if (run_head_ != nullptr || !remote_.empty()) return true;
  if (!foreign_->sleep(fd, timeout_ns)) return false;
  backend_->poll(0);
  return true;
}

// Putting a thread to sleep in the kernel and waking it costs several microseconds on each
// side (about 14 us in the VMs measured here). While other threads are handing this
// domain work, it is cheaper to watch the remote queue for a moment first. Spinning only
// follows a wake-up that brought remote work, so an idle domain sleeps at once.
bool Scheduler::spin_for_remote(std::int64_t timeout_ns) noexcept {
  std::uint64_t drains = remote_drains_;
  bool recent = drains != drains_at_last_sleep_;
  drains_at_last_sleep_ = drains;
  if (!recent || timeout_ns == 0) return false;
  std::int64_t now = mono_now_ns();
  std::int64_t until = now + (timeout_ns > 0 ? std::min(timeout_ns, kSpinNs) : kSpinNs);
  do {
    for (int i = 0; i < 64; ++i) {
      if (!remote_.empty()) return true;
      __builtin_ia32_pause();
    }
  } while (mono_now_ns() < until);
  return false;
}

void Scheduler::adopt_main(Fiber* main, Fiber_body* body, cancel::Context& root) noexcept {
  main->body = body;
  Cancel_access::enter(root, *main);
  live_.push_back(*main);
}

void Scheduler::run(Fiber* main) noexcept {
  install_overflow_handler_for_thread();
  adopt_thread_context(sched_ctx_);
  main_ = main;
  push_back(main);
  while (!main_done_) {
    Fiber* next = next_runnable();
    if (next == nullptr) {
      poll_events(true);
      continue;
    }
    steps_ = 0;
    current_ = next;
    if (const Trace_hooks* h = hooks(); h != nullptr && h->on_switch != nullptr) {
      h->on_switch(nullptr, next);
    }
    switch_context(sched_ctx_, *next, &Scheduler::reap);
    // Back on the thread stack: either nothing is runnable, or a fiber used up its
    // budget of switches and IO must be polled before carrying on.
    if (!main_done_ && run_head_ != nullptr) poll_events(false);
  }
  // Structured concurrency means nothing outlives the main fiber; count it if it did.
  stranded_fibers.fetch_add(live_.size(), std::memory_order_relaxed);
}

void Scheduler::start(Fiber* child) noexcept {
  Fiber* self = current_;
  if (const Trace_hooks* h = hooks(); h != nullptr && h->on_create != nullptr) {
    h->on_create(*child, self);
  }
  push_front(self);
  switch_away(self, child);
}

void Scheduler::exit_running() noexcept {
  Fiber* self = current_;
  if (const Trace_hooks* h = hooks(); h != nullptr && h->on_exit != nullptr) h->on_exit(*self);
  if (self->stack.kind == Stack::Kind::canary && !self->stack.canary_intact()) {
    report_canary_overflow(*self);
  }
  if (self == main_) main_done_ = true;
  // Counts as a step too: a loop forking fibers that finish at once must still let the
  // scheduler poll.
  Fiber* next = main_done_ || ++steps_ >= kPollInterval ? nullptr : next_runnable();
  current_ = next;
  exit_context(*self, next != nullptr ? static_cast<Exec_context&>(*next) : sched_ctx_);
}

void Scheduler::reap(Exec_context* exited) noexcept {
  auto* f = static_cast<Fiber*>(exited);
  Stack stack = f->stack;  // f lives on that stack: copy before releasing it
  release_context(*f);
  tls_scheduler->stacks_.release(stack);
}

}  // namespace eio::detail
