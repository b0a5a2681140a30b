// Finding a program in PATH and starting it with posix_spawn (glibc's uses
// clone(CLONE_VM | CLONE_VFORK): no copying of the parent's memory, and exec failures are
// reported to the parent as an error number).

#include "process/exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "eio/errors.hpp"
#include "os/fd_state.hpp"

extern char** environ;

namespace eio::detail {
namespace {

std::string_view path_variable(const std::vector<std::string>* env) {
  if (env != nullptr) {
    for (const auto& kv : *env) {
      if (kv.starts_with("PATH=")) return std::string_view(kv).substr(5);
    }
  } else if (const char* p = std::getenv("PATH")) {
    return p;
  }
  return "/usr/local/bin:/usr/bin:/bin";  // what the shells use without a PATH
}

bool is_regular(const std::string& file) {
  struct stat st;
  return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawn's attribute and file-action objects, destroyed in any case.
struct Spawn_setup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  Spawn_setup() {
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_init(&actions);
  }
  ~Spawn_setup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  Spawn_setup(const Spawn_setup&) = delete;
  Spawn_setup& operator=(const Spawn_setup&) = delete;
};

}  // namespace

std::string find_executable(const std::string& name, const std::vector<std::string>* env) {
  if (name.find('/') != std::string::npos) return name;
  if (name.empty())
    throw Io_error(std::errc::no_such_file_or_directory, "executable not found: \"\"");
  std::string_view dirs = path_variable(env);
  bool found_unrunnable = false;
  for (;;) {
    std::size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (is_regular(candidate)) {
      if (::faccessat(AT_FDCWD, candidate.c_str(), X_OK, AT_EACCESS) == 0) return candidate;
      found_unrunnable = true;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  if (found_unrunnable) {
    throw Io_error(std::errc::permission_denied,
                   "executable not runnable: \"" + name + "\" is found in PATH but not executable");
  }
  throw Io_error(std::errc::no_such_file_or_directory,
                 "executable not found: \"" + name + "\" is in no directory of PATH");
}

int spawn_child(const Exec_request& req) {
  Spawn_setup s;
  for (int target = 0; target < 3; ++target) {
    int fd = req.stdio[target];
    // dup2 onto itself would leave close-on-exec set; such a descriptor is inherited anyway.
    if (fd >= 0 && fd != target) ::posix_spawn_file_actions_adddup2(&s.actions, fd, target);
  }
  if (req.cwd_fd >= 0) ::posix_spawn_file_actions_addfchdir_np(&s.actions, req.cwd_fd);
  // The child starts as if from a fresh shell: eio's parent ignores SIGPIPE, and a thread
  // may have signals blocked; neither should leak into the program.
  sigset_t all;
  sigset_t none;
  ::sigfillset(&all);
  ::sigemptyset(&none);
  ::posix_spawnattr_setsigdefault(&s.attr, &all);
  ::posix_spawnattr_setsigmask(&s.attr, &none);
  ::posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv = c_strings(*req.args);
  std::vector<char*> envp = req.env != nullptr ? c_strings(*req.env) : std::vector<char*>{};
  pid_t pid = -1;
  int err = ::posix_spawn(&pid, req.path->c_str(), &s.actions, &s.attr, argv.data(),
                          req.env != nullptr ? envp.data() : environ);
  if (err != 0) throw_errno(err, "executing " + *req.path);
  return pid;
}

}  // namespace eio::detail
