#include "fs/resolve.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string_view>
#include <system_error>

#include "eio/errors.hpp"
#include "fs/beneath.hpp"

namespace eio::detail {
namespace {

// A resolution that failed: an escape from a confined directory is refused access.
[[noreturn]] void throw_resolution_error(long r, const char* verb, const Path& p) {
  if (r == -EXDEV && p.is_confined()) {
    throw Io_error(std::errc::permission_denied,
                   describe(verb, p) + ": the path leads outside the directory it is confined to");
  }
  throw_path_error(r, verb, p);
}

long open_in_capability(const Path& p, const std::string& rel, int flags, unsigned mode) {
  const Dir& d = Path_access::dir(p);
  return open_beneath(d.state(), rel, flags, mode, d.confined());
}

}  // namespace

Dir_fd Dir_fd::adopt(int raw) {
  Dir_fd d(*Fd_state::adopt(raw));
  d.owned_ = true;
  return d;
}

Dir_fd::~Dir_fd() {
  if (owned_ && state_ != nullptr) {
    state_->close();
    state_->unref();
  }
}

std::string describe(const char* verb, const Path& p) {
  return std::string(verb) + " " + p.to_string();
}

void throw_path_error(long r, const char* verb, const Path& p) {
  throw Io_error(std::error_code(static_cast<int>(-r), std::generic_category()), describe(verb, p));
}

int open_path(const Path& p, int flags, unsigned mode, const char* verb) {
  long r = open_in_capability(p, p.relative(), flags, mode);
  if (r < 0) throw_resolution_error(r, verb, p);
  return static_cast<int>(r);
}

Dir_fd resolve_followed(const Path& p, const char* verb) {
  return Dir_fd::adopt(open_path(p, O_PATH, 0, verb));
}

Target resolve_parent(const Path& p, const char* verb) {
  const Dir& d = Path_access::dir(p);
  std::string_view rel = p.relative();
  if (!d.confined()) return Target{Dir_fd(d.state()), rel.empty() ? "." : std::string(rel)};
  while (rel.size() > 1 && rel.back() == '/') rel.remove_suffix(1);
  std::size_t slash = rel.rfind('/');
  std::string parent;
  std::string leaf(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  if (slash != std::string_view::npos)
    parent = slash == 0 ? "/" : std::string(rel.substr(0, slash));
  if (leaf.empty() || leaf == "." || leaf == "..") {
    parent = std::string(rel);  // the directory itself: resolve all of it
    leaf = ".";
  }
  if (parent.empty()) return Target{Dir_fd(d.state()), std::move(leaf)};
  long r = open_in_capability(p, parent, O_PATH | O_DIRECTORY, 0);
  if (r < 0) throw_resolution_error(r, verb, p);
  return Target{Dir_fd::adopt(static_cast<int>(r)), std::move(leaf)};
}

}  // namespace eio::detail
