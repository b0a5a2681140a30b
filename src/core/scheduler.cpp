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

namespace {
thread_local Scheduler* tls_scheduler = nullptr;

const Trace_hooks* hooks() noexcept {
  // relaxed: a tool installs hooks once, before the fibers it wants to see.
  return trace_hooks.load(std::memory_order_relaxed);
}
}  // namespace

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

Scheduler* Scheduler::current() noexcept {
  return tls_scheduler;
}

Fiber* current_fiber() noexcept {
  Scheduler* s = tls_scheduler;
  return s != nullptr ? s->running() : nullptr;
}

void wake(Fiber* f) noexcept {
  Scheduler* s = f->sched;
  if (s == tls_scheduler) {
    s->push_back(f);
  } else {
    s->post(&f->remote);
  }
}

void Scheduler::push_back(Fiber* f) noexcept {
  f->run_next = nullptr;
  if (run_tail_ != nullptr) {
    run_tail_->run_next = f;
  } else {
    run_head_ = f;
  }
  run_tail_ = f;
}

void Scheduler::push_front(Fiber* f) noexcept {
  f->run_next = run_head_;
  run_head_ = f;
  if (run_tail_ == nullptr) run_tail_ = f;
}

Fiber* Scheduler::pop_local() noexcept {
  Fiber* f = run_head_;
  if (f != nullptr) {
    run_head_ = f->run_next;
    if (run_head_ == nullptr) run_tail_ = nullptr;
  }
  return f;
}

Fiber* Scheduler::next_runnable() noexcept {
  Fiber* f = pop_local();
  if (f == nullptr && remote_.drain()) f = pop_local();
  return f;
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
  std::int64_t timeout = 0;
  if (!timers_.empty()) {
    std::int64_t now = mono_now_ns();
    if (timers_.fire_due(now) > 0) may_block = false;
    if (may_block) timeout = timers_.empty() ? -1 : timers_.next_deadline() - now;
  } else if (may_block) {
    timeout = -1;
  }
  if (may_block) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (!remote_.empty()) timeout = 0;
    backend_->poll(timeout);
    sleeping_.store(false, std::memory_order_relaxed);
    if (!timers_.empty()) timers_.fire_due(mono_now_ns());
  } else {
    backend_->poll(0);
  }
  remote_.drain();
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

void Scheduler::switch_away(Fiber* self, Fiber* next) noexcept {
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

void Scheduler::suspend() noexcept {
  Fiber* self = current_;
  if (const Trace_hooks* h = hooks(); h != nullptr && h->on_block != nullptr) h->on_block(*self);
  Fiber* next = ++steps_ < kPollInterval ? next_runnable() : nullptr;
  // A wake-up can arrive before we leave (from another thread, or a cancel): then there
  // is nothing to switch to.
  if (next == self) return;
  switch_away(self, next);
}

void Scheduler::yield() noexcept {
  push_back(current_);
  suspend();
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
