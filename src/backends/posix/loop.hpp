#pragma once
// The POSIX backend's event loop: epoll, plus an eventfd that other threads write to wake
// a sleeping loop.

#include <memory>

#include "core/backend.hpp"

namespace eio::posix {

// Throws eio::Io_error if epoll or the eventfd cannot be created.
std::unique_ptr<detail::Backend> make_loop();

}  // namespace eio::posix
