#pragma once
// The io_uring backend: one ring per domain.

#include <memory>

#include "core/backend.hpp"

namespace eio::uring {

// Throws eio::Io_error if the ring cannot be set up (ENOSYS, EPERM under seccomp, ENOMEM
// from the memlock limit, io_uring_disabled, ...); the selector falls back to POSIX.
std::unique_ptr<detail::Backend> make_loop();

}  // namespace eio::uring
