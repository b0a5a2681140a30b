// Operations without io_uring: try the non-blocking system call; on EAGAIN park the fiber
// until epoll reports the fd ready, then try again. Registrations are level-triggered and
// cover exactly the events some parked fiber waits for, so a registration goes away with
// its last waiter and closing an fd never leaves one behind.

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "backends/nonblocking_call.hpp"
#include "backends/posix/poller.hpp"
#include "core/scheduler.hpp"
#include "eio/cancel.hpp"

namespace eio::posix {
namespace {

// A fiber whose operations keep completing at once yields after this many, so that an
// always-ready socket cannot starve the domain's other fibers (eio#477; Tokio's coop
// budget does the same).
constexpr unsigned kReadyBudget = 64;

}  // namespace

long Poller::perform(const detail::Io_op& op, detail::Pending_io& p) {
  using K = detail::Io_op::Kind;
  if (++ready_streak_ >= kReadyBudget && !coop_yield(p)) return -ECANCELED;
  // poll(2) and epoll share the values of POLLIN/EPOLLIN, POLLOUT/EPOLLOUT.
  auto events = static_cast<std::uint32_t>(detail::readiness_events(op));
  if (op.kind == K::poll) return wait_ready(op.fd, events, p);
  if (op.kind == K::connect) {
    long r = detail::start_connect(op);
    if (r != -EINPROGRESS) return r;
    r = wait_ready(op.fd, EPOLLOUT, p);
    return r < 0 ? r : detail::connect_result(op.fd);
  }
  if (op.fd_may_block) {
    long r = wait_ready(op.fd, events, p);
    if (r < 0) return r;
  }
  for (;;) {
    long r = detail::nonblocking_call(op);
    if (r != -EAGAIN) return r;
    r = wait_ready(op.fd, events, p);
    if (r < 0) return r;
  }
}

bool Poller::coop_yield(detail::Pending_io& p) noexcept {
  ready_streak_ = 0;
  detail::Fiber* f = detail::current_fiber();
  f->sched->yield();
  return !p.aborted && !f->cc->is_cancelled();
}

long Poller::wait_ready(int fd, std::uint32_t events, detail::Pending_io& p) {
  detail::Fiber* f = detail::current_fiber();
  if (p.aborted || f->cc->is_cancelled()) return -ECANCELED;
  Waiter w;
  w.pending = &p;
  w.events = events;
  w.fd = fd;
  interests_[fd].waiters.push_back(w);
  if (!update_interest(fd)) {
    // epoll refuses regular files (EPERM): they are always ready.
    w.unlink();
    update_interest(fd);
    return static_cast<long>(events);
  }
  p.fiber = f;
  p.waiter = &w;
  ++waiting_;
  ready_streak_ = 0;
  f->cancel_data = &w;
  f->cancel_fn = [](detail::Fiber* fiber) noexcept {
    auto& poller = static_cast<Poller&>(fiber->sched->backend());
    poller.finish_wait(*static_cast<Waiter*>(fiber->cancel_data), -ECANCELED);
  };
  f->sched->suspend();
  f->cancel_fn = nullptr;
  p.waiter = nullptr;
  return w.result;
}

// Ends a wait: by readiness (result = the events), cancellation or abort (-ECANCELED).
void Poller::finish_wait(Waiter& w, long result) noexcept {
  if (!w.is_linked()) return;
  w.result = result;
  w.unlink();
  --waiting_;
  update_interest(w.fd);
  detail::wake(w.pending->fiber);
}

void Poller::abort(detail::Pending_io& p) noexcept {
  p.aborted = true;
  if (auto* w = static_cast<Waiter*>(p.waiter)) finish_wait(*w, -ECANCELED);
}

void Poller::dispatch(int fd, std::uint32_t revents) noexcept {
  auto it = interests_.find(fd);
  if (it == interests_.end()) return;
  // Errors and hang-ups wake everyone: the retried call reports them.
  bool all = revents & (EPOLLERR | EPOLLHUP);
  it->second.waiters.for_each([&](Waiter& w) {
    if (all || (w.events & revents)) {
      w.result = static_cast<long>(revents);
      w.unlink();
      --waiting_;
      detail::wake(w.pending->fiber);
    }
  });
  update_interest(fd);
}

bool Poller::update_interest(int fd) noexcept {
  auto it = interests_.find(fd);
  if (it == interests_.end()) return true;
  Interest& in = it->second;
  std::uint32_t want = 0;
  in.waiters.for_each([&](Waiter& w) { want |= w.events; });
  if (want == in.registered) {
    if (want == 0) interests_.erase(it);
    return true;
  }
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = static_cast<std::uint64_t>(fd);
  if (want == 0) {
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
    interests_.erase(it);
    return true;
  }
  if (::epoll_ctl(epfd_, in.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0) {
    return false;
  }
  in.registered = want;
  return true;
}

}  // namespace eio::posix
