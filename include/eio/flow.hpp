#pragma once
// Byte streams (SPEC §5): sources to read from, sinks to write to, and two-way flows such
// as sockets and pipes, with the helpers that move bytes between them.
//
//   eio::flow::Buffer_sink out;
//   eio::flow::copy(eio::flow::string_source("hello"), out);   // out.str() == "hello"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace eio::flow {

/// Something to read bytes from: a socket, a pipe, a file, a string. Implementations are
/// domain-local unless they say otherwise.
class Source {
 public:
  virtual ~Source() = default;

  /// Reads at least one byte into `buf` (non-empty) and returns how many, suspending the
  /// fiber until some arrive. Never returns 0: throws eio::End_of_file once the source has
  /// no more data. A cancellation point: if the fiber is cancelled while waiting it throws
  /// eio::Cancelled, but bytes that arrived anyway are returned rather than lost. Throws
  /// eio::Io_error on failure, eio::Closed if the source was closed, std::invalid_argument
  /// for an empty `buf`.
  std::size_t read_some(std::span<char> buf);

 protected:
  // Called with a non-empty buffer; returns > 0 or throws End_of_file.
  virtual std::size_t do_read_some(std::span<char> buf) = 0;
};

/// Something to write bytes to. Implementations are domain-local unless they say otherwise.
class Sink {
 public:
  virtual ~Sink() = default;

  /// Writes all of `data`, suspending the fiber until the sink has taken it (partial
  /// writes are continued). A cancellation point; if cancelled part-way, some prefix of the
  /// data may have been written. Throws eio::Io_error (a peer that hung up is
  /// `std::errc::broken_pipe` or `connection_reset`, never a SIGPIPE) or eio::Closed.
  void write(std::string_view data);
  /// Writes the buffers in order as one vectored write (split into several system calls
  /// past the kernel's IOV_MAX). Blocking and errors as above.
  void write(std::span<const std::string_view> bufs);

  /// Reads everything from `src` and writes it here, until `src` ends (eio::flow::copy).
  void copy_from(Source& src) { do_copy_from(src); }

 protected:
  virtual void do_write(std::span<const std::string_view> bufs) = 0;
  // The generic loop: read a chunk, write it. Sinks with a faster path override this.
  virtual void do_copy_from(Source& src);
};

/// Which direction(s) `Two_way::shutdown` ends.
enum class Shutdown { send, receive, all };

/// A flow that can be both read and written, such as a stream socket.
class Two_way : public Source, public Sink {
 public:
  /// Ends one or both directions: after `Shutdown::send` the peer reads end-of-file once it
  /// has everything written so far, while this side can still read its reply. Does not
  /// block. Throws eio::Io_error or eio::Closed.
  void shutdown(Shutdown how) { do_shutdown(how); }

 protected:
  virtual void do_shutdown(Shutdown how) = 0;
};

/// Copies everything from `src` to `dst` until `src` reaches end-of-file, then returns.
/// Between two file descriptors where the kernel can move the bytes itself, it does.
/// A cancellation point; throws what reading or writing throws (not End_of_file).
void copy(Source& src, Sink& dst);
/// Same as `copy`, for a temporary source (`copy(string_source("x"), out)`).
inline void copy(Source&& src, Sink& dst) {
  copy(src, dst);
}

/// Fills all of `buf` from `src`, reading as often as needed. Throws eio::End_of_file if
/// the source ends first (what was read so far is in `buf`). A cancellation point.
void read_exact(Source& src, std::span<char> buf);

/// Reads `src` until end-of-file and returns everything it gave. A cancellation point.
std::string read_all(Source& src);
/// Same as `read_all`, for a temporary source.
inline std::string read_all(Source&& src) {
  return read_all(src);
}

/// A source that gives the bytes of a string and then end-of-file. Never blocks; not a
/// cancellation point. Domain-local.
class String_source final : public Source {
 public:
  explicit String_source(std::string data) : data_(std::move(data)) {}
  /// The bytes not read yet.
  std::string_view remaining() const noexcept { return std::string_view(data_).substr(pos_); }

 protected:
  std::size_t do_read_some(std::span<char> buf) override;

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

/// A source over a copy of `data` (eio::flow::string_source).
inline String_source string_source(std::string_view data) {
  return String_source(std::string(data));
}

/// A sink that appends everything written to a string. Never blocks. Domain-local.
class Buffer_sink final : public Sink {
 public:
  /// Everything written so far.
  const std::string& str() const noexcept { return data_; }
  /// Takes the collected bytes out, leaving the sink empty.
  std::string take() noexcept { return std::move(data_); }

 protected:
  void do_write(std::span<const std::string_view> bufs) override;

 private:
  std::string data_;
};

/// A two-way flow that is always at end-of-file and discards what is written (like
/// /dev/null). Never blocks; shutdown does nothing. Safe to share across domains.
class Null final : public Two_way {
 protected:
  std::size_t do_read_some(std::span<char> buf) override;
  void do_write(std::span<const std::string_view> bufs) override;
  void do_shutdown(Shutdown how) override;
};

}  // namespace eio::flow
