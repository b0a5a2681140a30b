// eio::os::Fd and the flows over a descriptor.

#include "eio/os/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "core/io.hpp"
#include "eio/errors.hpp"
#include "os/fd_state.hpp"

namespace eio::os {
namespace {

using detail::Io_op;

// Bytes per read: the kernel caps a single read at about 2 GiB anyway.
constexpr std::size_t kMaxReadBytes = 1u << 30;
// iovecs per writev, on the fiber's stack; longer lists take several calls (the kernel's
// own limit, IOV_MAX, is 1024).
constexpr std::size_t kIovBatch = 64;

detail::Fd_state& state_of(const Fd& fd, const char* what) {
  if (fd.state() == nullptr) throw Closed(std::string(what) + ": empty eio::os::Fd");
  return *fd.state();
}

void await_events(Fd& fd, short events, const char* what) {
  Io_op op{.kind = Io_op::Kind::poll, .fd = -1};
  op.poll_events = events;
  long r = state_of(fd, what).perform(op);
  if (r < 0) detail::throw_errno(static_cast<int>(-r), what);
}

}  // namespace

Fd::Fd(Switch& sw, int raw) : state_(detail::Fd_state::attach(sw, raw)) {}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    close();
    if (state_ != nullptr) state_->unref();
    state_ = other.state_;
    other.state_ = nullptr;
  }
  return *this;
}

Fd::~Fd() {
  if (state_ != nullptr) {
    state_->close();
    state_->unref();
  }
}

int Fd::get() const {
  detail::Fd_state& s = state_of(*this, "eio::os::Fd::get");
  if (!s.open) throw Closed("eio::os::Fd::get: the descriptor is closed");
  return s.fd;
}

bool Fd::is_open() const noexcept {
  return state_ != nullptr && state_->open;
}

void Fd::close() noexcept {
  if (state_ != nullptr) state_->close();
}

void await_readable(Fd& fd) {
  await_events(fd, POLLIN, "waiting for a descriptor to be readable");
}
void await_writable(Fd& fd) {
  await_events(fd, POLLOUT, "waiting for a descriptor to be writable");
}

std::size_t Fd_flow::do_read_some(std::span<char> buf) {
  Io_op op{.kind = Io_op::Kind::read, .fd = -1};
  op.buf = buf.data();
  op.len = std::min(buf.size(), kMaxReadBytes);
  long r = state_of(fd_, "reading").perform(op);
  if (r > 0) return static_cast<std::size_t>(r);
  if (r == 0) throw End_of_file();
  detail::throw_errno(static_cast<int>(-r), "reading from a descriptor");
}

void Fd_flow::do_write(std::span<const std::string_view> bufs) {
  detail::Fd_state& s = state_of(fd_, "writing");
  std::size_t next = 0;    // first buffer not fully written
  std::size_t offset = 0;  // bytes of bufs[next] already written
  while (next < bufs.size()) {
    iovec iov[kIovBatch];
    int n = 0;
    for (std::size_t i = next; i < bufs.size() && n < static_cast<int>(kIovBatch); ++i) {
      std::string_view b = i == next ? bufs[i].substr(offset) : bufs[i];
      if (b.empty()) continue;
      iov[n++] = {const_cast<char*>(b.data()), b.size()};
    }
    if (n == 0) return;
    Io_op op{.kind = Io_op::Kind::writev, .fd = -1};
    msghdr msg{};
    if (s.socket) {
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(n);
      op.kind = Io_op::Kind::sendmsg;
      op.msg = &msg;
    } else {
      op.iov = iov;
      op.iovcnt = n;
    }
    long r = s.perform(op);
    if (r < 0) detail::throw_errno(static_cast<int>(-r), "writing to a descriptor");
    // Advance past what the kernel took (a short write continues where it stopped).
    auto written = static_cast<std::size_t>(r);
    while (next < bufs.size()) {
      std::size_t left = bufs[next].size() - offset;
      if (written < left) {
        offset += written;
        break;
      }
      written -= left;
      ++next;
      offset = 0;
    }
  }
}

void Fd_flow::do_shutdown(flow::Shutdown how) {
  detail::Fd_state& s = state_of(fd_, "shutting down");
  s.check_usable("shutting down a socket");
  int h = how == flow::Shutdown::send      ? SHUT_WR
          : how == flow::Shutdown::receive ? SHUT_RD
                                           : SHUT_RDWR;
  if (::shutdown(s.fd, h) < 0) detail::throw_errno(errno, "shutting down a socket");
}

namespace {

bool is_pipe(int fd) noexcept {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

// Bytes per splice: the kernel moves at most a pipe's capacity at a time anyway.
constexpr std::size_t kSpliceChunk = 1 << 20;

}  // namespace

void Fd_flow::do_copy_from(flow::Source& src) {
  detail::Fd_state* in = detail::fd_state_of(src);
  detail::Fd_state& out = state_of(fd_, "copying");
  if (in == nullptr || !in->open || !out.open || (!is_pipe(in->fd) && !is_pipe(out.fd))) {
    return flow::Two_way::do_copy_from(src);
  }
  for (bool moved = false;; moved = true) {
    Io_op op{.kind = Io_op::Kind::splice, .fd = -1};
    op.len = kSpliceChunk;
    long r = in->perform(op, out);
    if (r == 0) return;  // end of input
    // EINVAL: this pair cannot be spliced (a file opened O_APPEND, a descriptor type
    // without splice support): copy the ordinary way instead.
    if (r == -EINVAL && !moved) return flow::Two_way::do_copy_from(src);
    if (r < 0) detail::throw_errno(static_cast<int>(-r), "copying between descriptors");
  }
}

std::pair<Fd, Fd> adopt_pair(Switch& sw, const int (&fds)[2]) {
  Fd first;
  try {
    first = Fd(sw, fds[0]);
  } catch (...) {
    ::close(fds[1]);  // the first is closed already (by Fd, even when it throws)
    throw;
  }
  return {std::move(first), Fd(sw, fds[1])};
}

Pipe pipe(Switch& sw) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) detail::throw_errno(errno, "creating a pipe");
  auto [r, w] = adopt_pair(sw, fds);
  return Pipe{Fd_source(std::move(r)), Fd_sink(std::move(w))};
}

}  // namespace eio::os

namespace eio::detail {

Fd_state* fd_state_of(flow::Source& src) noexcept {
  if (auto* f = dynamic_cast<os::Fd_flow*>(&src)) return f->fd().state();
  if (auto* f = dynamic_cast<os::Fd_source*>(&src)) return f->fd().state();
  return nullptr;
}

Fd_state* fd_state_of(flow::Sink& sink) noexcept {
  if (auto* f = dynamic_cast<os::Fd_flow*>(&sink)) return f->fd().state();
  if (auto* f = dynamic_cast<os::Fd_sink*>(&sink)) return f->fd().state();
  return nullptr;
}

}  // namespace eio::detail
