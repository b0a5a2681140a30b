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

bool ready_now(int fd, std::uint32_t events) noexcept {
  return detail::ready_now(fd, static_cast<short>(events));
}

}  // namespace

long Poller::perform(const detail::Io_op& op, detail::Pending_io& p) {
  using K = detail::Io_op::Kind;
  if (detail::blocks_thread(op.kind)) return detail::call_on_helper_thread(op);
  if (++ready_streak_ >= kReadyBudget && !coop_yield(p)) return -ECANCELED;
  // poll(2) and epoll share the values of POLLIN/EPOLLIN, POLLOUT/EPOLLOUT.
  auto events = static_cast<std::uint32_t>(detail::readiness_events(op));
  if (op.kind == K::poll) return ready_now(op.fd, events) ? events : wait_edge(op.fd, events, p);
  if (op.kind == K::connect) {
    long r = detail::start_connect(op);
    if (r != -EINPROGRESS) return r;
    r = wait_ready(op.fd, EPOLLOUT, p);
    return r < 0 ? r : detail::connect_result(op.fd);
  }
  if (op.kind == K::splice) return splice(op, p);
  if (op.regular_file && (op.kind == K::read || op.kind == K::readv || op.kind == K::writev)) {
    long r = detail::page_cache_call(op);
    return r != -EAGAIN ? r : detail::call_on_helper_thread(op);
  }
  if (op.fd_may_block && !ready_now(op.fd, events)) {
    long r = wait_edge(op.fd, events, p);
    if (r < 0) return r;
  }
  for (;;) {
    Interest* in = find(op.fd);
    // Readiness known to be spent: skip the system call that would say EAGAIN.
    bool spent = op.kind == K::read && in != nullptr && in->registered &&
                 !(in->ready & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR));
    if (!spent) {
      long r = detail::nonblocking_call(op);
      if (r != -EAGAIN) {
        // A short read drained the buffer (Tokio does the same): wait for the next edge.
        if (in != nullptr && op.kind == K::read && r > 0 && static_cast<std::size_t>(r) < op.len) {
          in->ready &= ~EPOLLIN;
        }
        return r;
      }
      if (in != nullptr) in->ready &= ~events;
    }
    long r = wait_ready(op.fd, events, p);
    if (r < 0) return r;
  }
}

// Waits after ready_now said no: edges recorded before then are stale.
long Poller::wait_edge(int fd, std::uint32_t events, detail::Pending_io& p) {
  if (Interest* in = find(fd)) in->ready &= ~events;
  return wait_ready(fd, events, p);
}

// Either end of a splice may be what blocks: wait for the input, else for the output,
// else (both ready, yet EAGAIN: the pipe has less room than a page) let others run.
long Poller::splice(const detail::Io_op& op, detail::Pending_io& p) {
  for (;;) {
    long r = detail::nonblocking_call(op);
    if (r != -EAGAIN) return r;
    if (!ready_now(op.fd, EPOLLIN)) {
      r = wait_edge(op.fd, EPOLLIN, p);
    } else if (!ready_now(op.fd_out, EPOLLOUT)) {
      r = wait_edge(op.fd_out, EPOLLOUT, p);
    } else {
      r = coop_yield(p) ? 0 : -ECANCELED;
    }
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
  Interest& in = interest(fd);
  if (in.ready & events) return static_cast<long>(in.ready & events);  // an edge came meanwhile
  if (!in.registered) {
    epoll_event ev{};
    // Edge-triggered and registered once for everything: no epoll_ctl per wait. A fiber
    // parks only after the call said EAGAIN (or ready_now said no), so it cannot miss an
    // edge: the next one is still to come.
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = static_cast<std::uint64_t>(fd);
    // epoll refuses regular files (EPERM): they are always ready.
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return static_cast<long>(events);
    in.registered = true;
  }
  Waiter w;
  w.pending = &p;
  w.events = events;
  w.fd = fd;
  in.waiters.push_back(w);
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
  detail::wake(w.pending->fiber);
}

void Poller::abort(detail::Pending_io& p) noexcept {
  p.aborted = true;
  if (auto* w = static_cast<Waiter*>(p.waiter)) finish_wait(*w, -ECANCELED);
}

void Poller::forget_fd(int fd) noexcept {
  if (fd < 0 || static_cast<std::size_t>(fd) >= interests_.size() || !interests_[fd]) return;
  if (interests_[fd]->registered) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  interests_[fd].reset();
}

Poller::Interest* Poller::find(int fd) noexcept {
  auto i = static_cast<std::size_t>(fd);
  return i < interests_.size() ? interests_[i].get() : nullptr;
}

Poller::Interest& Poller::interest(int fd) {
  auto i = static_cast<std::size_t>(fd);
  if (i >= interests_.size()) interests_.resize(std::max(i + 1, interests_.size() * 2));
  if (!interests_[i]) interests_[i] = std::make_unique<Interest>();
  return *interests_[i];
}

void Poller::dispatch(int fd, std::uint32_t revents) noexcept {
  auto i = static_cast<std::size_t>(fd);
  if (i >= interests_.size() || !interests_[i]) return;
  // Errors and hang-ups wake everyone: the retried call reports them. An edge nobody
  // waits for is dropped: the next caller tries its system call first.
  bool all = revents & (EPOLLERR | EPOLLHUP | EPOLLRDHUP);
  interests_[i]->ready |= revents;
  interests_[i]->waiters.for_each([&](Waiter& w) {
    if (all || (w.events & revents)) finish_wait(w, static_cast<long>(revents));
  });
}

}  // namespace eio::posix
