#include "core/fiber.hpp"

#include <new>
#include <stdexcept>

#include "core/cancel_access.hpp"
#include "core/scheduler.hpp"

namespace eio::detail {
namespace {

char* align_down(char* p, std::size_t align) {
  return reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(p) & ~(align - 1));
}

thread_local Binding_node* tls_thread_bindings = nullptr;

}  // namespace

Fiber_slot prepare_fiber(std::size_t body_size, std::size_t body_align,
                         const fiber::Fork_options& opts) {
  Scheduler* s = Scheduler::current();
  if (s == nullptr) throw std::logic_error("eio: fibers can only be forked inside eio::run");
  Stack stack = s->stacks().acquire(opts.stack_size);
  char* record = align_down(stack.top() - sizeof(Fiber), alignof(Fiber));
  auto* f = ::new (record) Fiber();
  char* body = align_down(record - body_size, body_align);
  make_context(*f, stack, static_cast<std::size_t>(stack.top() - body));
  f->stack = stack;
  f->sched = s;
  f->name = opts.name;
  f->id = s->next_fiber_id();
  f->remote.fiber = f;
  f->remote.run = [](Remote_node* n) noexcept {
    Fiber* fiber = static_cast<Wake_node*>(n)->fiber;
    fiber->sched->push_back(fiber);
  };
  return {f, body};
}

void abandon_fiber(Fiber_slot slot) noexcept {
  Stack stack = slot.fiber->stack;
  release_context(*slot.fiber);
  slot.fiber->sched->stacks().release(stack);
}

void start_fiber(Fiber_slot slot, Fiber_body* body, cancel::Context& cc) noexcept {
  Fiber* f = slot.fiber;
  Scheduler* s = f->sched;
  f->body = body;
  if (Fiber* parent = s->running()) {
    f->bindings = parent->bindings;
    retain(f->bindings);
  }
  Cancel_access::enter(cc, *f);
  s->live_fibers().push_back(*f);
  s->start(f);
}

void fiber_entry(Exec_context* from) noexcept {
  Scheduler* s = Scheduler::current();
  Fiber* self = s->running();
  arrived(*self, from, &Scheduler::reap);
  self->body->run_and_destroy();
  Cancel_access::leave(*self);
  release(self->bindings);
  Intrusive_list<Fiber, Registry_tag>::remove(*self);
  s->exit_running();
}

// Async-signal-safe (the overflow handler calls it): no stdio, no allocation.
void describe_fiber(const Fiber& f, char* buf, std::size_t len) noexcept {
  if (len == 0) return;
  std::size_t n = 0;
  for (const char* s = f.name != nullptr ? f.name : "fiber"; *s != '\0' && n + 1 < len; ++s) {
    buf[n++] = *s;
  }
  char digits[24];
  std::size_t d = 0;
  std::uint64_t id = f.id;
  do {
    digits[d++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  if (n + 1 < len) buf[n++] = '#';
  while (d > 0 && n + 1 < len) buf[n++] = digits[--d];
  buf[n] = '\0';
}

Binding_node* current_bindings() noexcept {
  Fiber* f = current_fiber();
  return f != nullptr ? f->bindings : tls_thread_bindings;
}

Binding_node* exchange_bindings(Binding_node* b) noexcept {
  Fiber* f = current_fiber();
  Binding_node*& slot = f != nullptr ? f->bindings : tls_thread_bindings;
  Binding_node* old = slot;
  slot = b;
  return old;
}

void retain(Binding_node* b) noexcept {
  if (b != nullptr) ++b->refs;
}

void release(Binding_node* b) noexcept {
  while (b != nullptr && --b->refs == 0) {
    Binding_node* parent = b->parent;
    delete b;
    b = parent;
  }
}

}  // namespace eio::detail
