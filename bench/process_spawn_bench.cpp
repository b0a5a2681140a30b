// B12: starting and awaiting child processes one after another. eio (spawn + await on
// each backend: posix_spawn, pidfd_open, waiting for the pidfd through the event loop,
// waitid) against a plain posix_spawn + waitpid loop, all running /bin/true.
//
// Each figure is the median of 5 repetitions, the cases taking turns (eio-uring,
// eio-posix, posix_spawn, then the other way round), after one warm-up run each, so that a
// change in machine load hits all of them.

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"

extern char** environ;

namespace {

constexpr int kChildren = 1000;
constexpr const char* kId = "B12-spawn";
const char* const kTrue = "/bin/true";

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "process_spawn_bench: %s\n", what);
  std::exit(1);
}

// ms per child, eio on `backend`.
double eio_children(eio::Backend backend) {
  return eio::run(
      [](eio::Env& env) {
        double ns = bench::time_ns([&] {
          eio::Switch::run([&](eio::Switch& sw) {
            for (int i = 0; i < kChildren; ++i) {
              eio::process::Process p = eio::process::spawn(sw, env.process_mgr(), {kTrue});
              if (!p.await().success()) die("eio: /bin/true failed");
            }
          });
        });
        return ns / 1e6 / kChildren;
      },
      bench::run_options(backend));
}

// ms per child, posix_spawn + waitpid.
double posix_children() {
  double ns = bench::time_ns([] {
    char* argv[] = {const_cast<char*>(kTrue), nullptr};
    for (int i = 0; i < kChildren; ++i) {
      pid_t pid;
      if (::posix_spawn(&pid, kTrue, nullptr, nullptr, argv, environ) != 0) die("posix_spawn");
      int status = 0;
      if (::waitpid(pid, &status, 0) != pid || status != 0) die("posix_spawn: /bin/true failed");
    }
  });
  return ns / 1e6 / kChildren;
}

struct Case {
  std::string impl;
  std::function<double()> measure;
  std::vector<double> samples;
};

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  const int reps = bench::reps(5);
  std::vector<Case> cases;
  for (const auto& impl : bench::eio_impls) {
    auto backend = impl.backend;
    if (want(impl.name))
      cases.push_back({impl.name, [backend] { return eio_children(backend); }, {}});
  }
  if (want("posix_spawn")) cases.push_back({"posix_spawn", posix_children, {}});
  for (auto& c : cases) c.measure();  // warm up: page cache, allocator, io_uring setup
  for (int r = 0; r < reps; ++r) {
    // Forwards, then backwards: no case always runs right after the same other one.
    for (std::size_t i = 0; i < cases.size(); ++i) {
      Case& c = cases[r % 2 == 0 ? i : cases.size() - 1 - i];
      c.samples.push_back(c.measure());
    }
  }
  const std::string params = "children=" + std::to_string(kChildren);
  for (auto& c : cases) bench::print(kId, c.impl, params, bench::median(c.samples), "ms");
}
