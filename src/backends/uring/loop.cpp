#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "backends/uring/loop.hpp"
#include "backends/uring/ring.hpp"
#include "core/scheduler.hpp"
#include "eio/errors.hpp"

namespace eio::uring {
namespace {

// Small enough for the default 64 KiB memlock limit of older kernels; when the SQ is
// full, what is queued is submitted early rather than dropped, and the kernel buffers CQ
// overflow (IORING_FEAT_NODROP), so neither ring's size limits operations in flight.
constexpr unsigned kQueueDepth = 256;

[[noreturn]] void throw_errc(int err, const char* what) {
  throw Io_error(std::error_code(err, std::generic_category()), what);
}

std::atomic<int> injected_setup_error{0};
std::atomic<unsigned> hidden_opcodes{0};

}  // namespace

void fail_setup_for_testing(int err) noexcept {
  injected_setup_error.store(err);
}
void hide_opcodes_for_testing(unsigned kinds_mask) noexcept {
  hidden_opcodes.store(kinds_mask);
}

Ring::Ring() {
  if (int err = injected_setup_error.load())
    throw_errc(err, "setting up the io_uring ring (test hook)");
  io_uring_params p{};
  // SINGLE_ISSUER + DEFER_TASKRUN (Linux 6.1): completions run only when this thread
  // asks, which suits one ring per domain. Older kernels reject the flags: retry plain.
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int r = io_uring_queue_init_params(kQueueDepth, &ring_, &p);
  if (r == -EINVAL) {
    p = io_uring_params{};
    r = io_uring_queue_init_params(kQueueDepth, &ring_, &p);
  }
  if (r < 0) throw_errc(-r, "setting up the io_uring ring");
  if (!(p.features & IORING_FEAT_EXT_ARG) || !(p.features & IORING_FEAT_NODROP)) {
    io_uring_queue_exit(&ring_);
    throw_errc(EOPNOTSUPP, "io_uring lacks IORING_FEAT_EXT_ARG or NODROP (Linux 5.11)");
  }
  try {
    probe_opcodes();
  } catch (...) {
    io_uring_queue_exit(&ring_);
    throw;
  }
  wakefd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wakefd_ < 0) {
    int err = errno;
    io_uring_queue_exit(&ring_);
    throw_errc(err, "creating the wake-up eventfd");
  }
  arm_wake_read();
}

// Kernels gained opcodes one by one (READ in 5.6, ACCEPT/CONNECT in 5.5, ...); an
// operation whose opcode is missing is emulated with POLL_ADD and a non-blocking call.
// POLL_ADD and ASYNC_CANCEL themselves are required.
void Ring::probe_opcodes() {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  if (probe == nullptr) throw_errc(EOPNOTSUPP, "probing io_uring opcodes (Linux 5.6)");
  auto has = [&](int opcode) { return io_uring_opcode_supported(probe, opcode) != 0; };
  bool essentials = has(IORING_OP_POLL_ADD) && has(IORING_OP_ASYNC_CANCEL);
  // -1: no opcode (Kind::call).
  const int opcodes[detail::kIoKinds] = {
      IORING_OP_READ,     IORING_OP_READV,    IORING_OP_WRITEV,
      IORING_OP_ACCEPT,   IORING_OP_CONNECT,  IORING_OP_RECVMSG,
      IORING_OP_SENDMSG,  IORING_OP_POLL_ADD, IORING_OP_SPLICE,
      IORING_OP_OPENAT2,  IORING_OP_STATX,    IORING_OP_MKDIRAT,
      IORING_OP_UNLINKAT, IORING_OP_RENAMEAT, IORING_OP_SYMLINKAT,
      IORING_OP_LINKAT,   IORING_OP_FSYNC,    -1};
  unsigned hidden = hidden_opcodes.load();
  for (unsigned k = 0; k < detail::kIoKinds; ++k) {
    supported_[k] = opcodes[k] >= 0 && has(opcodes[k]) && !(hidden & (1u << k));
  }
  supported_[static_cast<unsigned>(detail::Io_op::Kind::poll)] = true;
  io_uring_free_probe(probe);
  if (!essentials) throw_errc(EOPNOTSUPP, "io_uring lacks POLL_ADD or ASYNC_CANCEL");
}

Ring::~Ring() {
  io_uring_queue_exit(&ring_);
  ::close(wakefd_);
  if (int fd = notify_fd_.load(); fd >= 0) ::close(fd);
}

void Ring::poll(std::int64_t timeout_ns) {
  if (timeout_ns == 0) {
    // Only the wake-up read in flight and nothing to submit: no system call.
    if (io_uring_sq_ready(&ring_) == 0 && in_flight_ == 0) return;
    io_uring_submit_and_get_events(&ring_);
  } else {
    __kernel_timespec ts;
    __kernel_timespec* tsp = nullptr;
    if (timeout_ns > 0) {
      ts.tv_sec = timeout_ns / 1'000'000'000;
      ts.tv_nsec = timeout_ns % 1'000'000'000;
      tsp = &ts;
    }
    io_uring_cqe* cqe = nullptr;
    // One io_uring_enter submits what is queued and waits. -ETIME / -EINTR: look again.
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, tsp, nullptr);
  }
  reap();
}

// With DEFER_TASKRUN, completions wait as task work until this thread enters the kernel;
// the registered eventfd is signalled when the first of them is queued (Linux 6.2), and
// when completions are posted. So: enter the kernel to flush everything pending, so that
// the next completion signals the eventfd again, and make sure the wake-up read is
// submitted, not just queued, before the foreign loop sleeps.
int Ring::prepare_foreign_sleep() {
  int fd = notify_fd_.load(std::memory_order_relaxed);
  if (fd < 0) {
    fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) return -1;
    if (io_uring_register_eventfd(&ring_, fd) < 0) {
      ::close(fd);
      return -1;
    }
    notify_fd_.store(fd, std::memory_order_release);
  }
  io_uring_submit_and_get_events(&ring_);
  reap();
  while (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
  return fd;
}

void Ring::wake() noexcept {
  std::uint64_t one = 1;
  while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  // The kernel signals a registered eventfd late (after an RCU grace period, ~20 ms here)
  // when the completion itself came from an eventfd write, as the wake-up read's does: so
  // a foreign loop sleeping for this domain is woken directly.
  if (int fd = notify_fd_.load(std::memory_order_acquire); fd >= 0) {
    while (::write(fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

io_uring_sqe* Ring::next_sqe() {
  for (;;) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) return sqe;
    // The SQ is full: hand it to the kernel now, then there is room again.
    io_uring_submit(&ring_);
  }
}

void Ring::arm_wake_read() {
  io_uring_sqe* sqe = next_sqe();
  // The buffer is a member, valid until the ring is torn down.
  io_uring_prep_read(sqe, wakefd_, &wake_buf_, sizeof wake_buf_, 0);
  io_uring_sqe_set_data64(sqe, kWakeTag);
}

// An aborted operation's fiber waits for two completions, the operation's and its cancel
// request's: the cancel request names the operation by address, and once the fiber moves
// on, that address may name its next operation.
void Ring::complete(std::uint64_t user_data, int res) noexcept {
  auto* p = reinterpret_cast<detail::Pending_io*>(user_data & ~std::uint64_t{7});
  --in_flight_;
  if (user_data & kCancelBit) {
    p->cancel_in_flight = false;
  } else {
    p->result = res;
    p->completed = true;
  }
  if (p->completed && !p->cancel_in_flight) detail::wake(p->fiber);
}

void Ring::reap() {
  unsigned head;
  io_uring_cqe* cqe;
  unsigned seen = 0;
  bool rearm = false;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    if (cqe->user_data == kWakeTag) {
      rearm = true;
    } else {
      complete(cqe->user_data, cqe->res);
    }
  }
  io_uring_cq_advance(&ring_, seen);
  if (rearm) arm_wake_read();
}

}  // namespace eio::uring

namespace eio::uring {
std::unique_ptr<detail::Backend> make_loop() {
  return std::make_unique<Ring>();
}
}  // namespace eio::uring
