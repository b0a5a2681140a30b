#pragma once
// The io_uring backend's event loop: one ring per domain, with a read always pending on an
// eventfd so that other threads can wake a loop blocked in io_uring_enter.

#include <memory>

#include "core/backend.hpp"

namespace eio::uring {

// Throws eio::Io_error if the ring cannot be set up (ENOSYS, EPERM under seccomp, ENOMEM
// from the memlock limit, io_uring_disabled, ...); the selector falls back to POSIX.
std::unique_ptr<detail::Backend> make_loop();

}  // namespace eio::uring
