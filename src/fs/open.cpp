// Opening paths: files (open_in, open_out, load, save) and confined directories (open_dir).

#include <fcntl.h>
#include <sys/stat.h>

#include <memory>

#include "eio/errors.hpp"
#include "eio/path.hpp"
#include "eio/switch.hpp"
#include "fs/resolve.hpp"

namespace eio::path {
namespace {

int create_flags(const Create& c) {
  switch (c.mode) {
    case Create::Mode::never:
      return 0;
    case Create::Mode::if_missing:
      return O_CREAT;
    case Create::Mode::or_truncate:
      return O_CREAT | O_TRUNC;
    case Create::Mode::exclusive:
      return O_CREAT | O_EXCL;
  }
  return 0;
}

File adopt_file(Switch& sw, int raw) {
  os::Fd fd(sw, raw);
  // A regular file has no readiness to wait for (a FIFO or a device keeps the wait): the
  // POSIX backend reads it from the page cache at once or on a helper thread.
  struct stat st;
  if (::fstat(raw, &st) == 0 && S_ISREG(st.st_mode)) {
    fd.state()->may_block = false;
    fd.state()->regular_file = true;
  }
  return File(std::move(fd));
}

}  // namespace

File open_in(Switch& sw, const Path& p) {
  return adopt_file(sw, detail::open_path(p, O_RDONLY, 0, "opening"));
}

File open_out(Switch& sw, const Path& p, const Open_out_options& opts) {
  int flags = O_RDWR | create_flags(opts.create) | (opts.append ? O_APPEND : 0);
  return adopt_file(sw, detail::open_path(p, flags, opts.create.perm, "opening for output"));
}

File open_out(Switch& sw, const Path& p, Create create) {
  return open_out(sw, p, Open_out_options{.create = create});
}

Path open_dir(Switch& sw, const Path& p) {
  int raw = detail::open_path(p, O_PATH | O_DIRECTORY, 0, "opening directory");
  auto dir = std::make_shared<detail::Dir>();
  dir->kind = detail::Dir::Kind::opened;
  dir->native = p.native();
  dir->fd = os::Fd(sw, raw);
  return detail::Path_access::make(std::move(dir), ".");
}

std::string load(const Path& p) {
  return Switch::run([&](Switch& sw) {
    File f = open_in(sw, p);
    std::string out;
    // The size is a hint (files in /proc say 0, a file may grow): read until end of file.
    std::size_t chunk = std::max<std::size_t>(f.size() + 1, 4096);
    for (;;) {
      std::size_t used = out.size();
      out.resize(used + chunk);
      try {
        used += f.read_some(std::span<char>(out.data() + used, chunk));
      } catch (const End_of_file&) {
        out.resize(used);
        return out;
      }
      out.resize(used);
      chunk = std::max<std::size_t>(chunk, 65536);
    }
  });
}

void save(const Path& p, std::string_view data, const Open_out_options& opts) {
  Switch::run([&](Switch& sw) {
    File f = open_out(sw, p, opts);
    if (!data.empty()) f.write(data);
  });
}

}  // namespace eio::path
