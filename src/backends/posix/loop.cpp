#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "backends/posix/loop.hpp"
#include "backends/posix/poller.hpp"
#include "core/scheduler.hpp"
#include "eio/errors.hpp"

namespace eio::posix {
namespace {

constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};

[[noreturn]] void throw_errno(const char* what) {
  throw Io_error(std::error_code(errno, std::generic_category()), what);
}

}  // namespace

Poller::Poller() {
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

Poller::~Poller() {
  ::close(wakefd_);
  ::close(epfd_);
}

void Poller::poll(std::int64_t timeout_ns) {
  // Nothing waits on an fd: the wake-up eventfd matters only when sleeping.
  if (timeout_ns == 0 && waiting_ == 0) return;
  wait_and_dispatch(timeout_ns);
}

// The epoll fd itself polls readable while events wait in it. Draining it first (wake-ups
// included) means the next event is a fresh edge for the foreign loop's own epoll.
int Poller::prepare_foreign_sleep() {
  wait_and_dispatch(0);
  return epfd_;
}

void Poller::wait_and_dispatch(std::int64_t timeout_ns) {
  timespec ts;
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
    tsp = &ts;
  }
  epoll_event events[128];
  // epoll_pwait2 (Linux 5.11) takes a nanosecond timeout; epoll_wait rounds to ms.
  int n = ::epoll_pwait2(epfd_, events, 128, tsp, nullptr);
  if (n < 0 && errno == ENOSYS) {
    int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999'999) / 1'000'000);
    n = ::epoll_wait(epfd_, events, 128, ms);
  }
  for (int i = 0; i < n; ++i) {  // n < 0 (EINTR): the scheduler simply looks again
    if (events[i].data.u64 == kWakeTag) {
      std::uint64_t count;
      while (::read(wakefd_, &count, sizeof count) > 0) {
      }
    } else {
      dispatch(static_cast<int>(events[i].data.u64), events[i].events);
    }
  }
}

void Poller::wake() noexcept {
  std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: a wake-up is pending anyway.
  while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

std::unique_ptr<detail::Backend> make_loop() {
  return std::make_unique<Poller>();
}

}  // namespace eio::posix
