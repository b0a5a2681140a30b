// eio::process::spawn: a child started with posix_spawn and tracked through a pidfd.

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "eio/switch.hpp"
#include "fs/resolve.hpp"
#include "os/fd_state.hpp"
#include "process/exec.hpp"
#include "process/process_state.hpp"
#include "process/stdio.hpp"

namespace eio::process {
namespace {

// A descriptor closed when this goes away.
struct Raw_fd {
  int fd = -1;
  ~Raw_fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A pidfd for our own unreaped child: its pid cannot have been reused yet, since only we
// reap it (unless SIGCHLD is ignored, when the kernel reaps children itself: ESRCH).
int open_pidfd(int pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) return fd;  // pidfds are always close-on-exec
  int err = errno;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  detail::throw_errno(err, "opening a pidfd for the child");
}

}  // namespace

Process spawn(Switch& sw, Mgr& /*mgr: the capability*/, std::vector<std::string> args,
              const Spawn_options& opts) {
  if (args.empty()) {
    throw std::invalid_argument("eio::process::spawn: no arguments (args[0] names the program)");
  }
  std::string command = detail::quote_command(args);
  sw.check();
  try {
    const std::vector<std::string>* env = opts.env.get();
    std::string exe =
        detail::find_executable(opts.executable.empty() ? args[0] : opts.executable, env);
    Raw_fd cwd;
    if (opts.cwd) {
      cwd.fd = detail::open_path(*opts.cwd, O_PATH | O_DIRECTORY, 0,
                                 "opening the child's working directory");
    }
    detail::Child_stdio stdio(sw, opts);
    detail::Exec_request req{.path = &exe, .args = &args, .env = env};
    req.stdio = stdio.child_fds();
    req.cwd_fd = cwd.fd;
    int pid = detail::spawn_child(req);
    Process child(detail::Process_state::attach(sw, pid, open_pidfd(pid), command));
    stdio.start_copying(sw);
    return child;
  } catch (Io_error& e) {
    e.add_context("spawning " + command);
    throw;
  }
}

}  // namespace eio::process
