#pragma once
// Child processes (SPEC §7): starting programs, feeding them input, collecting their
// output and their exit status. A child is a resource of the switch it was spawned on: if
// it is still running when that switch finishes, it is killed (SIGKILL) and reaped.
//
//   eio::flow::Buffer_sink out;
//   eio::process::run(env.process_mgr(), {"echo", "hello"}, {.stdout = out});
//   // out.str() == "hello\n"; a non-zero exit would have thrown eio::process::Child_error
//
// Processes are started with posix_spawn and followed through a pidfd, whose readiness the
// backend waits for like any descriptor's: no SIGCHLD handler, no waitpid(-1), so other
// code's children are never reaped by mistake and a signal never reaches a recycled pid.

#include <initializer_list>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "eio/buf_read.hpp"
#include "eio/detail/function_ref.hpp"
#include "eio/detail/result_slot.hpp"
#include "eio/errors.hpp"
#include "eio/flow.hpp"
#include "eio/path.hpp"
#include "eio/process_mgr.hpp"

namespace eio {
class Switch;
}

namespace eio::detail {
struct Process_state;
}

namespace eio::process {

/// How a child ended: it exited with a code, or a signal killed it. A value type.
class Exit_status {
 public:
  enum class Kind { exited, signaled };

  /// The child called exit(`code`).
  static Exit_status exited(int code) noexcept { return {Kind::exited, code}; }
  /// Signal `sig` killed the child.
  static Exit_status signaled(int sig) noexcept { return {Kind::signaled, sig}; }

  /// Whether it exited or was killed.
  Kind kind() const noexcept { return kind_; }
  /// The exit code, or the signal number for Kind::signaled.
  int value() const noexcept { return value_; }
  /// Whether it exited with code 0.
  bool success() const noexcept { return kind_ == Kind::exited && value_ == 0; }
  /// "exited with code 3" or "killed by signal 9 (SIGKILL)".
  std::string to_string() const;

  friend bool operator==(const Exit_status&, const Exit_status&) = default;

 private:
  Exit_status(Kind kind, int value) noexcept : kind_(kind), value_(value) {}
  Kind kind_;
  int value_;
};

/// Exit_status::exited(code).
inline Exit_status exited(int code) noexcept {
  return Exit_status::exited(code);
}
/// Exit_status::signaled(sig).
inline Exit_status signaled(int sig) noexcept {
  return Exit_status::signaled(sig);
}

/// The error category of Child_error codes: the value is the exit code, or 256 plus the
/// signal number, and message() describes the status ("exited with code 3").
const std::error_category& exit_category() noexcept;

/// A child that did not exit with code 0, from run(), parse_out() or Process::await_exn().
/// `what()` shows the status and the command with its arguments quoted:
/// "exited with code 3" then "running \"sh\" \"-c\" \"exit 3\"". `code()` is in
/// exit_category().
class Child_error : public Io_error {
 public:
  /// An error for a child running `command` (already quoted) that ended with `status`.
  Child_error(Exit_status status, std::string command);
  /// How the child ended.
  Exit_status status() const noexcept { return status_; }

 private:
  Exit_status status_;
};

/// A nullable reference to the source a child reads as its standard input. Implicitly
/// made from any `flow::Source&`; empty means "inherit the parent's descriptor 0".
class Source_ref {
 public:
  Source_ref() noexcept = default;
  /// Refers to `src`, which must outlive the child's use of it.
  Source_ref(flow::Source& src) noexcept : ptr_(&src) {}  // NOLINT: implicit by design
  /// The source, or null.
  flow::Source* get() const noexcept { return ptr_; }

 private:
  flow::Source* ptr_ = nullptr;
};

/// A nullable reference to the sink a child writes its standard output or error to.
/// Implicitly made from any `flow::Sink&`; empty means "inherit the parent's descriptor".
class Sink_ref {
 public:
  Sink_ref() noexcept = default;
  /// Refers to `sink`, which must outlive the copying of the child's output.
  Sink_ref(flow::Sink& sink) noexcept : ptr_(&sink) {}  // NOLINT: implicit by design
  /// The sink, or null.
  flow::Sink* get() const noexcept { return ptr_; }

 private:
  flow::Sink* ptr_ = nullptr;
};

/// A child's environment given in full, as KEY=VALUE strings, or nothing (inherit the
/// parent's). Made implicitly from a braced list, `.env = {"FOO=bar", "PATH=/bin"}`, or
/// from a vector; `.env = std::vector<std::string>{}` is an empty environment, while
/// leaving `.env` out (or `.env = {}`) inherits.
class Environment {
 public:
  /// Inherit the parent's environment.
  Environment() = default;
  /// Exactly these variables.
  Environment(std::initializer_list<std::string> vars) : vars_(vars), set_(true) {}
  /// Exactly these variables.
  Environment(std::vector<std::string> vars) noexcept  // NOLINT: implicit by design
      : vars_(std::move(vars)), set_(true) {}
  /// The variables, or null to inherit.
  const std::vector<std::string>* get() const noexcept { return set_ ? &vars_ : nullptr; }

 private:
  std::vector<std::string> vars_;
  bool set_ = false;
};

/// How to start a child. Every member may be left out: `{.cwd = dir, .env = {"A=1"}}`.
///
/// A flow over a blocking descriptor (env.std_out(), a File) is handed to the child as it
/// is; any other flow is connected through a pipe and a fiber on the spawn switch that
/// copies between the two: for output, a fiber the switch waits for (so run() returns only
/// once all output was written); for input, a daemon fiber, which ends when the child
/// closes its end (no broken-pipe error is raised) or when the switch's other fibers are
/// done.
struct Spawn_options {
  /// The child's standard input; unset: the parent's descriptor 0.
  Source_ref stdin{};
  /// The child's standard output; unset: the parent's descriptor 1.
  Sink_ref stdout{};
  /// The child's standard error; unset: the parent's descriptor 2.
  Sink_ref stderr{};
  /// The child's working directory, a Path (so a confined caller can only start children
  /// within its directory); unset: the parent's.
  std::optional<Path> cwd{};
  /// The child's whole environment, as KEY=VALUE strings; unset: the parent's.
  Environment env{};
  /// The program to run, when it is not args[0] (args[0] is then only its name). A name
  /// without '/' is looked up in PATH (the PATH of `env` if it sets one).
  std::string executable{};
};

/// A running or finished child process, attached to the switch it was spawned on: if
/// the child is still running when that switch finishes, it is killed with SIGKILL and
/// reaped, so no zombie is left. Destroying the handle does not stop the child (the switch
/// does). Move-only. Domain-local: use it on the domain of its switch.
class Process {
 public:
  /// An empty handle.
  Process() noexcept = default;
  Process(Process&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Process& operator=(Process&& other) noexcept;
  ~Process();

  /// The child's process id (which the system may reuse once it has been reaped). Throws
  /// std::logic_error on an empty handle.
  int pid() const;
  /// Suspends the fiber (not the domain) until the child has ended, then returns how.
  /// May be called any number of times, also after the switch finished (a child killed by
  /// the switch gives signaled(SIGKILL)). A cancellation point: a cancelled await leaves
  /// the child running. Throws std::logic_error on an empty handle or from another domain.
  Exit_status await();
  /// As await(), but throws Child_error unless the child exited with code 0.
  void await_exn();
  /// Sends signal `sig` to the child. Once the child has ended this does nothing: the
  /// signal can never reach another process that reused the pid. Does not block. Throws
  /// eio::Io_error (e.g. `invalid_argument` for a bad signal number).
  void signal(int sig);

  // For eio's own code.
  explicit Process(detail::Process_state* adopted) noexcept : state_(adopted) {}

 private:
  detail::Process_state* state_ = nullptr;
};

/// Starts `args` (args[0] is the program, looked up in PATH unless it contains '/') as a
/// child attached to `sw`, with `opts`. Returns once the child has started, without
/// waiting for it; the copying fibers (see Spawn_options) are forked on `sw`. Throws
/// eio::Io_error naming the command: `no_such_file_or_directory` ("executable not found")
/// for a program that does not exist, `permission_denied` for one that may not be run,
/// the errors of resolving `opts.cwd`; std::invalid_argument if there is no program to run.
Process spawn(Switch& sw, Mgr& mgr, std::vector<std::string> args, const Spawn_options& opts = {});

/// Runs `args` to completion: spawns it on a switch of its own, waits for it to exit and
/// for its output to be copied. Suspends the fiber; a cancellation point (cancelling kills
/// the child). Throws Child_error unless it exited with code 0, and what spawn() throws.
void run(Mgr& mgr, std::vector<std::string> args, const Spawn_options& opts = {});

}  // namespace eio::process

namespace eio::detail {
// Spawns with standard output into a pipe, calls `read` with the pipe's source, closes
// it, then awaits the child and throws Child_error unless it succeeded.
void parse_out_with(process::Mgr& mgr, std::vector<std::string> args,
                    const process::Spawn_options& opts, Function_ref<void(flow::Source&)> read);
}  // namespace eio::detail

namespace eio::process {

/// Runs `args` with its standard output parsed by `parser` (eio::parse: the whole output
/// must be consumed) and returns the parser's result once the child exited with code 0.
/// `opts.stdout` is ignored. Suspends the fiber; a cancellation point. Throws
/// eio::Parse_error for output the parser rejects (the child is then killed), Child_error
/// for a failed child, and what spawn() throws.
///
///     auto lines = eio::process::parse_out(mgr, [](eio::Buf_read& r) { ... }, {"ls"});
template <class Parser>
auto parse_out(Mgr& mgr, Parser&& parser, std::vector<std::string> args,
               const Spawn_options& opts = {}) {
  using R = decltype(eio::parse(parser, std::declval<flow::Source&>()));
  eio::detail::Result_slot<R> result;
  eio::detail::parse_out_with(mgr, std::move(args), opts, [&](flow::Source& out) {
    result.run([&] { return eio::parse(parser, out); });
  });
  return result.take();
}

}  // namespace eio::process
