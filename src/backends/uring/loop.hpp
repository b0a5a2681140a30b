#pragma once
// The io_uring backend: one ring per domain.

#include <memory>

#include "core/backend.hpp"

namespace eio::uring {

// Throws eio::Io_error if the ring cannot be set up (ENOSYS, EPERM under seccomp, ENOMEM
// from the memlock limit, io_uring_disabled, ...); the selector falls back to POSIX.
std::unique_ptr<detail::Backend> make_loop();

// Test hooks. Makes every later ring setup fail with `err` (0: stop failing).
void fail_setup_for_testing(int err) noexcept;
// Makes later rings treat the opcodes of these Io_op kinds (bit 1 << kind) as missing,
// so those operations take the emulated path.
void hide_opcodes_for_testing(unsigned kinds_mask) noexcept;

}  // namespace eio::uring
