#include "backends/uring/loop.hpp"

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "eio/errors.hpp"

namespace eio::uring {
namespace {

// Small enough for the default 64 KiB memlock limit of older kernels; a full SQ is
// submitted early rather than dropped.
constexpr unsigned kQueueDepth = 256;

[[noreturn]] void throw_errc(int err, const char* what) {
  throw Io_error(std::error_code(err, std::generic_category()), what);
}

class Loop final : public detail::Backend {
 public:
  Loop() {
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
    if (!(p.features & IORING_FEAT_EXT_ARG)) {
      io_uring_queue_exit(&ring_);
      throw_errc(EOPNOTSUPP, "io_uring lacks IORING_FEAT_EXT_ARG (Linux 5.11)");
    }
    wakefd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wakefd_ < 0) {
      int err = errno;
      io_uring_queue_exit(&ring_);
      throw_errc(err, "creating the wake-up eventfd");
    }
    arm_wake_read();
  }
  ~Loop() override {
    io_uring_queue_exit(&ring_);
    ::close(wakefd_);
  }

  const char* name() const noexcept override { return "uring"; }

  void poll(std::int64_t timeout_ns) override {
    if (timeout_ns == 0) {
      // Nothing but the wake-up read is in flight yet: avoid the syscall.
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

  void wake() noexcept override {
    std::uint64_t one = 1;
    while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

 private:
  static constexpr std::uint64_t kWakeTag = 1;

  void arm_wake_read() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    // The ring was just drained or created, so there is room; the buffer is a member,
    // valid until the ring is torn down.
    io_uring_prep_read(sqe, wakefd_, &wake_buf_, sizeof wake_buf_, 0);
    io_uring_sqe_set_data64(sqe, kWakeTag);
  }

  void reap() {
    unsigned head;
    io_uring_cqe* cqe;
    unsigned seen = 0;
    bool rearm = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      if (cqe->user_data == kWakeTag) rearm = true;
    }
    io_uring_cq_advance(&ring_, seen);
    if (rearm) arm_wake_read();
  }

  io_uring ring_{};
  int wakefd_ = -1;
  std::uint64_t wake_buf_ = 0;
  std::size_t in_flight_ = 0;  // operations other than the wake-up read
};

}  // namespace

std::unique_ptr<detail::Backend> make_loop() {
  return std::make_unique<Loop>();
}

}  // namespace eio::uring
