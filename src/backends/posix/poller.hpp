#pragma once
// The POSIX backend's state for one domain: epoll, an eventfd that other threads write to
// wake a sleeping loop, and the fibers waiting for each fd to become ready.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/backend.hpp"
#include "eio/detail/intrusive_list.hpp"

namespace eio::posix {

class Poller final : public detail::Backend {
 public:
  Poller();  // throws eio::Io_error if epoll or the eventfd cannot be created
  ~Poller() override;

  const char* name() const noexcept override { return "posix"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override;
  long perform(const detail::Io_op& op, detail::Pending_io& p) override;
  void abort(detail::Pending_io& p) noexcept override;
  void forget_fd(int fd) noexcept override;
  int prepare_foreign_sleep() override;

 private:
  // A fiber waiting for `events` on an fd, in that fiber's frame.
  struct Waiter : detail::List_node<> {
    detail::Pending_io* pending;
    std::uint32_t events;
    int fd;
    long result = 0;  // the ready events, or -ECANCELED
  };
  // What this loop knows of an fd: its parked fibers, and whether epoll watches it.
  struct Interest {
    detail::Intrusive_list<Waiter> waiters;
    bool registered = false;
    // Edges seen since the last EAGAIN (or short read) cleared them; with edge-triggered
    // epoll, an edge that came while no fiber waited would otherwise be lost.
    std::uint32_t ready = 0;
  };

  long wait_ready(int fd, std::uint32_t events, detail::Pending_io& p);
  long wait_edge(int fd, std::uint32_t events, detail::Pending_io& p);
  long splice(const detail::Io_op& op, detail::Pending_io& p);
  void finish_wait(Waiter& w, long result) noexcept;
  Interest& interest(int fd);
  Interest* find(int fd) noexcept;
  void wait_and_dispatch(std::int64_t timeout_ns);
  void dispatch(int fd, std::uint32_t revents) noexcept;
  bool coop_yield(detail::Pending_io& p) noexcept;

  int epfd_ = -1;
  int wakefd_ = -1;
  std::vector<std::unique_ptr<Interest>> interests_;  // by fd
  std::size_t waiting_ = 0;                           // fibers parked in wait_ready
  unsigned ready_streak_ = 0;  // operations in a row that did not have to wait
};

}  // namespace eio::posix
