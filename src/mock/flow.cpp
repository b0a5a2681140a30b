#include "eio/mock/flow.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "eio/errors.hpp"
#include "eio/fiber.hpp"

namespace eio::mock {
namespace {

// The bytes as a C-like string literal, so logs show control characters.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

Action Action::give(std::string bytes) {
  Action a;
  a.kind_ = Kind::give;
  a.bytes_ = std::move(bytes);
  return a;
}

Action Action::end_of_file() {
  Action a;
  a.kind_ = Kind::end_of_file;
  return a;
}

Action Action::take(std::size_t n) {
  Action a;
  a.kind_ = Kind::take;
  a.n_ = n;
  return a;
}

Action Action::take_all() {
  return Action();
}

Action Action::fail(std::exception_ptr error) {
  Action a;
  a.kind_ = Kind::fail;
  a.error_ = std::move(error);
  return a;
}

Action Action::wait_for(Promise<void> released) {
  Action a;
  a.kind_ = Kind::wait_for;
  a.released_ = std::move(released);
  return a;
}

Action Action::yield_then(Action then) {
  then.yield_first_ = true;
  return then;
}

Flow::Flow(std::string name, std::vector<std::string>* shared_log)
    : name_(std::move(name)), shared_log_(shared_log) {}

void Flow::on_read(std::vector<Action> actions) {
  for (auto& a : actions) reads_.push_back(std::move(a));
}

void Flow::on_write(std::vector<Action> actions) {
  for (auto& a : actions) writes_.push_back(std::move(a));
}

void Flow::say(std::string line) {
  line = name_ + ": " + line;
  if (shared_log_ != nullptr) shared_log_->push_back(line);
  log_.push_back(std::move(line));
}

Action* Flow::next(std::vector<Action>& script, std::size_t& pos) {
  while (pos < script.size()) {
    Action& a = script[pos];
    if (a.yield_first_) {
      a.yield_first_ = false;  // once: the action itself may take several calls
      fiber::yield();
    }
    if (a.kind_ != Action::Kind::wait_for) return &a;
    say("waiting");
    a.released_->await();
    ++pos;
  }
  return nullptr;
}

std::size_t Flow::do_read_some(std::span<char> buf) {
  Action* a = next(reads_, read_pos_);
  if (a == nullptr || a->kind_ == Action::Kind::end_of_file) {
    if (a != nullptr) ++read_pos_;
    say("read end-of-file");
    throw End_of_file();
  }
  if (a->kind_ == Action::Kind::fail) {
    ++read_pos_;
    say("read fails");
    std::rethrow_exception(a->error_);
  }
  if (a->kind_ != Action::Kind::give)
    throw std::logic_error("eio::mock::Flow: a write action in the read script");
  std::size_t n = std::min(buf.size(), a->bytes_.size());
  std::memcpy(buf.data(), a->bytes_.data(), n);
  say("read " + quoted(std::string_view(a->bytes_).substr(0, n)));
  a->bytes_.erase(0, n);
  if (a->bytes_.empty()) ++read_pos_;
  if (n == 0) throw End_of_file();  // give("") reads as end-of-file
  return n;
}

void Flow::do_write(std::span<const std::string_view> bufs) {
  std::string pending;
  for (std::string_view b : bufs) pending += b;
  while (!pending.empty()) {
    Action* a = next(writes_, write_pos_);
    std::size_t n = pending.size();
    if (a != nullptr) {
      ++write_pos_;
      if (a->kind_ == Action::Kind::fail) {
        say("write fails");
        std::rethrow_exception(a->error_);
      }
      if (a->kind_ == Action::Kind::give || a->kind_ == Action::Kind::end_of_file) {
        throw std::logic_error("eio::mock::Flow: a read action in the write script");
      }
      if (a->kind_ == Action::Kind::take) n = std::min(a->n_, pending.size());
    }
    say("wrote " + quoted(std::string_view(pending).substr(0, n)));
    written_.append(pending, 0, n);
    pending.erase(0, n);
  }
}

void Flow::do_shutdown(flow::Shutdown how) {
  say(how == flow::Shutdown::send      ? "shutdown send"
      : how == flow::Shutdown::receive ? "shutdown receive"
                                       : "shutdown all");
}

}  // namespace eio::mock
