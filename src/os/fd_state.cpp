#include "os/fd_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "core/scheduler.hpp"
#include "eio/cancel.hpp"
#include "eio/detail/cancel_point.hpp"
#include "eio/detail/switch_access.hpp"
#include "eio/errors.hpp"

namespace eio::detail {
namespace {

bool lacks_nonblock(int raw) noexcept {
  int flags = ::fcntl(raw, F_GETFL);
  return flags >= 0 && !(flags & O_NONBLOCK);
}

}  // namespace

Fd_state* Fd_state::attach(Switch& sw, int raw) {
  if (raw < 0) throw std::invalid_argument("eio::os::Fd: negative file descriptor");
  auto* s = new Fd_state;
  s->fd = raw;
  s->may_block = lacks_nonblock(raw);
  s->owner = Scheduler::current();
  s->release = [](Release_node* n) noexcept { static_cast<Fd_state*>(n)->close(); };
  try {
    Switch_access::attach(sw, *s);  // on a finished switch: releases (closes), then throws
  } catch (...) {
    s->unref();
    throw;
  }
  return s;
}

Fd_state* Fd_state::adopt(int raw) {
  auto* s = new Fd_state;
  s->fd = raw;
  s->owner = Scheduler::current();
  return s;
}

Fd_state* Fd_state::borrowed(int raw) {
  auto* s = new Fd_state;
  s->fd = raw;
  s->close_fd = false;
  s->may_block = lacks_nonblock(raw);
  return s;
}

void Fd_state::check_usable(const char* what) const {
  if (!open) throw Closed(std::string(what) + ": the resource is closed");
  if (owner != nullptr && owner != Scheduler::current()) {
    throw std::logic_error(std::string(what) +
                           ": resource used outside the domain of the switch it is attached to");
  }
}

long Fd_state::perform(Io_op op) {
  return perform_on(op, nullptr);
}

long Fd_state::perform(Io_op op, Fd_state& out) {
  return perform_on(op, &out);
}

long Fd_state::perform_on(Io_op op, Fd_state* out) {
  Scheduler* sched = Scheduler::current();
  if (sched == nullptr || current_fiber() == nullptr) {
    throw std::logic_error("eio: IO on a resource needs a fiber (call it inside eio::run)");
  }
  check_usable("eio IO");
  if (out != nullptr) out->check_usable("eio IO");
  check_cancelled();
  op.fd = fd;
  op.fd_may_block = may_block;
  op.regular_file = regular_file;
  if (out != nullptr) op.fd_out = out->fd;
  Pending_io p;
  Pending_io p_out;
  p_out.alias = &p;
  enter(p);
  if (out != nullptr) out->enter(p_out);
  long r = sched->backend().perform(op, p);
  bool closed = leave(p);
  if (out != nullptr && out->leave(p_out)) closed = true;
  // `this` and `out` may be gone from here on.
  if (r == -ECANCELED) {
    if (current_fiber()->cc->is_cancelled()) throw_cancelled();
    if (closed) throw Closed("eio IO: the resource was closed during the operation");
  }
  return r;
}

// Shared descriptors (no owner) are never closed by eio, so nothing tracks them.
void Fd_state::enter(Pending_io& p) noexcept {
  if (owner == nullptr) return;
  ops.push_back(p);
  ++in_flight;
  ++refs;
}

bool Fd_state::leave(Pending_io& p) noexcept {
  if (owner == nullptr) return false;
  p.unlink();
  --in_flight;
  bool closed = !open;
  if (closed && in_flight == 0) finish_close();
  unref();
  return closed;
}

void Fd_state::close() noexcept {
  if (!open) return;
  open = false;
  if (is_linked()) unlink();  // closed before its switch finished
  if (owner != nullptr) {
    Backend& backend = owner->backend();
    ops.for_each([&](Pending_io& p) { backend.abort(p.alias != nullptr ? *p.alias : p); });
  }
  if (in_flight == 0) finish_close();
}

void Fd_state::finish_close() noexcept {
  if (fd < 0) return;
  if (owner != nullptr) owner->backend().forget_fd(fd);
  if (close_fd) ::close(fd);  // EINTR still closes on Linux: never retry
  fd = -1;
}

void throw_errno(int err, std::string context) {
  throw Io_error(std::error_code(err, std::generic_category()), std::move(context));
}

}  // namespace eio::detail
