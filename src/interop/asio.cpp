// The compiled part of eio/interop/asio.hpp (library eio_asio, target eio::asio).

#include <stdexcept>
#include <string>
#include <system_error>

#include "core/scheduler.hpp"
#include "eio/interop/asio.hpp"

namespace eio::asio::detail {

void require_fiber(const char* what) {
  if (eio::detail::current_fiber() == nullptr) {
    throw std::logic_error(std::string(what) + ": the calling code must run on an eio fiber");
  }
}

void throw_asio_error(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::eof) throw End_of_file();
  throw Io_error(static_cast<std::error_code>(ec), "in an Asio operation (eio::asio::use_fiber)");
}

}  // namespace eio::asio::detail
