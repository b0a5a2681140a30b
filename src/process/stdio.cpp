// Connecting a child's standard descriptors to flows.

#include "process/stdio.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eio/fiber.hpp"
#include "os/fd_state.hpp"

namespace eio::detail {
namespace {

// Whether a child can use the descriptor as it is. O_NONBLOCK belongs to the open file
// description, which the child would share: a program that expects blocking stdio would
// see EAGAIN on a pipe or socket (a regular file never blocks, so the flag does not matter).
bool child_can_share(const Fd_state* st) noexcept {
  if (st == nullptr || !st->open || st->fd < 0) return false;
  int flags = ::fcntl(st->fd, F_GETFL);
  if (flags < 0) return false;
  if (!(flags & O_NONBLOCK)) return true;
  struct stat info;
  return ::fstat(st->fd, &info) == 0 && S_ISREG(info.st_mode);
}

// A pipe with close-on-exec on both ends; the parent's end is made non-blocking.
void make_pipe(int (&fds)[2], int parent_index) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "creating a pipe for the child");
  int flags = ::fcntl(fds[parent_index], F_GETFL);
  ::fcntl(fds[parent_index], F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

Child_stdio::Child_stdio(Switch& sw, const process::Spawn_options& opts) {
  try {
    if (auto* src = opts.stdin.get()) {
      slots_[0].source = src;
      use_flow(sw, 0, fd_state_of(*src));
    }
    flow::Sink* sinks[2] = {opts.stdout.get(), opts.stderr.get()};
    for (int i = 0; i < 2; ++i) {
      if (sinks[i] == nullptr) continue;
      slots_[i + 1].sink = sinks[i];
      use_flow(sw, i + 1, fd_state_of(*sinks[i]));
    }
  } catch (...) {
    close_child_ends();
    throw;
  }
}

Child_stdio::~Child_stdio() {
  close_child_ends();
}

void Child_stdio::use_flow(Switch& sw, int target, Fd_state* state) {
  Slot& slot = slots_[target];
  if (child_can_share(state)) {
    slot.source = nullptr;
    slot.sink = nullptr;
    slot.child_fd = state->fd;
  } else {
    int fds[2];
    bool input = target == 0;
    make_pipe(fds, input ? 1 : 0);
    slot.child_fd = input ? fds[0] : fds[1];
    slot.owned = true;
    int parent = input ? fds[1] : fds[0];
    slot.parent_end = os::Fd(sw, parent);  // closes `parent` itself if this throws
  }
  // The child's dup2s run in order 0, 1, 2: a source below 3 other than its own target
  // could be overwritten before it is used, so move it out of the way.
  if (slot.child_fd < 3 && slot.child_fd != target) {
    int high = ::fcntl(slot.child_fd, F_DUPFD_CLOEXEC, 3);
    if (high < 0) throw_errno(errno, "duplicating a descriptor for the child");
    if (slot.owned) ::close(slot.child_fd);
    slot.child_fd = high;
    slot.owned = true;
  }
}

std::array<int, 3> Child_stdio::child_fds() const {
  return {slots_[0].child_fd, slots_[1].child_fd, slots_[2].child_fd};
}

void Child_stdio::close_child_ends() noexcept {
  for (Slot& slot : slots_) {
    if (slot.owned) ::close(slot.child_fd);
    slot.owned = false;
    slot.child_fd = -1;
  }
}

void Child_stdio::start_copying(Switch& sw) {
  close_child_ends();  // the pipes reach end-of-file once the child closes its ends
  if (slots_[0].parent_end.is_open()) {
    // A daemon: a source that never ends must not keep the switch alive.
    fiber::fork_daemon(sw, [pipe = os::Fd_sink(std::move(slots_[0].parent_end)),
                            src = slots_[0].source]() mutable {
      try {
        pipe.copy_from(*src);
      } catch (const Io_error& e) {
        // The child exited or closed its input without reading everything: not an error.
        if (e.code() != std::errc::broken_pipe) throw;
      }
      pipe.close();
    });
  }
  for (int i = 1; i < 3; ++i) {
    if (!slots_[i].parent_end.is_open()) continue;
    fiber::fork(sw, [pipe = os::Fd_source(std::move(slots_[i].parent_end)),
                     sink = slots_[i].sink]() mutable {
      sink->copy_from(pipe);
      pipe.close();
    });
  }
}

}  // namespace eio::detail
