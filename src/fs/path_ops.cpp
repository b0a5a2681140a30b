// Operations on names: create, remove, rename and link them; read and change metadata.
// Each resolves the directory holding the last component beneath the capability and acts
// on that component with an *at call that does not follow it (fs/resolve.hpp).

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "eio/errors.hpp"
#include "eio/path.hpp"
#include "fs/ops.hpp"
#include "fs/resolve.hpp"

namespace eio::path {
namespace {

using detail::Io_op;

long at_op(Io_op::Kind kind, const detail::Target& t, unsigned mode, int flags) {
  Io_op op{.kind = kind, .fd = -1};
  op.path = t.leaf.c_str();
  op.mode = mode;
  op.flags = flags;
  return t.dir.state().perform(op);
}

void check(long r, const char* verb, const Path& p) {
  if (r < 0) detail::throw_path_error(r, verb, p);
}

// Renames and hard links name two directories, each kept open for the call.
long two_dir_op(Io_op::Kind kind, const detail::Target& from, const detail::Target& to,
                const char* symlink_target = nullptr) {
  Io_op op{.kind = kind, .fd = -1};
  op.path = symlink_target != nullptr ? symlink_target : from.leaf.c_str();
  op.path2 = to.leaf.c_str();
  return from.dir.state().perform(op, to.dir.state());
}

// chmod of a descriptor opened O_PATH: fchmodat2 (Linux 6.6) with AT_EMPTY_PATH, else
// through its /proc/self/fd entry (which names that very file, not a path).
long chmod_fd(int fd, unsigned perm) {
  constexpr long kFchmodat2 = 452;
  if (::syscall(kFchmodat2, fd, "", perm, AT_EMPTY_PATH) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return -errno;
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  return ::chmod(proc.c_str(), perm) == 0 ? 0 : -errno;
}

}  // namespace

void mkdir(const Path& p, unsigned perm) {
  detail::Target t = detail::resolve_parent(p, "creating directory");
  check(at_op(Io_op::Kind::mkdirat, t, perm, 0), "creating directory", p);
}

void rmdir(const Path& p) {
  detail::Target t = detail::resolve_parent(p, "removing directory");
  check(at_op(Io_op::Kind::unlinkat, t, 0, AT_REMOVEDIR), "removing directory", p);
}

void unlink(const Path& p) {
  detail::Target t = detail::resolve_parent(p, "removing");
  check(at_op(Io_op::Kind::unlinkat, t, 0, 0), "removing", p);
}

void rename(const Path& from, const Path& to) {
  detail::Target a = detail::resolve_parent(from, "renaming");
  detail::Target b = detail::resolve_parent(to, "renaming to");
  long r = two_dir_op(Io_op::Kind::renameat, a, b);
  if (r < 0) {
    detail::throw_path_error(r, ("renaming " + from.to_string() + " to").c_str(), to);
  }
}

void symlink(const Path& link, std::string_view target) {
  detail::Target t = detail::resolve_parent(link, "creating symlink");
  std::string stored(target);
  Io_op op{.kind = Io_op::Kind::symlinkat, .fd = -1};
  op.path = stored.c_str();
  op.path2 = t.leaf.c_str();
  check(t.dir.state().perform(op), "creating symlink", link);
}

void hard_link(const Path& link, const Path& target) {
  detail::Target l = detail::resolve_parent(link, "creating hard link");
  detail::Target t = detail::resolve_parent(target, "linking to");
  check(two_dir_op(Io_op::Kind::linkat, t, l), "creating hard link", link);
}

std::string read_link(const Path& p) {
  detail::Target t = detail::resolve_parent(p, "reading symlink");
  std::string out(PATH_MAX, '\0');
  int dirfd = t.dir.state().fd;
  long r = detail::blocking_call(t.dir.state(), [&]() -> long {
    ssize_t n = ::readlinkat(dirfd, t.leaf.c_str(), out.data(), out.size());
    return n >= 0 ? n : -errno;
  });
  check(r, "reading symlink", p);
  out.resize(static_cast<std::size_t>(r));
  return out;
}

void chmod(const Path& p, unsigned perm, const Follow_options& opts) {
  const char* verb = "changing permissions of";
  if (opts.follow && p.is_confined()) {
    detail::Dir_fd d = detail::resolve_followed(p, verb);
    int fd = d.state().fd;
    check(detail::blocking_call(d.state(), [&] { return chmod_fd(fd, perm); }), verb, p);
    return;
  }
  detail::Target t = detail::resolve_parent(p, verb);
  int dirfd = t.dir.state().fd;
  int flags = opts.follow ? 0 : AT_SYMLINK_NOFOLLOW;
  check(detail::blocking_call(t.dir.state(),
                              [&]() -> long {
                                return ::fchmodat(dirfd, t.leaf.c_str(), perm, flags) == 0 ? 0
                                                                                           : -errno;
                              }),
        verb, p);
}

void chown(const Path& p, std::uint32_t uid, std::uint32_t gid, const Follow_options& opts) {
  const char* verb = "changing owner of";
  auto call = [&](detail::Fd_state& dir, const char* name, int flags) -> long {
    int dirfd = dir.fd;
    return detail::blocking_call(
        dir, [&]() -> long { return ::fchownat(dirfd, name, uid, gid, flags) == 0 ? 0 : -errno; });
  };
  if (opts.follow && p.is_confined()) {
    detail::Dir_fd d = detail::resolve_followed(p, verb);
    check(call(d.state(), "", AT_EMPTY_PATH), verb, p);
    return;
  }
  detail::Target t = detail::resolve_parent(p, verb);
  check(call(t.dir.state(), t.leaf.c_str(), opts.follow ? 0 : AT_SYMLINK_NOFOLLOW), verb, p);
}

Stat stat(const Path& p, const Follow_options& opts) {
  const char* verb = "getting the metadata of";
  struct statx sx;
  if (opts.follow && p.is_confined()) {
    detail::Dir_fd d = detail::resolve_followed(p, verb);
    check(detail::statx_at(d.state(), "", AT_EMPTY_PATH, sx), verb, p);
  } else {
    detail::Target t = detail::resolve_parent(p, verb);
    int flags = opts.follow ? 0 : AT_SYMLINK_NOFOLLOW;
    check(detail::statx_at(t.dir.state(), t.leaf.c_str(), flags, sx), verb, p);
  }
  return detail::to_stat(sx);
}

File_kind kind(const Path& p, const Follow_options& opts) {
  try {
    return stat(p, opts).kind;
  } catch (const Io_error& e) {
    if (e.code() == std::errc::no_such_file_or_directory) return File_kind::not_found;
    throw;
  }
}

bool is_file(const Path& p) {
  return kind(p) == File_kind::regular_file;
}

bool is_directory(const Path& p) {
  return kind(p) == File_kind::directory;
}

namespace {

void make_dirs(const Path& p, const Mkdirs_options& opts) {
  auto parent = split(p);
  if (parent && kind(parent->first) == File_kind::not_found) {
    make_dirs(parent->first, {.exists_ok = true, .perm = opts.perm});
  }
  try {
    mkdir(p, opts.perm);
  } catch (const Io_error& e) {
    if (!opts.exists_ok || e.code() != std::errc::file_exists || !is_directory(p)) throw;
  }
}

}  // namespace

void mkdirs(const Path& p, const Mkdirs_options& opts) {
  try {
    make_dirs(p, opts);
  } catch (Io_error& e) {
    e.add_context(detail::describe("creating directories", p));
    throw;
  }
}

}  // namespace eio::path
