#pragma once
// Turning a Path into the descriptors its operations act on, with confinement decided by
// the kernel (fs/beneath.hpp), and the errors those operations raise.

#include <string>

#include "eio/path.hpp"
#include "fs/dir.hpp"

namespace eio::detail {

// A directory descriptor for one operation: the capability's own (borrowed), or one opened
// for the operation and closed when this goes away.
class Dir_fd {
 public:
  explicit Dir_fd(Fd_state& borrowed) noexcept : state_(&borrowed) {}
  static Dir_fd adopt(int raw);
  Dir_fd(Dir_fd&& other) noexcept : state_(other.state_), owned_(other.owned_) {
    other.state_ = nullptr;
  }
  Dir_fd& operator=(Dir_fd&&) = delete;
  ~Dir_fd();
  Fd_state& state() const noexcept { return *state_; }

 private:
  Fd_state* state_;
  bool owned_ = false;
};

// Where an operation on a name acts: a directory and a last component that is neither
// "." nor ".." (those become "." in the directory they name).
struct Target {
  Dir_fd dir;
  std::string leaf;
};

// For operations on a name that must not follow it (mkdir, unlink, lstat, ...): the
// directory holding `p`'s last component, resolved beneath a confining capability.
Target resolve_parent(const Path& p, const char* verb);
// For operations that follow symlinks (stat, chmod, chown): `p` itself, opened O_PATH
// beneath its capability; the operation then names it with AT_EMPTY_PATH.
Dir_fd resolve_followed(const Path& p, const char* verb);
// Opens `p` with open(2) `flags` (O_CLOEXEC added) and `mode`, beneath its capability if
// confined. Returns the raw descriptor, owned by the caller.
int open_path(const Path& p, int flags, unsigned mode, const char* verb);

// The context line of an error: "<verb> <path as written>".
std::string describe(const char* verb, const Path& p);
// Throws the Io_error for -errno `r` from an operation on `p`.
[[noreturn]] void throw_path_error(long r, const char* verb, const Path& p);

}  // namespace eio::detail
