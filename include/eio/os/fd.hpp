#pragma once
// File descriptors as eio resources (SPEC §10): an owning handle attached to a switch,
// waiting for readiness, and flows over any descriptor.
//
//   eio::os::Fd fd(sw, ::eventfd(0, EFD_NONBLOCK));   // closed when `sw` finishes
//   eio::os::await_readable(fd);

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "eio/flow.hpp"

namespace eio {
class Switch;
}

namespace eio::detail {
struct Fd_state;
}

namespace eio::os {

/// An owning handle on a file descriptor, attached to a switch. The descriptor is closed
/// by whichever comes first: close(), the destructor, or the end of the switch; after that,
/// using the handle throws eio::Closed. Closing while operations are in flight cancels
/// them (their fibers see eio::Closed) and closes the descriptor only once the kernel is
/// done with it, so its number is never reused under a queued operation. Move-only.
/// Domain-local: use it on the domain of the switch it is attached to (others get
/// std::logic_error).
class Fd {
 public:
  /// An empty handle (is_open() is false).
  Fd() noexcept = default;
  /// Takes ownership of `raw` (which may be blocking or not) and attaches it to `sw`. If
  /// `sw` has finished, closes `raw` and throws std::logic_error. Throws
  /// std::invalid_argument for a negative `raw`.
  Fd(Switch& sw, int raw);
  Fd(Fd&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();

  /// The descriptor number, for system calls eio does not wrap. Throws eio::Closed once closed.
  int get() const;
  /// Whether the descriptor is still open (false for an empty or moved-from handle).
  bool is_open() const noexcept;
  /// Closes the descriptor now (see the class comment for operations in flight). Does not
  /// block; closing twice does nothing.
  void close() noexcept;

  // For eio's own flows and sockets.
  detail::Fd_state* state() const noexcept { return state_; }
  explicit Fd(detail::Fd_state* adopted) noexcept : state_(adopted) {}

 private:
  detail::Fd_state* state_ = nullptr;
};

/// Suspends the fiber until `fd` can be read without blocking (or has hung up). A
/// cancellation point. Throws eio::Closed if `fd` is closed meanwhile.
void await_readable(Fd& fd);
/// Suspends the fiber until `fd` can be written without blocking. As await_readable.
void await_writable(Fd& fd);

/// A two-way flow over a descriptor: reads with read(2), writes with writev(2), shutdown
/// with shutdown(2) (sockets only). Copying into it from another descriptor flow, when
/// either end is a pipe, moves the bytes inside the kernel. Flows are domain-local, like
/// their Fd.
class Fd_flow : public flow::Two_way {
 public:
  explicit Fd_flow(Fd fd) noexcept : fd_(std::move(fd)) {}
  Fd_flow(Fd_flow&&) noexcept = default;
  Fd_flow& operator=(Fd_flow&&) noexcept = default;

  /// The descriptor.
  Fd& fd() noexcept { return fd_; }
  /// Closes the descriptor now (see Fd::close).
  void close() noexcept { fd_.close(); }

 protected:
  std::size_t do_read_some(std::span<char> buf) override;
  void do_write(std::span<const std::string_view> bufs) override;
  // From another descriptor with a pipe at either end, the kernel moves the bytes itself
  // (splice(2)); otherwise the generic read/write loop.
  void do_copy_from(flow::Source& src) override;
  void do_shutdown(flow::Shutdown how) override;

 private:
  Fd fd_;
};

/// The read end of a pipe (or any descriptor read as a source).
class Fd_source final : public flow::Source {
 public:
  explicit Fd_source(Fd fd) noexcept : flow_(std::move(fd)) {}
  Fd& fd() noexcept { return flow_.fd(); }
  void close() noexcept { flow_.close(); }

 protected:
  std::size_t do_read_some(std::span<char> buf) override { return flow_.read_some(buf); }

 private:
  Fd_flow flow_;
};

/// The write end of a pipe (or any descriptor written as a sink).
class Fd_sink final : public flow::Sink {
 public:
  explicit Fd_sink(Fd fd) noexcept : flow_(std::move(fd)) {}
  Fd& fd() noexcept { return flow_.fd(); }
  void close() noexcept { flow_.close(); }

 protected:
  void do_write(std::span<const std::string_view> bufs) override { flow_.write(bufs); }
  void do_copy_from(flow::Source& src) override { flow_.copy_from(src); }

 private:
  Fd_flow flow_;
};

/// Adopts two descriptors made together (pipe2, socketpair) as Fds attached to `sw`; if
/// that fails (a finished switch), both are closed and the error is thrown.
std::pair<Fd, Fd> adopt_pair(Switch& sw, const int (&fds)[2]);

/// A pipe's two ends.
struct Pipe {
  Fd_source source;
  Fd_sink sink;
};

/// Creates a pipe whose ends are attached to `sw`: what is written to `sink` is read from
/// `source`; closing `sink` makes `source` reach end-of-file. Does not block. Throws
/// eio::Io_error (e.g. `too_many_files_open`).
Pipe pipe(Switch& sw);

}  // namespace eio::os
