// Running a child to completion: run and parse_out.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "eio/os/fd.hpp"
#include "eio/process.hpp"
#include "eio/switch.hpp"
#include "os/fd_state.hpp"

namespace eio::process {
namespace {

// A pipe whose write end stays blocking, so the child can be handed it directly (eio's
// own pipes are non-blocking at both ends).
os::Pipe output_pipe(Switch& sw) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) eio::detail::throw_errno(errno, "creating a pipe");
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  auto ends = os::adopt_pair(sw, fds);
  return os::Pipe{os::Fd_source(std::move(ends.first)), os::Fd_sink(std::move(ends.second))};
}

}  // namespace

void run(Mgr& mgr, std::vector<std::string> args, const Spawn_options& opts) {
  Switch::run([&](Switch& sw) {
    Process child = spawn(sw, mgr, std::move(args), opts);
    child.await_exn();
  });
  // The switch also waited for the output to be copied.
}

}  // namespace eio::process

namespace eio::detail {

void parse_out_with(process::Mgr& mgr, std::vector<std::string> args,
                    const process::Spawn_options& opts, Function_ref<void(flow::Source&)> read) {
  using namespace process;
  Switch::run([&](Switch& sw) {
    os::Pipe out = output_pipe(sw);
    Spawn_options with_pipe = opts;
    with_pipe.stdout = out.sink;
    Process child = spawn(sw, mgr, std::move(args), with_pipe);
    out.sink.close();
    read(out.source);
    // A child still writing gets EPIPE rather than blocking on a pipe nobody reads.
    out.source.close();
    child.await_exn();
  });
}

}  // namespace eio::detail
