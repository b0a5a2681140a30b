// Reading directories (getdents64 in batches on a helper thread) and removing trees.

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "eio/errors.hpp"
#include "eio/path.hpp"
#include "fs/beneath.hpp"
#include "fs/ops.hpp"
#include "fs/resolve.hpp"

namespace eio::path {
namespace {

// Bytes of directory entries fetched per call: a few hundred typical names.
constexpr std::size_t kBatchBytes = 32 * 1024;

struct linux_dirent64_header {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Calls `fn` for each entry of the open directory `dir` but "." and "..". Returns 0 or
// -errno from getdents64.
template <class F>
long each_entry(detail::Fd_state& dir, F&& fn) {
  std::vector<char> buf(kBatchBytes);
  int fd = dir.fd;
  for (;;) {
    long n = detail::blocking_call(dir, [&]() -> long {
      long r = ::syscall(SYS_getdents64, fd, buf.data(), buf.size());
      return r >= 0 ? r : -errno;
    });
    if (n <= 0) return n;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<const linux_dirent64_header*>(buf.data() + off);
      off += d->d_reclen;
      if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
      fn(Dir_entry{d->d_name, detail::kind_of_dirent_type(d->d_type)});
    }
  }
}

void list(const Path& p, detail::Function_ref<void(const Dir_entry&)> fn) {
  const char* verb = "reading directory";
  detail::Dir_fd d = detail::Dir_fd::adopt(detail::open_path(p, O_RDONLY | O_DIRECTORY, 0, verb));
  long r = each_entry(d.state(), fn);
  if (r < 0) detail::throw_path_error(r, verb, p);
}

// Removes `name` in `dir` and, if it is a directory, its contents first. Returns 0 or
// -errno (of the first failure).
long remove_tree(detail::Fd_state& dir, const std::string& name) {
  using K = detail::Io_op::Kind;
  auto unlink_at = [&](int flags) {
    detail::Io_op op{.kind = K::unlinkat, .fd = -1};
    op.path = name.c_str();
    op.flags = flags;
    return dir.perform(op);
  };
  long fd = detail::open_beneath(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, false);
  if (fd == -ENOTDIR || fd == -ELOOP) return unlink_at(0);  // a file or a symlink
  if (fd < 0) return fd;
  {
    detail::Dir_fd sub = detail::Dir_fd::adopt(static_cast<int>(fd));
    std::vector<std::string> names;
    long r = each_entry(sub.state(), [&](const Dir_entry& e) { names.push_back(e.name); });
    for (std::size_t i = 0; r >= 0 && i < names.size(); ++i) r = remove_tree(sub.state(), names[i]);
    if (r < 0) return r;
  }
  return unlink_at(AT_REMOVEDIR);
}

}  // namespace

void with_dir_entries(const Path& p, detail::Function_ref<void(const Dir_entry&)> fn) {
  list(p, fn);
}

std::vector<Dir_entry> read_dir_entries(const Path& p) {
  std::vector<Dir_entry> out;
  list(p, [&](const Dir_entry& e) { out.push_back(e); });
  std::sort(out.begin(), out.end(),
            [](const Dir_entry& a, const Dir_entry& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> read_dir(const Path& p) {
  std::vector<std::string> out;
  list(p, [&](const Dir_entry& e) { out.push_back(e.name); });
  std::sort(out.begin(), out.end());
  return out;
}

void rmtree(const Path& p, const Rmtree_options& opts) {
  const char* verb = "removing tree";
  detail::Target t = detail::resolve_parent(p, verb);
  long r = remove_tree(t.dir.state(), t.leaf);
  if (r == -ENOENT && opts.missing_ok) return;
  if (r < 0) detail::throw_path_error(r, verb, p);
}

}  // namespace eio::path
