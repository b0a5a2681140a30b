#pragma once
// An IO operation as one non-blocking system call, shared by the POSIX backend and by the
// io_uring backend's fallback for opcodes the running kernel lacks.

#include <cstdint>

#include "core/io.hpp"

namespace eio::detail {

// Makes the system call for `op` without blocking (MSG_DONTWAIT for socket messages; the
// other calls rely on O_NONBLOCK), retrying EINTR. Returns the result or -errno (-EAGAIN:
// wait for readiness and retry). connect and poll are not single calls: -EAGAIN. File
// system calls (blocks_thread) block: make them through call_on_helper_thread.
long nonblocking_call(const Io_op& op) noexcept;
// A read or write of a regular file (Io_op::regular_file) that only uses the page cache
// (preadv2/pwritev2 with RWF_NOWAIT); -EAGAIN if it would have to wait for the device.
long page_cache_call(const Io_op& op) noexcept;
// Makes the call for `op` on a helper thread (eio::os::run_in_systhread), suspending the
// fiber. Returns its result, or -ECANCELED if the fiber was cancelled before the call
// started (once started, the call finishes and its result is returned).
long call_on_helper_thread(const Io_op& op) noexcept;
// The poll(2)-style events `op` waits for when the call would block.
short readiness_events(const Io_op& op) noexcept;
// connect(2) once: 0, -EINPROGRESS (then wait for POLLOUT and read connect_result) or -errno.
long start_connect(const Io_op& op) noexcept;
// Whether `fd` has any of the poll(2) `events` now (a zero-timeout poll).
bool ready_now(int fd, short events) noexcept;
// The outcome of a connect that was in progress (SO_ERROR), as 0 or -errno.
long connect_result(int fd) noexcept;

}  // namespace eio::detail
