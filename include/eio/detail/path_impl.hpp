#pragma once
// The templates of eio/path.hpp: the with_* functions open a resource on a switch of their
// own, so it is closed when the function returns or throws.

#include <utility>

#include "eio/path.hpp"
#include "eio/switch.hpp"

namespace eio::path {

template <class F>
auto with_open_in(const Path& p, F&& fn) {
  return Switch::run([&](Switch& sw) {
    File f = open_in(sw, p);
    return std::forward<F>(fn)(f);
  });
}

template <class F>
auto with_open_out(const Path& p, const Open_out_options& opts, F&& fn) {
  return Switch::run([&](Switch& sw) {
    File f = open_out(sw, p, opts);
    return std::forward<F>(fn)(f);
  });
}

template <class F>
auto with_open_out(const Path& p, Create create, F&& fn) {
  return with_open_out(p, Open_out_options{.create = create}, std::forward<F>(fn));
}

template <class F>
auto with_open_dir(const Path& p, F&& fn) {
  return Switch::run([&](Switch& sw) {
    Path dir = open_dir(sw, p);
    return std::forward<F>(fn)(dir);
  });
}

template <class F>
auto with_lines(const Path& p, F&& fn, const Buf_read_options& opts) {
  return with_open_in(p, [&](File& f) {
    Buf_read r(f, opts);
    return std::forward<F>(fn)(r.lines());
  });
}

}  // namespace eio::path
