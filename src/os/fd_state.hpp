#pragma once
// The shared state behind eio::os::Fd and every flow over a descriptor: the descriptor,
// the operations in flight on it, and the switch it is attached to.
//
// The state is reference-counted (non-atomically: it is domain-local). The handle holds one
// reference and each operation in flight another, so that a fiber woken after its
// operation was aborted can still unlink itself after the handle is gone. The descriptor
// itself is closed when the state is closed and no operation is in flight: until the
// kernel has completed every queued operation, the number must not be reused.

#include <string>

#include "core/io.hpp"
#include "eio/detail/intrusive_list.hpp"
#include "eio/switch.hpp"

namespace eio::flow {
class Source;
class Sink;
}  // namespace eio::flow

namespace eio::detail {

class Scheduler;

struct Fd_state final : Release_node {
  int fd = -1;
  int refs = 1;
  int in_flight = 0;
  bool open = true;            // new operations are accepted
  bool close_fd = true;        // false: a borrowed descriptor (stdio) that eio never closes
  bool may_block = false;      // the descriptor lacks O_NONBLOCK (inherited, imported)
  bool socket = false;         // writes use sendmsg(MSG_NOSIGNAL): no SIGPIPE even if unignored
  bool regular_file = false;   // see Io_op::regular_file
  Scheduler* owner = nullptr;  // the domain it belongs to; null: shared and never closed
  Intrusive_list<Pending_io> ops;

  // A state for `raw`, attached to `sw` (closing `raw` and throwing if `sw` finished).
  static Fd_state* attach(Switch& sw, int raw);
  // A state for `raw` attached to no switch, for the running domain: its creator closes it
  // and drops the reference (a descriptor used for the length of one operation).
  static Fd_state* adopt(int raw);
  // A state for a descriptor that stays open for the whole process (stdin/out/err).
  static Fd_state* borrowed(int raw);

  // Carries out `op` on this descriptor for the running fiber. Returns the result (>= 0)
  // or -errno. Throws eio::Closed if the descriptor is closed before or during the
  // operation (unless it completed anyway), eio::Cancelled if the fiber is cancelled
  // before or during it (idem), std::logic_error from the wrong domain.
  long perform(Io_op op);
  // As perform, for an operation that also uses `out` (splice: op.fd_out), which is kept
  // open for it and whose closing aborts it too.
  long perform(Io_op op, Fd_state& out);
  // Throws eio::Closed (naming `what`) unless open; checks the domain.
  void check_usable(const char* what) const;
  // Stops new operations, aborts those in flight and closes the descriptor once they are
  // done. Detaches from the switch.
  void close() noexcept;
  void unref() noexcept {
    if (--refs == 0) delete this;
  }

 private:
  long perform_on(Io_op op, Fd_state* out);
  void enter(Pending_io& p) noexcept;
  // Returns whether the descriptor was closed meanwhile; may delete `this`.
  bool leave(Pending_io& p) noexcept;
  void finish_close() noexcept;
};

// Raises the Io_error for a failed operation: `err` is a positive errno value.
[[noreturn]] void throw_errno(int err, std::string context);

// The descriptor behind a flow eio made (an Fd_flow, Fd_source or Fd_sink), or null for
// any other flow.
Fd_state* fd_state_of(flow::Source& src) noexcept;
Fd_state* fd_state_of(flow::Sink& sink) noexcept;

}  // namespace eio::detail
