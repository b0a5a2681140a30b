#pragma once
// A child's standard descriptors: a flow's own descriptor when the child can use it
// directly, otherwise one end of a pipe whose other end a fiber of the spawn switch copies
// to or from the flow.

#include <array>

#include "eio/os/fd.hpp"
#include "eio/process.hpp"

namespace eio::detail {

class Child_stdio {
 public:
  // Prepares descriptors 0, 1, 2 for `opts` (pipe ends attached to `sw`).
  Child_stdio(Switch& sw, const process::Spawn_options& opts);
  ~Child_stdio();
  Child_stdio(const Child_stdio&) = delete;
  Child_stdio& operator=(const Child_stdio&) = delete;

  // The descriptors to hand the child (-1: inherit).
  std::array<int, 3> child_fds() const;
  // Once the child has started: closes the parent's copies of the child's ends and forks
  // the copying fibers on `sw`.
  void start_copying(Switch& sw);

 private:
  struct Slot {
    int child_fd = -1;
    bool owned = false;  // child_fd is ours to close (a pipe end or a duplicate)
    os::Fd parent_end;   // the pipe's other end, when copying
    flow::Source* source = nullptr;
    flow::Sink* sink = nullptr;
  };
  void use_flow(Switch& sw, int target, Fd_state* state);
  void close_child_ends() noexcept;
  std::array<Slot, 3> slots_;
};

}  // namespace eio::detail
