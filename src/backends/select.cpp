#include "backends/select.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "backends/posix/loop.hpp"
#include "backends/uring/loop.hpp"

namespace eio::detail {

eio::Backend resolve_backend(eio::Backend requested) {
  if (requested != eio::Backend::automatic) return requested;
  const char* env = std::getenv("EIO_BACKEND");
  if (env == nullptr || *env == '\0') return eio::Backend::automatic;
  if (std::strcmp(env, "uring") == 0) return eio::Backend::uring;
  if (std::strcmp(env, "posix") == 0) return eio::Backend::posix;
  throw std::invalid_argument(std::string("EIO_BACKEND=") + env +
                              ": unknown backend (expected \"uring\" or \"posix\")");
}

std::unique_ptr<Backend> make_backend(eio::Backend requested) {
  switch (resolve_backend(requested)) {
    case eio::Backend::uring:
      return uring::make_loop();
    case eio::Backend::posix:
      return posix::make_loop();
    case eio::Backend::automatic:
      break;
  }
  try {
    return uring::make_loop();
  } catch (const std::exception& e) {
    static std::atomic<bool> said{false};
    const char* debug = std::getenv("EIO_DEBUG");
    if (debug != nullptr && std::strcmp(debug, "1") == 0 && !said.exchange(true)) {
      std::fprintf(stderr, "eio: io_uring unavailable (%s); using the POSIX backend\n", e.what());
    }
    return posix::make_loop();
  }
}

}  // namespace eio::detail
