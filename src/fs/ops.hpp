#pragma once
// The system calls behind path and file operations, as operations of the running fiber:
// io_uring opcodes where the kernel has them, else blocking calls on a helper thread.

#include <cerrno>
#include <string>

#include "core/io.hpp"
#include "eio/file.hpp"
#include "os/fd_state.hpp"

struct statx;

namespace eio::detail {

// Runs `fn()` (a blocking call returning a result or -errno) on a helper thread while `dir`
// is kept open; returns its result. Throws as Fd_state::perform.
template <class F>
long blocking_call(Fd_state& dir, F&& fn) {
  Io_op op{.kind = Io_op::Kind::call, .fd = -1};
  op.call = [](void* f) -> long { return (*static_cast<std::remove_reference_t<F>*>(f))(); };
  op.call_arg = &fn;
  return dir.perform(op);
}

// statx(dir, path, flags) into `out`; `path` may be "" with AT_EMPTY_PATH.
long statx_at(Fd_state& dir, const char* path, int flags, struct statx& out);
// What statx reported, as eio's Stat.
Stat to_stat(const struct statx& sx) noexcept;
// The File_kind of a stat(2) mode or a dirent d_type.
File_kind kind_of_mode(unsigned mode) noexcept;
File_kind kind_of_dirent_type(unsigned char type) noexcept;

}  // namespace eio::detail
