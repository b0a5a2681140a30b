// File metadata: statx and its translation into eio::Stat.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/ops.hpp"

namespace eio::detail {
namespace {

Stat::Time to_time(const statx_timestamp& t) noexcept {
  return Stat::Time(std::chrono::duration_cast<Stat::Time::duration>(
      std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec)));
}

}  // namespace

long statx_at(Fd_state& dir, const char* path, int flags, struct statx& out) {
  Io_op op{.kind = Io_op::Kind::statx, .fd = -1};
  op.path = path;
  op.flags = flags;
  op.mode = STATX_BASIC_STATS;
  op.how = &out;
  return dir.perform(op);
}

File_kind kind_of_mode(unsigned mode) noexcept {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return File_kind::regular_file;
    case S_IFDIR:
      return File_kind::directory;
    case S_IFLNK:
      return File_kind::symbolic_link;
    case S_IFCHR:
      return File_kind::character_special;
    case S_IFBLK:
      return File_kind::block_device;
    case S_IFIFO:
      return File_kind::fifo;
    case S_IFSOCK:
      return File_kind::socket;
    default:
      return File_kind::unknown;
  }
}

File_kind kind_of_dirent_type(unsigned char type) noexcept {
  return type == DT_UNKNOWN ? File_kind::unknown : kind_of_mode(DTTOIF(type));
}

Stat to_stat(const struct statx& sx) noexcept {
  Stat s;
  s.kind = kind_of_mode(sx.stx_mode);
  s.perm = sx.stx_mode & 07777u;
  s.size = sx.stx_size;
  s.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  s.ino = sx.stx_ino;
  s.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
  s.nlink = sx.stx_nlink;
  s.uid = sx.stx_uid;
  s.gid = sx.stx_gid;
  s.atime = to_time(sx.stx_atime);
  s.mtime = to_time(sx.stx_mtime);
  s.ctime = to_time(sx.stx_ctime);
  return s;
}

}  // namespace eio::detail

namespace eio {

const char* to_string(File_kind kind) noexcept {
  switch (kind) {
    case File_kind::regular_file:
      return "regular_file";
    case File_kind::directory:
      return "directory";
    case File_kind::symbolic_link:
      return "symbolic_link";
    case File_kind::character_special:
      return "character_special";
    case File_kind::block_device:
      return "block_device";
    case File_kind::fifo:
      return "fifo";
    case File_kind::socket:
      return "socket";
    case File_kind::not_found:
      return "not_found";
    case File_kind::unknown:
      break;
  }
  return "unknown";
}

}  // namespace eio
