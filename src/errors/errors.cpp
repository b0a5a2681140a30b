#include "eio/errors.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "eio/cancel.hpp"

namespace eio {

Io_error::Io_error(std::error_code code, std::string context)
    : std::system_error(code), context_{std::move(context)} {
  rebuild_what();
}

Io_error::Io_error(std::errc code, std::string context)
    : Io_error(std::make_error_code(code), std::move(context)) {}

void Io_error::add_context(std::string line) {
  context_.push_back(std::move(line));
  rebuild_what();
}

void Io_error::rebuild_what() {
  what_ = code().message();
  for (const auto& c : context_) {
    what_ += "\n  ";
    what_ += c;
  }
}

Parse_error::Parse_error(const std::string& message, std::size_t offset)
    : std::runtime_error(message + " (at offset " + std::to_string(offset) + ")"),
      offset_(offset) {}

Poisoned::Poisoned(std::exception_ptr cause)
    : std::runtime_error("eio: mutex poisoned by an earlier failure: " + describe(cause)),
      cause_(std::move(cause)) {}

Multiple_errors::Multiple_errors(std::vector<std::exception_ptr> errors)
    : errors_(std::move(errors)) {
  what_ = std::to_string(errors_.size()) + " errors:";
  for (const auto& e : errors_) {
    what_ += "\n- ";
    what_ += describe(e);
  }
}

std::string describe(const std::exception_ptr& e) noexcept {
  if (!e) return "(no exception)";
  try {
    std::rethrow_exception(e);
  } catch (const Cancelled&) {
    return "Cancelled";
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    if (t == nullptr) return "unknown exception";
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(
        abi::__cxa_demangle(t->name(), nullptr, nullptr, &status), std::free);
    return std::string("exception of type ") + (status == 0 ? name.get() : t->name());
  }
}

}  // namespace eio
