#pragma once
// Finding a program and starting it with posix_spawn.

#include <array>
#include <string>
#include <vector>

namespace eio::detail {

// Where `name` is: itself if it contains '/', else the first executable regular file
// `dir/name` for dir in PATH (from `env` if it sets PATH, else the parent's). Throws
// Io_error: no_such_file_or_directory ("executable not found"), or permission_denied
// if the only files found may not be executed.
std::string find_executable(const std::string& name, const std::vector<std::string>* env);

// What the child starts with: descriptors for 0, 1, 2 (-1: inherit the parent's, and
// none below 3 unless it is its own target), a directory to change to (-1: stay).
struct Exec_request {
  const std::string* path;
  const std::vector<std::string>* args;
  const std::vector<std::string>* env;  // null: the parent's environment
  std::array<int, 3> stdio{-1, -1, -1};
  int cwd_fd = -1;
};

// Starts the child with default signal dispositions and an empty signal mask, and returns
// its pid. Throws Io_error for what posix_spawn reports (ENOENT, EACCES, ENOEXEC, ...).
int spawn_child(const Exec_request& req);

}  // namespace eio::detail
