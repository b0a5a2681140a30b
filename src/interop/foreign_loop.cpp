// Attaching a foreign event loop (eio/detail/foreign_loop.hpp) to the calling domain.

#include <stdexcept>

#include "core/scheduler.hpp"
#include "eio/detail/foreign_loop.hpp"

namespace eio::detail {

void attach_foreign_loop(Foreign_loop& loop) {
  if (current_fiber() == nullptr) {
    throw std::logic_error("eio: a foreign event loop can only be attached from an eio fiber");
  }
  Scheduler* s = Scheduler::current();
  if (s->foreign_loop() != nullptr) {
    throw std::logic_error(
        "eio: this domain already drives a foreign event loop (with_event_loop cannot nest)");
  }
  s->set_foreign_loop(&loop);
}

void detach_foreign_loop(Foreign_loop& loop) noexcept {
  Scheduler* s = Scheduler::current();
  if (s != nullptr && s->foreign_loop() == &loop) s->set_foreign_loop(nullptr);
}

}  // namespace eio::detail
