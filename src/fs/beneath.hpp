#pragma once
// Opening a path beneath a directory so that nothing outside it can be reached: openat2
// with RESOLVE_BENEATH where the kernel has it (Linux 5.6), else a walk that opens one
// component at a time and resolves symlinks itself.

#include <string>

#include "os/fd_state.hpp"

namespace eio::detail {

// Opens `path` relative to the directory of `dir` (AT_FDCWD allowed) with open(2) `flags`
// and `mode`, for the running fiber. With `confined`, `..` above the directory, absolute
// paths, symlinks leading out and magic links give -EXDEV. Returns the new descriptor
// (O_CLOEXEC), owned by the caller, or -errno. Throws what Fd_state::perform throws.
long open_beneath(Fd_state& dir, const std::string& path, int flags, unsigned mode, bool confined);

// The walk used where openat2 is missing, as a blocking call: for helper threads.
long walk_beneath(int dirfd, const std::string& path, int flags, unsigned mode) noexcept;

// Tests: use the walk even though the kernel has openat2.
void force_walk_for_testing(bool on) noexcept;

}  // namespace eio::detail
