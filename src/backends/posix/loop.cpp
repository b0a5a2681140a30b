#include "backends/posix/loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "eio/errors.hpp"

namespace eio::posix {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw Io_error(std::error_code(errno, std::generic_category()), what);
}

class Loop final : public detail::Backend {
 public:
  Loop() {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw_errno("creating the epoll instance");
    wakefd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakefd_ < 0) {
      int err = errno;
      ::close(epfd_);
      errno = err;
      throw_errno("creating the wake-up eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
  }
  ~Loop() override {
    ::close(wakefd_);
    ::close(epfd_);
  }

  const char* name() const noexcept override { return "posix"; }

  void poll(std::int64_t timeout_ns) override {
    // Only the wake-up eventfd is registered so far, and it matters only when sleeping.
    if (timeout_ns == 0 && registered_ == 0) return;
    epoll_event events[64];
    int n = wait(events, 64, timeout_ns);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kWakeTag) {
        std::uint64_t count;
        while (::read(wakefd_, &count, sizeof count) > 0) {
        }
      }
    }
  }

  void wake() noexcept override {
    std::uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: a wake-up is pending anyway.
    while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

 private:
  static constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};

  int wait(epoll_event* events, int max, std::int64_t timeout_ns) {
    timespec ts;
    timespec* tsp = nullptr;
    if (timeout_ns >= 0) {
      ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
      tsp = &ts;
    }
    // epoll_pwait2 (Linux 5.11) takes a nanosecond timeout; epoll_wait rounds to ms.
    int n = ::epoll_pwait2(epfd_, events, max, tsp, nullptr);
    if (n < 0 && errno == ENOSYS) {
      int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999'999) / 1'000'000);
      n = ::epoll_wait(epfd_, events, max, ms);
    }
    return n < 0 ? 0 : n;  // EINTR: the scheduler simply looks again
  }

  int epfd_ = -1;
  int wakefd_ = -1;
  std::size_t registered_ = 0;  // fds other than the wake-up one
};

}  // namespace

std::unique_ptr<detail::Backend> make_loop() {
  return std::make_unique<Loop>();
}

}  // namespace eio::posix
