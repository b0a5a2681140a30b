// eio::Path values: joining, splitting and naming; the fs and cwd capabilities.

#include <fcntl.h>

#include "eio/errors.hpp"
#include "eio/path.hpp"
#include "fs/dir.hpp"

namespace eio {
namespace {

std::shared_ptr<const detail::Dir> make_dir(detail::Dir::Kind kind) {
  auto d = std::make_shared<detail::Dir>();
  d->kind = kind;
  return d;
}

}  // namespace

namespace detail {

Fd_state& Dir::state() const {
  if (kind != Kind::opened) {
    // AT_FDCWD, never closed; shared by every domain (no owner, nothing tracked).
    static Fd_state* cwd = Fd_state::borrowed(AT_FDCWD);
    return *cwd;
  }
  if (!fd.is_open()) throw Closed("eio::Path: the directory " + native + " is closed");
  return *fd.state();
}

const Path& Path_access::fs() {
  static const Path p(make_dir(Dir::Kind::fs), "/");
  return p;
}

const Path& Path_access::cwd() {
  static const Path p(make_dir(Dir::Kind::cwd), ".");
  return p;
}

}  // namespace detail

Path Path::operator/(std::string_view name) const {
  if (name.empty()) return Path(dir_, path_.empty() || path_.back() == '/' ? path_ : path_ + "/");
  if (name.front() == '/' || path_ == "." || path_.empty()) return Path(dir_, std::string(name));
  std::string joined = path_;
  if (joined.back() != '/') joined += '/';
  joined += name;
  return Path(dir_, std::move(joined));
}

bool Path::is_confined() const noexcept {
  return dir_->confined();
}

std::string Path::native() const {
  if (dir_->kind != detail::Dir::Kind::opened) return path_.empty() ? "." : path_;
  if (path_.empty() || path_ == ".") return dir_->native;
  if (path_.front() == '/') return path_;
  return dir_->native + (dir_->native.back() == '/' ? "" : "/") + path_;
}

std::string Path::to_string() const {
  switch (dir_->kind) {
    case detail::Dir::Kind::fs:
      return "<fs:" + path_ + ">";
    case detail::Dir::Kind::cwd:
      return "<cwd:" + path_ + ">";
    case detail::Dir::Kind::opened:
      break;
  }
  return "<dir:" + dir_->native + ":" + path_ + ">";
}

namespace path {

std::optional<std::pair<Path, std::string>> split(const Path& p) {
  std::string_view rel = p.relative();
  while (rel.size() > 1 && rel.back() == '/') rel.remove_suffix(1);
  if (rel.empty() || rel == "/" || rel == ".") return std::nullopt;
  std::size_t slash = rel.rfind('/');
  std::string leaf(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  std::string parent = slash == std::string_view::npos ? "."
                       : slash == 0                    ? "/"
                                                       : std::string(rel.substr(0, slash));
  return std::pair{detail::Path_access::with_path(p, std::move(parent)), std::move(leaf)};
}

}  // namespace path
}  // namespace eio
