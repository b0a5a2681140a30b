#pragma once
// Sleeping on the domain's timer heap, shared by the real clocks.

#include <cstdint>

namespace eio::detail {

// Suspends the running fiber until the monotonic clock reads `deadline_ns` (a past
// deadline still yields). A cancellation point. On a plain thread, blocks the thread.
void sleep_until_mono_ns(std::int64_t deadline_ns);

}  // namespace eio::detail
