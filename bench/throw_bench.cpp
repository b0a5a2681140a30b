// B9 throw: what recording a backtrace at every throw costs. A std::runtime_error is
// thrown three frames below its catch, 200k times; the same binary runs once with
// recording on (the default) and once re-executed with EIO_BACKTRACE=0. Target: recording
// makes a throw at most ~2x dearer.

#include <unistd.h>

#include <sys/wait.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "eio/eio.hpp"

namespace {

constexpr int kThrows = 200'000;
constexpr int kRepeats = 5;

[[gnu::noinline]] void thrower(int i) {
  throw std::runtime_error("boom");
  (void)i;
}
[[gnu::noinline]] void middle(int i) {
  thrower(i);
}
[[gnu::noinline]] void outer(int i) {
  middle(i);
}

double ns_per_throw() {
  auto t0 = std::chrono::steady_clock::now();
  int caught = 0;
  for (int i = 0; i < kThrows; ++i) {
    try {
      outer(i);
    } catch (const std::runtime_error&) {
      ++caught;
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  if (caught != kThrows) std::abort();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kThrows;
}

double median_ns() {
  // Inside eio::run, as a program would be: the hook is linked in by eio::run.
  return eio::run([](eio::Env&) {
    std::vector<double> v;
    for (int r = 0; r < kRepeats; ++r) v.push_back(ns_per_throw());
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--child") == 0) {
    std::printf("%.1f\n", median_ns());
    return 0;
  }
  double with = median_ns();
  // Recording is decided once per process: measure "off" in a child.
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::setenv("EIO_BACKTRACE", "0", 1);
    ::execl("/proc/self/exe", argv[0], "--child", static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  double without = n > 0 ? std::atof(buf) : 0;
  std::printf("bench=B9.throw impl=eio-backtrace-on frames=3 value=%.1f unit=ns/throw\n", with);
  std::printf("bench=B9.throw impl=eio-backtrace-off frames=3 value=%.1f unit=ns/throw\n", without);
  std::printf("bench=B9.throw impl=ratio-on/off frames=3 value=%.2f unit=x\n", with / without);
  return 0;
}
