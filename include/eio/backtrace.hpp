#pragma once
// Backtraces of exceptions (SPEC §9). eio records the call stack at every throw (any
// exception type, not only eio's, except eio::Cancelled), so a failure that crossed fiber
// boundaries still says where it came from. EIO_BACKTRACE=0 turns recording off.

#include <exception>
#include <optional>
#include <string>

namespace eio {

/// The symbolised frames (one per line, innermost first: "#0 function at file:line") of
/// the place `e` was thrown, or nullopt when none was recorded (recording is off, `e` was
/// made with std::make_exception_ptr, or it is an eio::Cancelled). Thread-safe.
std::optional<std::string> backtrace_of(const std::exception_ptr& e);

}  // namespace eio
