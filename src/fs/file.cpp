// eio::File: positioned IO, metadata, sync and truncation on an open file.

#include "eio/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "eio/errors.hpp"
#include "fs/ops.hpp"

namespace eio {
namespace {

// The kernel caps one read or write at about 2 GiB anyway.
constexpr std::size_t kMaxIoBytes = 1u << 30;
// IORING_FSYNC_DATASYNC (the kernel ABI), without <liburing.h>.
constexpr int kFsyncDatasync = 1;

detail::Fd_state& state_of(os::Fd& fd, const char* what) {
  if (fd.state() == nullptr) throw Closed(std::string(what) + ": empty eio::File");
  return *fd.state();
}

[[noreturn]] void fail(long r, const char* what) {
  detail::throw_errno(static_cast<int>(-r), what);
}

}  // namespace

std::size_t File::pread(std::uint64_t offset, std::span<char> buf) {
  detail::Fd_state& s = state_of(fd(), "reading a file");
  if (buf.empty()) {
    s.check_usable("reading a file");
    return 0;
  }
  detail::Io_op op{.kind = detail::Io_op::Kind::read, .fd = -1};
  op.buf = buf.data();
  op.len = std::min(buf.size(), kMaxIoBytes);
  op.offset = static_cast<std::int64_t>(offset);
  long r = s.perform(op);
  if (r > 0) return static_cast<std::size_t>(r);
  if (r == 0) throw End_of_file();
  fail(r, "reading a file at an offset");
}

void File::pread_exact(std::uint64_t offset, std::span<char> buf) {
  while (!buf.empty()) {
    std::size_t n = pread(offset, buf);
    offset += n;
    buf = buf.subspan(n);
  }
}

void File::pwrite(std::uint64_t offset, std::string_view data) {
  detail::Fd_state& s = state_of(fd(), "writing a file");
  while (!data.empty()) {
    iovec iov{const_cast<char*>(data.data()), std::min(data.size(), kMaxIoBytes)};
    detail::Io_op op{.kind = detail::Io_op::Kind::writev, .fd = -1};
    op.iov = &iov;
    op.iovcnt = 1;
    op.offset = static_cast<std::int64_t>(offset);
    long r = s.perform(op);
    if (r < 0) fail(r, "writing a file at an offset");
    offset += static_cast<std::uint64_t>(r);
    data.remove_prefix(static_cast<std::size_t>(r));
  }
}

Stat File::stat() {
  struct statx sx;
  long r = detail::statx_at(state_of(fd(), "stat"), "", AT_EMPTY_PATH, sx);
  if (r < 0) fail(r, "getting the metadata of a file");
  return detail::to_stat(sx);
}

void File::sync(bool data_only) {
  detail::Io_op op{.kind = detail::Io_op::Kind::fsync, .fd = -1};
  op.flags = data_only ? kFsyncDatasync : 0;
  long r = state_of(fd(), "sync").perform(op);
  if (r < 0) fail(r, "syncing a file");
}

void File::truncate(std::uint64_t length) {
  detail::Fd_state& s = state_of(fd(), "truncate");
  int raw = s.fd;
  long r = detail::blocking_call(
      s, [&]() -> long { return ::ftruncate(raw, static_cast<off_t>(length)) == 0 ? 0 : -errno; });
  if (r < 0) fail(r, "truncating a file");
}

void File::allocate(std::uint64_t offset, std::uint64_t length) {
  detail::Fd_state& s = state_of(fd(), "allocate");
  int raw = s.fd;
  long r = detail::blocking_call(s, [&]() -> long {
    return ::fallocate(raw, 0, static_cast<off_t>(offset), static_cast<off_t>(length)) == 0
               ? 0
               : -errno;
  });
  if (r < 0) fail(r, "allocating space in a file");
}

std::uint64_t File::seek(std::int64_t offset, Seek_from whence) {
  detail::Fd_state& s = state_of(fd(), "seek");
  s.check_usable("seeking in a file");
  int w = whence == Seek_from::set ? SEEK_SET : whence == Seek_from::current ? SEEK_CUR : SEEK_END;
  off_t r = ::lseek(s.fd, static_cast<off_t>(offset), w);
  if (r < 0) detail::throw_errno(errno, "seeking in a file");
  return static_cast<std::uint64_t>(r);
}

}  // namespace eio
