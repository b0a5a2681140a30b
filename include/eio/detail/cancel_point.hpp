#pragma once
// Helpers for blocking operations: the check at the start of an operation, and the throw
// after a wait was cancelled. On plain threads (no fiber) nothing is ever cancelled.

namespace eio::detail {

// Throws eio::Cancelled if the running fiber's context is cancelled.
void check_cancelled();
// Throws eio::Cancelled with the running fiber's cancellation reason.
[[noreturn]] void throw_cancelled();

}  // namespace eio::detail
