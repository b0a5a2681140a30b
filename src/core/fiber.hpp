#pragma once
// The runtime's record of a fiber. It lives at the top of the fiber's own stack, followed
// by the body it runs, so forking allocates nothing beyond the (usually cached) stack.

#include <cstdint>

#include "core/context_switch.hpp"
#include "core/remote_queue.hpp"
#include "core/stack.hpp"
#include "eio/detail/binding.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/detail/spawn.hpp"

namespace eio::cancel {
class Context;
}

namespace eio::detail {

class Scheduler;
struct Registry_tag;

// Called (on the fiber's domain) when the context of a suspended fiber is cancelled; it
// must make the fiber runnable if the suspension can be abandoned, and never switch.
using Cancel_fn = void (*)(Fiber* fiber) noexcept;

// Queues a fiber on its own domain when posted from another thread.
struct Wake_node : Remote_node {
  Fiber* fiber = nullptr;
};

struct Fiber : Exec_context, List_node<>, List_node<Registry_tag> {
  Scheduler* sched = nullptr;
  cancel::Context* cc = nullptr;  // current cancellation context; Fiber is in its list
  Fiber* run_next = nullptr;      // local run queue link
  Wake_node remote;               // for wake-ups from other threads
  Cancel_fn cancel_fn = nullptr;  // set only while suspended cancellably
  void* cancel_data = nullptr;
  Fiber_body* body = nullptr;
  Binding_node* bindings = nullptr;
  Stack stack;
  const char* name = nullptr;
  std::uint64_t id = 0;
};

// wake(fiber) and current_fiber() are in scheduler.hpp.

// A short description for diagnostics: "<name>#<id>" or "fiber#<id>".
void describe_fiber(const Fiber& f, char* buf, std::size_t len) noexcept;

}  // namespace eio::detail
