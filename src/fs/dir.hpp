#pragma once
// The directory capability behind an eio::Path, and the private access to a Path's parts.

#include <memory>
#include <string>

#include "eio/os/fd.hpp"
#include "eio/path.hpp"
#include "os/fd_state.hpp"

namespace eio::detail {

struct Dir {
  enum class Kind { fs, cwd, opened };
  Kind kind = Kind::fs;
  os::Fd fd;           // opened: the directory (O_PATH); fs and cwd use AT_FDCWD
  std::string native;  // opened: the path it was opened at, for messages and native()

  bool confined() const noexcept { return kind != Kind::fs; }
  // The descriptor state operations run against: the opened directory, or a shared state
  // standing for AT_FDCWD. Throws eio::Closed once an opened directory's switch finished.
  Fd_state& state() const;
};

struct Path_access {
  static const Dir& dir(const Path& p) noexcept { return *p.dir_; }
  static Path make(std::shared_ptr<const Dir> dir, std::string path) noexcept {
    return Path(std::move(dir), std::move(path));
  }
  // `p`'s capability with another relative path.
  static Path with_path(const Path& p, std::string path) { return Path(p.dir_, std::move(path)); }
  // The capabilities env.fs() and env.cwd() hand out; they live as long as the process.
  static const Path& fs();
  static const Path& cwd();
};

}  // namespace eio::detail
