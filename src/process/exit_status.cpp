// How a child ended, and the error raised for one that failed.

#include <string.h>  // sigabbrev_np

#include "eio/process.hpp"
#include "process/process_state.hpp"

namespace eio::process {
namespace {

constexpr int kSignalBase = 256;

class Exit_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "eio.process.exit"; }
  std::string message(int value) const override {
    return value >= kSignalBase ? Exit_status::signaled(value - kSignalBase).to_string()
                                : Exit_status::exited(value).to_string();
  }
};

int code_of(Exit_status s) noexcept {
  return s.kind() == Exit_status::Kind::exited ? s.value() : kSignalBase + s.value();
}

}  // namespace

std::string Exit_status::to_string() const {
  if (kind_ == Kind::exited) return "exited with code " + std::to_string(value_);
  std::string out = "killed by signal " + std::to_string(value_);
  if (const char* abbrev = ::sigabbrev_np(value_)) out += std::string(" (SIG") + abbrev + ")";
  return out;
}

const std::error_category& exit_category() noexcept {
  static const Exit_category category;
  return category;
}

Child_error::Child_error(Exit_status status, std::string command)
    : Io_error(std::error_code(code_of(status), exit_category()), "running " + command),
      status_(status) {}

}  // namespace eio::process

namespace eio::detail {

std::string quote_command(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : a) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace eio::detail
