#pragma once
// Paths (SPEC §7): a capability to a directory plus a path within it. Code handed a Path
// can reach only what that Path's directory lets it reach: env.fs() reaches everything,
// while env.cwd() and whatever path::open_dir returns are confined to their directory.
//
//   eio::Switch::run([&](eio::Switch& sw) {
//     eio::Path site = eio::path::open_dir(sw, env.fs() / "/srv/htdocs");
//     std::string page = eio::path::load(site / "index.html");   // fine
//     eio::path::load(site / "../secret");   // eio::Io_error, std::errc::permission_denied
//   });
//
// Confinement is decided by the kernel at the moment of each access (openat2 with
// RESOLVE_BENEATH, or a component-by-component walk that never follows a symlink blindly
// where openat2 is missing), never by checking a path and then using it, so a symlink
// swapped in between two calls cannot lead outside. Every operation that names a path
// resolves the directory holding its last component beneath the capability's directory
// and acts on that component without following it, unless the operation follows symlinks.
// Paths are values: cheap to copy, safe to share across domains, except that one made by
// open_dir is usable only on the domain of the switch it is attached to, until that switch
// finishes (then operations throw eio::Closed).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eio/buf_read.hpp"
#include "eio/detail/function_ref.hpp"
#include "eio/file.hpp"

namespace eio {

class Switch;

namespace detail {
struct Dir;
struct Path_access;
}  // namespace detail

/// A directory capability and a path relative to it ("." or "" is the directory itself).
/// Build paths with `/`; use them with the functions of eio::path.
class Path {
 public:
  /// `name` appended as a path component. An absolute `name` replaces the path (and is
  /// then refused by a confined capability when used); an empty `name` adds a trailing `/`.
  Path operator/(std::string_view name) const;
  /// The path relative to the capability's directory, as written.
  const std::string& relative() const noexcept { return path_; }
  /// The path as the operating system would name it from the process's working directory
  /// (the capability's directory joined with the relative path), for messages and for
  /// handing to other programs. Never use it to bypass confinement.
  std::string native() const;
  /// A description for messages: `<fs:/etc/hosts>`, `<cwd:src/main.cpp>`, or
  /// `</srv/htdocs:index.html>` for a directory opened with open_dir.
  std::string to_string() const;
  /// Whether the capability confines this path to its directory.
  bool is_confined() const noexcept;

 private:
  friend struct detail::Path_access;
  Path(std::shared_ptr<const detail::Dir> dir, std::string path) noexcept
      : dir_(std::move(dir)), path_(std::move(path)) {}
  std::shared_ptr<const detail::Dir> dir_;
  std::string path_;
};

namespace path {

/// How opening for output creates the file. `Create::never` is a constant; the others are
/// functions of the new file's permission bits.
struct Create {
  enum class Mode { never, if_missing, or_truncate, exclusive };
  Mode mode = Mode::never;
  unsigned perm = 0;

  /// The file must already exist (`no_such_file_or_directory` otherwise).
  static const Create never;
  /// Creates the file with `perm` if it does not exist; keeps its contents otherwise.
  static constexpr Create if_missing(unsigned perm) { return {Mode::if_missing, perm}; }
  /// Creates the file with `perm`, or empties it if it exists.
  static constexpr Create or_truncate(unsigned perm) { return {Mode::or_truncate, perm}; }
  /// Creates the file with `perm`; `file_exists` if it exists (even as a dangling symlink).
  static constexpr Create exclusive(unsigned perm) { return {Mode::exclusive, perm}; }
};
inline constexpr Create Create::never{};

/// Options of open_out, with_open_out and save.
struct Open_out_options {
  Create create = Create::never;
  bool append = false;  // every write goes to the end of the file (O_APPEND)
};

/// Options of stat, kind, chmod and chown.
struct Follow_options {
  bool follow = true;  // a symlink as the last component is followed (stat) or not (lstat)
};

/// Options of mkdir and mkdirs.
struct Mkdirs_options {
  bool exists_ok = false;  // an existing directory is fine
  unsigned perm = 0755;
};

/// Options of rmtree.
struct Rmtree_options {
  bool missing_ok = false;  // a missing path is fine
};

/// One entry of a directory: its name and, where the file system says so without a stat
/// (most do), its kind (else File_kind::unknown).
struct Dir_entry {
  std::string name;
  File_kind kind = File_kind::unknown;
};

// All the functions below suspend only the calling fiber while the kernel (io_uring) or a
// helper thread (POSIX backend) does the work, are cancellation points, and throw
// eio::Io_error whose context names the path as it was written, e.g. code
// `no_such_file_or_directory` and context `opening <cwd:conf/app.ini>`. An access a
// confined capability refuses (`..` above its directory, an absolute path, a symlink
// leading out, a magic link under /proc) has code `permission_denied`.

/// Opens `p` for reading; the File is attached to `sw`.
File open_in(Switch& sw, const Path& p);
/// Opens `p` for reading and writing, creating it as `opts.create` says; the File is
/// attached to `sw`.
File open_out(Switch& sw, const Path& p, const Open_out_options& opts = {});
/// Same as `open_out(sw, p, {.create = create})`.
File open_out(Switch& sw, const Path& p, Create create);
/// Opens the directory `p` and returns a Path to it ("."), confined to it whatever `p`'s
/// own capability was; the descriptor is attached to `sw`. Throws `not_a_directory` for a
/// file.
Path open_dir(Switch& sw, const Path& p);
/// open_dir under the name that says what it gives: the subtree at `p`, as a capability.
inline Path open_subtree(Switch& sw, const Path& p) {
  return open_dir(sw, p);
}

/// Runs `fn(file)` with `p` open for reading, closing it afterwards; returns fn's result.
template <class F>
auto with_open_in(const Path& p, F&& fn);
/// Runs `fn(file)` with `p` open for output (see open_out); returns fn's result.
template <class F>
auto with_open_out(const Path& p, const Open_out_options& opts, F&& fn);
template <class F>
auto with_open_out(const Path& p, Create create, F&& fn);
/// Runs `fn(dir)` with the directory `p` opened as by open_dir; returns fn's result.
template <class F>
auto with_open_dir(const Path& p, F&& fn);
/// with_open_dir under the name that says what it gives (see open_subtree).
template <class F>
auto with_subtree(const Path& p, F&& fn) {
  return with_open_dir(p, std::forward<F>(fn));
}
/// Runs `fn(lines)` with `p` open and `lines` an input range of its lines (as
/// Buf_read::lines, with `opts.max_size` bounding a line); returns fn's result.
template <class F>
auto with_lines(const Path& p, F&& fn, const Buf_read_options& opts = {});

/// The whole contents of the file `p`.
std::string load(const Path& p);
/// Writes `data` to `p`, creating it as `opts.create` says (the default, Create::never,
/// requires the file to exist); with `opts.append`, adds to its end.
void save(const Path& p, std::string_view data, const Open_out_options& opts = {});

/// Creates the directory `p` with permission bits `perm`. Throws `file_exists` if it exists.
void mkdir(const Path& p, unsigned perm = 0755);
/// Creates the directory `p` and any missing parents; throws `file_exists` if `p` exists,
/// unless `opts.exists_ok` and it is a directory.
void mkdirs(const Path& p, const Mkdirs_options& opts = {});
/// Removes the empty directory `p` (`directory_not_empty` otherwise).
void rmdir(const Path& p);
/// Removes the file `p`; a symlink is removed, never what it points to.
void unlink(const Path& p);
/// Removes `p` and, if it is a directory, everything beneath it. Never follows a symlink:
/// links met on the way are removed themselves.
void rmtree(const Path& p, const Rmtree_options& opts = {});
/// Renames `from` to `to`, replacing `to` if it exists (as rename(2)). Both must be
/// reachable through their own capabilities.
void rename(const Path& from, const Path& to);
/// Creates the symlink `link` pointing at `target` (which is stored as written, and is
/// checked against confinement only when the link is followed).
void symlink(const Path& link, std::string_view target);
/// Creates a hard link `link` to the existing file `target`; `target` is not followed if
/// it is a symlink.
void hard_link(const Path& link, const Path& target);
/// What the symlink `p` points at, as stored.
std::string read_link(const Path& p);
/// Sets the permission bits of `p`. Linux cannot change a symlink's own bits:
/// `{.follow = false}` on a symlink throws `operation_not_supported`.
void chmod(const Path& p, unsigned perm, const Follow_options& opts = {});
/// Sets the owner and group of `p` (-1 leaves one unchanged).
void chown(const Path& p, std::uint32_t uid, std::uint32_t gid, const Follow_options& opts = {});

/// The metadata of `p` (of the symlink itself with `{.follow = false}`).
Stat stat(const Path& p, const Follow_options& opts = {});
/// The kind of `p`, or File_kind::not_found if nothing is there (also for a dangling
/// symlink when following). Other errors (e.g. `permission_denied`) are thrown.
File_kind kind(const Path& p, const Follow_options& opts = {});
/// Whether `p` is a regular file (following symlinks).
bool is_file(const Path& p);
/// Whether `p` is a directory (following symlinks).
bool is_directory(const Path& p);

/// The names in the directory `p`, sorted, without "." and "..".
std::vector<std::string> read_dir(const Path& p);
/// The entries of the directory `p` with their kinds, sorted by name, without "." and "..".
std::vector<Dir_entry> read_dir_entries(const Path& p);
/// Calls `fn(entry)` for each entry of the directory `p`, in directory order, reading a
/// batch of entries at a time, so a huge directory needs little memory. A cancellation
/// point between batches; an exception from `fn` stops the listing and propagates.
void with_dir_entries(const Path& p, detail::Function_ref<void(const Dir_entry&)> fn);

/// `p` split into its parent and its last component: `{dir, "file.txt"}` for `dir /
/// "file.txt"`, ignoring trailing slashes. std::nullopt for a path with no last component
/// ("/", "", ".").
std::optional<std::pair<Path, std::string>> split(const Path& p);

}  // namespace path
}  // namespace eio

#include "eio/detail/path_impl.hpp"
