#pragma once
// Fire-and-forget jobs on the helper threads behind eio::os::run_in_systhread.

#include <functional>

namespace eio::os::detail {

// Runs `fn` on a helper thread and forgets it: for work whose caller may stop waiting
// (a cancelled getaddrinfo), which therefore must own everything it touches. Exceptions
// from `fn` are dropped.
void post_detached(std::function<void()> fn);

}  // namespace eio::os::detail
