#pragma once
// Open files (SPEC §7): eio::File, a flow with positioned reads and writes, and the
// metadata that stat returns.
//
//   eio::File f = eio::path::open_in(sw, env.cwd() / "data.bin");
//   char header[16];
//   f.pread_exact(0, header);   // positioned: the file position does not move
//   std::uint64_t n = f.size();

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "eio/os/fd.hpp"

namespace eio {

/// What kind of object a path names. `not_found` is only ever returned by path::kind.
enum class File_kind {
  unknown,
  regular_file,
  directory,
  symbolic_link,
  character_special,
  block_device,
  fifo,
  socket,
  not_found,
};

/// The name of a kind ("regular_file", "directory", ...), for messages.
const char* to_string(File_kind kind) noexcept;

/// A file's metadata, as statx(2) reports it.
struct Stat {
  using Time = std::chrono::system_clock::time_point;
  File_kind kind = File_kind::unknown;
  unsigned perm = 0;  // permission bits, e.g. 0644 (with setuid/setgid/sticky: 07777)
  std::uint64_t size = 0;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t rdev = 0;
  std::uint64_t nlink = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  Time atime{};
  Time mtime{};
  Time ctime{};
};

/// Where a seek counts from.
enum class Seek_from { set, current, end };

/// An open file: a two-way flow (reading and writing at the file position, advancing it)
/// plus positioned reads and writes that leave the position alone, metadata, sync and
/// truncation. Made by path::open_in / path::open_out; attached to a switch like any
/// resource (see os::Fd): closed by close(), the destructor or the end of the switch, after
/// which calls throw eio::Closed. Domain-local. Every blocking call suspends only the
/// calling fiber and is a cancellation point: on io_uring the kernel does the work, on the
/// POSIX backend reads and writes of regular files run on the loop thread (the page cache
/// answers at once) and sync/truncate run on a helper thread. Errors are eio::Io_error.
class File : public os::Fd_flow {
 public:
  explicit File(os::Fd fd) noexcept : os::Fd_flow(std::move(fd)) {}

  /// Reads up to `buf.size()` bytes at `offset`, without moving the file position. Returns
  /// how many were read (fewer near the end); throws eio::End_of_file at or past the end
  /// (for a non-empty `buf`).
  std::size_t pread(std::uint64_t offset, std::span<char> buf);
  /// Reads exactly `buf.size()` bytes at `offset`, or throws eio::End_of_file if the file
  /// ends first (the bytes read so far are in `buf`).
  void pread_exact(std::uint64_t offset, std::span<char> buf);
  /// Writes all of `data` at `offset`, without moving the file position (short writes are
  /// continued). A file opened for appending writes at its end whatever `offset` says.
  void pwrite(std::uint64_t offset, std::string_view data);
  /// The file's metadata (fstat; follows nothing).
  Stat stat();
  /// The file's size in bytes.
  std::uint64_t size() { return stat().size; }
  /// Flushes the file's data and metadata to the device (fsync). With `data_only`, skips
  /// metadata not needed to read the data back (fdatasync).
  void sync(bool data_only = false);
  /// Sets the file's size to `length` bytes, cutting or extending it with zeros.
  void truncate(std::uint64_t length);
  /// Reserves `length` bytes from `offset` on the device (fallocate), so later writes there
  /// cannot fail with `no_space_on_device`; the size grows to cover the range.
  void allocate(std::uint64_t offset, std::uint64_t length);
  /// Moves the file position (lseek) and returns the new one. Does not block.
  std::uint64_t seek(std::int64_t offset, Seek_from whence = Seek_from::set);
};

}  // namespace eio
