#pragma once
// The POSIX backend: epoll and non-blocking system calls.

#include <memory>

#include "core/backend.hpp"

namespace eio::posix {

// Throws eio::Io_error if epoll or the eventfd cannot be created.
std::unique_ptr<detail::Backend> make_loop();

}  // namespace eio::posix
