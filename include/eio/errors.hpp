#pragma once
// The exceptions eio raises (SPEC §9). All of them derive from std::exception except
// eio::Cancelled (see cancel.hpp), so `catch (const std::exception&)` handles errors
// without swallowing cancellation.

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace eio {

/// An operating-system level failure, carrying what eio was doing when it happened.
/// `code()` compares with `std::errc` (`e.code() == std::errc::connection_refused`);
/// `context()` lists what was being done, innermost first ("connecting to
/// tcp:127.0.0.1:8080"); `what()` shows the code's message followed by every context line.
/// Thread-safe to read; `add_context` is for the code that is propagating it.
class Io_error : public std::system_error {
 public:
  Io_error(std::error_code code, std::string context);
  Io_error(std::errc code, std::string context);

  /// What was being done, innermost first.
  const std::vector<std::string>& context() const noexcept { return context_; }
  /// Appends an outer context line ("handling connection from tcp:...").
  void add_context(std::string line);
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  void rebuild_what();
  std::vector<std::string> context_;
  std::string what_;
};

/// Raised by reads when the source has no more data (`read_some` never returns 0).
class End_of_file : public std::runtime_error {
 public:
  End_of_file() : std::runtime_error("end of file") {}
};

/// Raised when a resource is used after `close()` or after its switch finished.
class Closed : public std::runtime_error {
 public:
  explicit Closed(const std::string& what = "resource is closed") : std::runtime_error(what) {}
};

/// Raised by `time::with_timeout_exn` when the time limit passed before the function returned.
class Timeout : public std::runtime_error {
 public:
  Timeout() : std::runtime_error("timeout") {}
};

/// Raised by Buf_read parsers on malformed input; `offset()` is the byte position in the
/// stream where parsing failed.
class Parse_error : public std::runtime_error {
 public:
  Parse_error(const std::string& message, std::size_t offset);
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

/// Raised when a Buf_read would need to buffer more than its `max_size`.
class Buffer_limit_exceeded : public std::runtime_error {
 public:
  Buffer_limit_exceeded() : std::runtime_error("buffer size limit exceeded") {}
};

/// Raised by Buf_write::flush when the writer was aborted (or its sink failed) before the
/// bytes it waited for were written.
class Flush_aborted : public std::runtime_error {
 public:
  Flush_aborted()
      : std::runtime_error("eio::Buf_write: flush aborted before the data was written") {}
};

/// Raised by `Mutex` operations once a `use_rw` body failed while holding it; `cause()` is
/// that failure.
class Poisoned : public std::runtime_error {
 public:
  explicit Poisoned(std::exception_ptr cause);
  const std::exception_ptr& cause() const noexcept { return cause_; }

 private:
  std::exception_ptr cause_;
};

/// Two or more failures from concurrent fibers (a switch, `fiber::both`, ...), in the order
/// they happened. Each keeps its own backtrace (`eio::backtrace_of`). A single failure is
/// always raised as itself, never wrapped.
class Multiple_errors : public std::exception {
 public:
  explicit Multiple_errors(std::vector<std::exception_ptr> errors);
  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::vector<std::exception_ptr> errors_;
  std::string what_;
};

/// A one-line description of any exception: `what()` for std::exception, "Cancelled" for
/// eio::Cancelled, the type name otherwise. Never throws.
std::string describe(const std::exception_ptr& e) noexcept;

}  // namespace eio
