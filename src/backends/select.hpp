#pragma once
// Chooses a domain's backend: the one asked for, else EIO_BACKEND, else io_uring with a
// fallback to POSIX on any setup failure.

#include <memory>

#include "core/backend.hpp"
#include "eio/run.hpp"

namespace eio::detail {

// Resolves Backend::automatic through EIO_BACKEND; throws std::invalid_argument for an
// unknown value.
eio::Backend resolve_backend(eio::Backend requested);
// Creates the backend. For automatic, falls back to POSIX when the ring cannot be set up
// (saying why on stderr once if EIO_DEBUG=1); a forced backend's failure is thrown.
std::unique_ptr<Backend> make_backend(eio::Backend requested);

}  // namespace eio::detail
