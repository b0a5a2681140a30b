#pragma once
// The POSIX backend's state for one domain: epoll, an eventfd that other threads write to
// wake a sleeping loop, and the fibers waiting for each fd to become ready.

#include <cstddef>
#include <cstdint>
#include <unordered_map>

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

 private:
  // A fiber waiting for `events` on an fd, in that fiber's frame.
  struct Waiter : detail::List_node<> {
    detail::Pending_io* pending;
    std::uint32_t events;
    int fd;
    long result = 0;  // the ready events, or -ECANCELED
  };
  struct Interest {
    detail::Intrusive_list<Waiter> waiters;
    std::uint32_t registered = 0;  // the events epoll watches for this fd
  };

  long wait_ready(int fd, std::uint32_t events, detail::Pending_io& p);
  void finish_wait(Waiter& w, long result) noexcept;
  // Makes epoll watch what the fd's waiters wait for; false if epoll refuses the fd.
  bool update_interest(int fd) noexcept;
  void dispatch(int fd, std::uint32_t revents) noexcept;
  bool coop_yield(detail::Pending_io& p) noexcept;

  int epfd_ = -1;
  int wakefd_ = -1;
  std::unordered_map<int, Interest> interests_;
  std::size_t waiting_ = 0;    // fibers parked in wait_ready
  unsigned ready_streak_ = 0;  // operations in a row that did not have to wait
};

}  // namespace eio::posix
