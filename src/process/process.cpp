// eio::process::Process: awaiting, signalling and, when its switch finishes, killing and
// reaping a child through its pidfd.

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "core/io.hpp"
#include "core/scheduler.hpp"
#include "eio/detail/switch_access.hpp"
#include "os/fd_state.hpp"
#include "process/process_state.hpp"

namespace eio::detail {
namespace {

int send_signal(const Fd_state& pidfd, int sig) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd.fd, sig, nullptr, 0));
}

// The switch finished: a child still running is killed, and every child is reaped, so
// none is left a zombie. SIGKILL cannot be caught, so the blocking wait is short.
void release_child(Release_node* node) noexcept {
  auto* s = static_cast<Process_state*>(node);
  if (!s->status) {
    send_signal(*s->pidfd, SIGKILL);
    try {
      s->reap(true);
    } catch (...) {  // nothing to do about it in a release hook
    }
  }
  s->pidfd->close();
  s->unref();
}

}  // namespace

Process_state* Process_state::attach(Switch& sw, int pid, int raw_pidfd, std::string command) {
  auto* s = new Process_state;
  s->pid = pid;
  s->pidfd = Fd_state::adopt(raw_pidfd);
  s->command = std::move(command);
  s->owner = Scheduler::current();
  s->release = release_child;
  try {
    Switch_access::attach(sw, *s);  // on a finished switch: kills and reaps, then throws
  } catch (...) {
    s->unref();
    throw;
  }
  return s;
}

void Process_state::reap(bool block) {
  siginfo_t info{};
  for (;;) {
    int r = ::waitid(P_PIDFD, static_cast<id_t>(pidfd->fd), &info, WEXITED | (block ? 0 : WNOHANG));
    if (r == 0) break;
    if (errno != EINTR) throw_errno(errno, "collecting the exit status of " + command);
  }
  if (info.si_pid == 0) return;  // still running
  status = info.si_code == CLD_EXITED ? process::exited(info.si_status)
                                      : process::signaled(info.si_status);
  // Reaped: nothing is left for the switch to do, so a long-lived switch running many
  // children does not accumulate them. Fibers of other switches still polling the pidfd
  // are woken by the close and find the status. The handle (or the release in progress)
  // still holds a reference, so this cannot delete `this`.
  pidfd->close();
  if (is_linked()) {
    unlink();
    unref();
  }
}

void Process_state::unref() noexcept {
  if (--refs > 0) return;
  pidfd->close();
  pidfd->unref();
  delete this;
}

}  // namespace eio::detail

namespace eio::process {
namespace {

detail::Process_state& state_of(detail::Process_state* s, const char* what) {
  if (s == nullptr) throw std::logic_error(std::string(what) + ": empty eio::process::Process");
  if (s->owner != detail::Scheduler::current()) {
    throw std::logic_error(std::string(what) +
                           ": process used outside the domain of the switch it is attached to");
  }
  return *s;
}

}  // namespace

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) state_->unref();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

Process::~Process() {
  if (state_ != nullptr) state_->unref();
}

int Process::pid() const {
  if (state_ == nullptr) throw std::logic_error("eio::process::Process::pid: empty handle");
  return state_->pid;
}

Exit_status Process::await() {
  detail::Process_state& s = state_of(state_, "eio::process::Process::await");
  while (!s.status) {
    detail::Io_op op{.kind = detail::Io_op::Kind::poll, .fd = -1};
    op.poll_events = POLLIN;  // a pidfd is readable once the child has ended
    long r = 0;
    try {
      r = s.pidfd->perform(op);
    } catch (const Closed&) {
      if (s.status) break;  // its switch reaped it meanwhile
      throw;
    }
    if (r < 0) detail::throw_errno(static_cast<int>(-r), "awaiting " + s.command);
    s.reap(false);
  }
  return *s.status;
}

void Process::await_exn() {
  Exit_status st = await();
  if (!st.success()) throw Child_error(st, state_->command);
}

void Process::signal(int sig) {
  detail::Process_state& s = state_of(state_, "eio::process::Process::signal");
  if (s.status) return;  // reaped: the pid may belong to someone else now
  // ESRCH: it has ended but is not reaped yet, which is as good as delivered.
  if (detail::send_signal(*s.pidfd, sig) != 0 && errno != ESRCH) {
    detail::throw_errno(errno, "sending signal " + std::to_string(sig) + " to " + s.command);
  }
}

}  // namespace eio::process
