#pragma once
// The state behind eio::process::Process: the child's pid, a pidfd to wait on and signal
// it through, and its exit status once reaped.
//
// Two references keep it: the handle and the switch (until it releases the child, killing
// it if it still runs). The pidfd is never closed before the child is reaped, so the pid
// cannot be reused while a signal may still be sent to it.

#include <optional>
#include <string>
#include <vector>

#include "eio/process.hpp"
#include "eio/switch.hpp"

namespace eio::detail {

class Scheduler;
struct Fd_state;

struct Process_state final : Release_node {
  int pid = -1;
  Fd_state* pidfd = nullptr;  // adopted: closed on release or when the last reference goes
  std::optional<process::Exit_status> status;
  std::string command;  // quoted, for messages
  int refs = 2;
  Scheduler* owner = nullptr;

  // A state for a child just started, attached to `sw` (which kills it at once and
  // throws if `sw` has finished). Takes ownership of `raw_pidfd`.
  static Process_state* attach(Switch& sw, int pid, int raw_pidfd, std::string command);
  // Collects the exit status if the child has ended (`block`: waits until it has).
  void reap(bool block);
  void unref() noexcept;
};

// `"prog" "arg 1"`: the arguments quoted, for error messages.
std::string quote_command(const std::vector<std::string>& args);

}  // namespace eio::detail
