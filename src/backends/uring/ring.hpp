#pragma once
// The io_uring backend's state for one domain: the ring, the wake-up eventfd and the
// operations in flight.

#include <liburing.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/backend.hpp"

namespace eio::uring {

class Ring final : public detail::Backend {
 public:
  Ring();  // throws eio::Io_error if the ring cannot be set up
  ~Ring() override;

  const char* name() const noexcept override { return "uring"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override;
  long perform(const detail::Io_op& op, detail::Pending_io& p) override;
  void abort(detail::Pending_io& p) noexcept override;
  int prepare_foreign_sleep() override;

 private:
  // user_data: a Pending_io* (8-byte aligned) for an operation; that pointer | kCancelBit
  // for the cancel request of that operation; kWakeTag for the wake-up read.
  static constexpr std::uint64_t kWakeTag = 1;
  static constexpr std::uint64_t kCancelBit = 2;

  long submit_and_wait(const detail::Io_op& op, detail::Pending_io& p);
  long emulate(const detail::Io_op& op, detail::Pending_io& p);
  void probe_opcodes();
  io_uring_sqe* next_sqe();
  void arm_wake_read();
  void submit_cancel(detail::Pending_io& p) noexcept;
  void reap();
  void complete(std::uint64_t user_data, int res) noexcept;

  io_uring ring_{};
  int wakefd_ = -1;
  std::uint64_t wake_buf_ = 0;
  // Registered with the ring (io_uring_register_eventfd) the first time a foreign loop
  // sleeps for this domain: the kernel signals it when completions wait to be reaped.
  // wake() writes it too (other threads read it, hence atomic; set once).
  std::atomic<int> notify_fd_{-1};
  std::size_t in_flight_ = 0;  // operations other than the wake-up read
  // Per Io_op::Kind: whether the kernel has its opcode (else it is emulated).
  bool supported_[detail::kIoKinds] = {};
};

}  // namespace eio::uring
