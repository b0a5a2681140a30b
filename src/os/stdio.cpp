// Standard streams are borrowed descriptors: shared by every domain, never closed, and
// possibly blocking (inherited from a shell), which the backends take into account.

#include "os/stdio.hpp"

#include <sys/random.h>

#include <cerrno>

#include "eio/os/fd.hpp"
#include "os/fd_state.hpp"

namespace eio::detail {
namespace {

class Secure_random final : public flow::Source {
 protected:
  std::size_t do_read_some(std::span<char> buf) override {
    for (;;) {
      ssize_t n = ::getrandom(buf.data(), buf.size(), 0);
      if (n > 0) return static_cast<std::size_t>(n);
      if (n < 0 && errno != EINTR) throw_errno(errno, "reading secure random bytes");
    }
  }
};

// Never destroyed: fibers of other domains may still use them while the process exits.
template <class T, int fd>
T& forever() {
  static T* flow = new T(os::Fd(Fd_state::borrowed(fd)));
  return *flow;
}

}  // namespace

flow::Source& stdin_source() {
  return forever<os::Fd_source, 0>();
}
flow::Sink& stdout_sink() {
  return forever<os::Fd_sink, 1>();
}
flow::Sink& stderr_sink() {
  return forever<os::Fd_sink, 2>();
}
flow::Source& secure_random_source() {
  static auto* random = new Secure_random;
  return *random;
}

}  // namespace eio::detail
