// The compiled part of eio/coro.hpp.

#include <stdexcept>
#include <string>

#include "core/scheduler.hpp"
#include "eio/coro.hpp"

namespace eio::coro::detail {

void require_fiber(const char* what) {
  if (eio::detail::current_fiber() == nullptr) {
    throw std::logic_error(std::string(what) +
                           ": the coroutine must run on an eio fiber (inside eio::run)");
  }
}

}  // namespace eio::coro::detail
