// The non-template parts of eio::fiber and the cancellation points.

#include <sched.h>

#include <limits>
#include <stdexcept>

#include "core/cancel_access.hpp"
#include "core/scheduler.hpp"
#include "eio/detail/cancel_point.hpp"
#include "eio/fiber.hpp"
#include "eio/fiber_list.hpp"

namespace eio {
namespace detail {

void check_cancelled() {
  Fiber* f = current_fiber();
  if (f != nullptr && f->cc->is_cancelled()) throw_cancelled();
}

void throw_cancelled() {
  Fiber* f = current_fiber();
  throw Cancelled(f != nullptr ? f->cc->reason() : nullptr);
}

namespace {
struct Not_first {};
}  // namespace

const std::exception_ptr& not_first() {
  static const std::exception_ptr reason = std::make_exception_ptr(Not_first{});
  return reason;
}

}  // namespace detail

namespace fiber {

void yield() {
  detail::Scheduler* s = detail::Scheduler::current();
  if (s == nullptr || s->running() == nullptr) {
    ::sched_yield();
    return;
  }
  detail::Fiber* self = s->running();
  s->yield();
  if (self->cc->is_cancelled()) detail::throw_cancelled();
}

void check() {
  detail::check_cancelled();
}

void await_cancel() {
  Trigger never;
  never.await();
  throw std::logic_error("eio: await_cancel woke without being cancelled");
}

void all(const std::vector<std::function<void()>>& fns) {
  if (fns.empty()) return;
  Switch::run([&](Switch& sw) {
    for (std::size_t i = 0; i + 1 < fns.size(); ++i) fork(sw, [&fn = fns[i]] { fn(); });
    if (!sw.is_cancelled()) fns.back()();
  });
}

namespace list::detail_ {

void for_each_index(std::size_t n, std::size_t max_fibers,
                    eio::detail::Function_ref<void(std::size_t)> body) {
  if (max_fibers == 0) throw std::invalid_argument("eio::fiber::list: max_fibers must be > 0");
  // Everything here runs in one domain, so a plain counter suffices. It lives outside the
  // switch's body, which returns before the fibers that use it have finished.
  std::size_t running = 0;
  Trigger* slot_freed = nullptr;
  Switch::run([&](Switch& sw) {
    for (std::size_t i = 0; i < n && !sw.is_cancelled(); ++i) {
      while (running >= max_fibers) {
        Trigger t;
        slot_freed = &t;
        bool freed = t.await_unless_cancelled();
        slot_freed = nullptr;
        if (!freed) eio::detail::throw_cancelled();  // a failure cancelled the switch
      }
      ++running;
      fork(sw, [&, i] {
        struct Done {
          std::size_t& running;
          Trigger*& slot_freed;
          ~Done() {
            --running;
            if (slot_freed != nullptr) slot_freed->signal();
          }
        } done{running, slot_freed};
        body(i);
      });
    }
  });
}

}  // namespace list::detail_
}  // namespace fiber
}  // namespace eio
