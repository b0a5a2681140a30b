#include "fs/beneath.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <deque>
#include <string_view>
#include <vector>

#include "fs/ops.hpp"

namespace eio::detail {
namespace {

std::atomic<bool> forced_walk{false};
// Set once openat2 said ENOSYS (a kernel before 5.6, or a seccomp filter refusing it).
std::atomic<bool> lacks_openat2{false};
// Set once openat2 refused RESOLVE_CACHED (a kernel before 5.12).
std::atomic<bool> lacks_resolve_cached{false};

// Linux's own limit on symlinks followed in one lookup.
constexpr int kMaxSymlinks = 40;

void push_components(std::deque<std::string>& todo, std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  todo.insert(todo.begin(), parts.begin(), parts.end());
}

// The directories entered so far; `root` (borrowed) is below them all.
class Walk {
 public:
  explicit Walk(int root) : root_(root) {}
  ~Walk() {
    for (int fd : stack_) ::close(fd);
  }
  int current() const { return stack_.empty() ? root_ : stack_.back(); }
  bool at_root() const { return stack_.empty(); }
  void enter(int fd) { stack_.push_back(fd); }
  void leave() {
    ::close(stack_.back());
    stack_.pop_back();
  }

  // `name` in the current directory is a symlink (or the error was something else, which
  // is returned): queue its target's components, refusing anything that could lead out.
  long expand(const std::string& name, std::deque<std::string>& todo, int error) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(current(), name.c_str(), target, sizeof target);
    if (n < 0) return errno == EINVAL ? -error : -errno;  // EINVAL: not a symlink after all
    // Every symlink under /proc may be a magic link, which jumps rather than resolves.
    struct statfs fs;
    if (::fstatfs(current(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC) return -EXDEV;
    if (++links_ > kMaxSymlinks) return -ELOOP;
    if (n == 0) return -ENOENT;
    if (target[0] == '/') return -EXDEV;
    push_components(todo, std::string_view(target, static_cast<std::size_t>(n)));
    return 0;
  }

 private:
  int root_;
  std::vector<int> stack_;
  int links_ = 0;
};

long open_last(Walk& walk, const std::string& name, int flags, unsigned mode,
               std::deque<std::string>& todo) {
  int fd = ::openat(walk.current(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd >= 0) {
    struct stat st;
    // O_PATH | O_NOFOLLOW opens a symlink itself rather than failing.
    if (!(flags & O_PATH) || ::fstat(fd, &st) != 0 || !S_ISLNK(st.st_mode)) return fd;
    ::close(fd);
    return walk.expand(name, todo, ELOOP);
  }
  int err = errno;
  // ELOOP: a symlink refused by O_NOFOLLOW; ENOTDIR: one refused by O_DIRECTORY.
  if (err != ELOOP && err != ENOTDIR) return -err;
  return walk.expand(name, todo, err);
}

long walk(int dirfd, const std::string& path, int flags, unsigned mode) {
  if (!path.empty() && path[0] == '/') return -EXDEV;
  bool follow_last = !(flags & O_NOFOLLOW);
  if (!path.empty() && path.back() == '/') flags |= O_DIRECTORY;
  Walk w(dirfd);
  std::deque<std::string> todo;
  push_components(todo, path);
  if (todo.empty()) todo.emplace_back(".");
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    bool last = todo.empty();
    if (name == "..") {
      if (w.at_root()) return -EXDEV;
      w.leave();
      if (last) todo.emplace_back(".");
      continue;
    }
    if (last) {
      if (!follow_last || name == ".") {
        int fd = ::openat(w.current(), name.c_str(), flags | O_CLOEXEC, mode);
        return fd >= 0 ? fd : -errno;
      }
      long r = open_last(w, name, flags, mode, todo);
      if (r != 0 || todo.empty()) return r;
      continue;
    }
    int fd = ::openat(w.current(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      w.enter(fd);
      continue;
    }
    int err = errno;
    if (err != ENOTDIR && err != ELOOP) return -err;
    if (long r = w.expand(name, todo, err); r != 0) return r;
  }
  return -ENOENT;  // unreachable: the last component returns
}

long walk_on_helper(Fd_state& dir, const std::string& path, int flags, unsigned mode) {
  int dirfd = dir.fd;
  return blocking_call(dir, [&] { return walk_beneath(dirfd, path, flags, mode); });
}

long openat2_op(Fd_state& dir, const std::string& path, int flags, unsigned mode,
                std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = resolve;
  Io_op op{.kind = Io_op::Kind::openat2, .fd = -1};
  op.path = path.c_str();
  op.how = &how;
  return dir.perform(op);
}

// An O_PATH open does no IO once every component is in the dentry cache, so it is tried
// on the calling thread first: with RESOLVE_CACHED, openat2 fails with EAGAIN rather than
// wait for the disk. This saves a trip through the ring or to a helper thread for the
// parent lookups that most path operations start with.
long cached_open(Fd_state& dir, const std::string& path, int flags, std::uint64_t resolve) {
  if (!(flags & O_PATH) || lacks_resolve_cached.load(std::memory_order_relaxed)) return -EAGAIN;
  dir.check_usable("opening a path");
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = resolve | RESOLVE_CACHED;
  long r = ::syscall(SYS_openat2, dir.fd, path.c_str(), &how, sizeof how);
  if (r >= 0) return r;
  if (errno == EINVAL) {  // RESOLVE_CACHED unknown: the only flag an O_PATH open can lack
    lacks_resolve_cached.store(true, std::memory_order_relaxed);
    return -EAGAIN;
  }
  return -errno;
}

}  // namespace

long walk_beneath(int dirfd, const std::string& path, int flags, unsigned mode) noexcept {
  try {
    return walk(dirfd, path, flags, mode);
  } catch (...) {
    return -ENOMEM;
  }
}

void force_walk_for_testing(bool on) noexcept {
  forced_walk.store(on);
}

long open_beneath(Fd_state& dir, const std::string& path, int flags, unsigned mode, bool confined) {
  const std::string dot = ".";
  const std::string& p = path.empty() ? dot : path;
  if (!forced_walk.load(std::memory_order_relaxed) &&
      !lacks_openat2.load(std::memory_order_relaxed)) {
    std::uint64_t resolve = confined ? RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS : 0;
    long r = cached_open(dir, p, flags, resolve);
    if (r == -EAGAIN) r = openat2_op(dir, p, flags, mode, resolve);
    if (r != -ENOSYS) {
      if (r != -ELOOP || !confined) return r;
      // A magic link (refused with ELOOP) is an escape; a genuine loop stays ELOOP.
      long again = openat2_op(dir, p, O_PATH, 0, RESOLVE_BENEATH);
      if (again >= 0) ::close(static_cast<int>(again));
      return again == -EXDEV ? -EXDEV : r;
    }
    lacks_openat2.store(true, std::memory_order_relaxed);
  }
  if (confined) return walk_on_helper(dir, p, flags, mode);
  int dirfd = dir.fd;
  return blocking_call(dir, [&]() -> long {
    int fd = ::openat(dirfd, p.c_str(), flags | O_CLOEXEC, mode);
    return fd >= 0 ? fd : -errno;
  });
}

}  // namespace eio::detail
