#pragma once
// What the fiber templates need from a Switch's private parts.

#include <exception>

#include "eio/switch.hpp"

namespace eio::detail {

// The reason the losers of fiber::first / fiber::any are cancelled with.
const std::exception_ptr& not_first();

struct Switch_access {
  // Accounts for a fiber about to be forked on `sw`. Returns false if `sw` is cancelled
  // (the fiber must not run); throws std::logic_error if `sw` has finished or belongs to
  // another domain.
  static bool begin_fork(Switch& sw, bool daemon) {
    sw.check_domain();
    if (sw.finishing_) throw std::logic_error("eio: fork on a finished switch");
    if (sw.cancel_.is_cancelled()) return false;
    sw.fiber_started(daemon);
    return true;
  }
  static void end_fork(Switch& sw, bool daemon) noexcept { sw.fiber_finished(daemon); }
  static void fiber_failed(Switch& sw, std::exception_ptr e) noexcept { sw.record(std::move(e)); }
  // Cancels `sw` without it counting as a failure (Cancelled(reason) is then ignored).
  static void stop(Switch& sw, std::exception_ptr reason) noexcept { sw.stop(std::move(reason)); }
  // Makes `node` released when `sw` finishes (in reverse order of attachment); a resource
  // closed earlier unlinks its node itself. Throws like on_release on a finished switch
  // (after releasing the node at once).
  static void attach(Switch& sw, Release_node& node) { sw.attach(node); }
  static Switch_outcome run_collect(Function_ref<void(Switch&)> body) {
    return Switch::run_collect(body);
  }
};

}  // namespace eio::detail
