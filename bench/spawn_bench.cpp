// B2 spawn.
//   (a) B2.spawn_return: fork 1M fibers on one switch that return at once, then join them
//       (leave the switch). Fibers are started one after the other, never more than one
//       alive at a time.
//   (b) B2.spawn_live: fork 1M fibers that each yield once, so all 1M are alive together,
//       then join them. Each repetition runs in a fresh child process (this binary run
//       again with --live <impl>), so that peak RSS (VmHWM) is per implementation.
// Peer: Boost.Fiber with 16 KiB stacks (boost::fibers::fixedsize_stack(16384), malloc),
// launched with launch::dispatch so that, as with eio::fiber::fork, the child runs at once.
// B2.raw_switch is the raw Boost.Context switch of the same run, the unit for (a)'s target.
//
// Output: ns/fiber (median of 5 repetitions for (a), 3 child processes for (b)), KiB of
// peak RSS per live fiber ((VmHWM - VmRSS before forking) / fibers), peak RSS in MiB, and
// the page tables (VmPTE, not counted in RSS) per fiber with all of them alive.

#include <sys/wait.h>
#include <unistd.h>

#include <boost/fiber/all.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"
#include "raw_switch.hpp"

namespace {

constexpr std::int64_t kFibers = 1'000'000;
constexpr std::int64_t kRawSwitches = 10'000'000;
constexpr std::size_t kBoostStack = 16 * 1024;

// --- (a) fibers that return at once ---

double eio_spawn_return(eio::Backend backend) {
  return eio::run(
      [](eio::Env&) {
        std::int64_t ran = 0;
        double ns = bench::time_ns([&] {
          eio::Switch::run([&](eio::Switch& sw) {
            for (std::int64_t i = 0; i < kFibers; ++i) eio::fiber::fork(sw, [&ran] { ++ran; });
          });
        });
        if (ran != kFibers) throw std::logic_error("not every fiber ran");
        return ns / kFibers;
      },
      bench::run_options(backend));
}

double boost_fiber_spawn_return() {
  std::int64_t ran = 0;
  double ns = bench::time_ns([&] {
    for (std::int64_t i = 0; i < kFibers; ++i) {
      boost::fibers::fiber f(boost::fibers::launch::dispatch, std::allocator_arg,
                             boost::fibers::fixedsize_stack(kBoostStack), [&ran] { ++ran; });
      f.join();
    }
  });
  if (ran != kFibers) throw std::logic_error("not every fiber ran");
  return ns / kFibers;
}

double raw_context_switch() {
  return bench::raw_context_switch_ns(kRawSwitches);
}

// --- (b) 1M fibers alive together; run in a child process ---

struct Live_result {
  double ns_per_fiber = 0;
  long base_kib = 0;  // VmRSS just before forking
  long peak_kib = 0;  // VmHWM afterwards
  long pte_kib = 0;   // VmPTE (page tables, not part of RSS) with every fiber alive
};

Live_result eio_spawn_live(eio::Backend backend) {
  return eio::run(
      [](eio::Env&) {
        Live_result r;
        std::int64_t done = 0;
        r.base_kib = bench::proc_status_kib("VmRSS");
        r.ns_per_fiber = bench::time_ns([&] {
                           eio::Switch::run([&](eio::Switch& sw) {
                             for (std::int64_t i = 0; i < kFibers; ++i) {
                               eio::fiber::fork(sw, [&done] {
                                 eio::fiber::yield();
                                 ++done;
                               });
                             }
                             r.pte_kib = bench::proc_status_kib("VmPTE");
                           });
                         }) /
                         kFibers;
        r.peak_kib = bench::proc_status_kib("VmHWM");
        if (done != kFibers) throw std::logic_error("not every fiber finished");
        return r;
      },
      bench::run_options(backend));
}

Live_result boost_fiber_spawn_live() {
  Live_result r;
  std::int64_t done = 0;
  std::vector<boost::fibers::fiber> fibers;
  fibers.reserve(kFibers);
  r.base_kib = bench::proc_status_kib("VmRSS");
  r.ns_per_fiber = bench::time_ns([&] {
                     for (std::int64_t i = 0; i < kFibers; ++i) {
                       fibers.emplace_back(boost::fibers::launch::dispatch, std::allocator_arg,
                                           boost::fibers::fixedsize_stack(kBoostStack), [&done] {
                                             boost::this_fiber::yield();
                                             ++done;
                                           });
                     }
                     r.pte_kib = bench::proc_status_kib("VmPTE");
                     for (auto& f : fibers) f.join();
                   }) /
                   kFibers;
  r.peak_kib = bench::proc_status_kib("VmHWM");
  if (done != kFibers) throw std::logic_error("not every fiber finished");
  return r;
}

// The child: one repetition of (b) for `impl`, written as "ns base peak pte" on stdout.
int live_child(const std::string& impl) {
  Live_result r;
  if (impl == "boost-fiber") {
    r = boost_fiber_spawn_live();
  } else {
    bool found = false;
    for (const auto& e : bench::eio_impls) {
      if (impl == e.name) {
        r = eio_spawn_live(e.backend);
        found = true;
      }
    }
    if (!found) {
      std::fprintf(stderr, "spawn_bench: unknown impl %s\n", impl.c_str());
      return 2;
    }
  }
  std::printf("%.3f %ld %ld %ld\n", r.ns_per_fiber, r.base_kib, r.peak_kib, r.pte_kib);
  return 0;
}

// Runs this binary again as `--live impl` and parses its answer.
Live_result run_live_child(const std::string& impl) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/proc/self/exe", "spawn_bench", "--live", impl.c_str(), static_cast<char*>(nullptr));
    std::perror("spawn_bench: exec");
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Live_result r;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      std::sscanf(out.c_str(), "%lf %ld %ld %ld", &r.ns_per_fiber, &r.base_kib, &r.peak_kib,
                  &r.pte_kib) != 4) {
    throw std::runtime_error("spawn_bench: child for " + impl + " failed");
  }
  return r;
}

void report_live(const std::string& impl, int n) {
  std::vector<double> ns, per_fiber, peak, pte;
  for (int i = 0; i < n; ++i) {
    Live_result r = run_live_child(impl);
    ns.push_back(r.ns_per_fiber);
    per_fiber.push_back(static_cast<double>(r.peak_kib - r.base_kib) / kFibers);
    peak.push_back(static_cast<double>(r.peak_kib) / 1024);
    pte.push_back(static_cast<double>(r.pte_kib) / kFibers);
  }
  const std::string params = "fibers=" + std::to_string(kFibers);
  bench::print("B2.spawn_live", impl, params, bench::median(ns), "ns/fiber");
  bench::print("B2.spawn_live_rss", impl, params, bench::median(per_fiber), "KiB/fiber");
  bench::print("B2.spawn_live_peak_rss", impl, params, bench::median(peak), "MiB");
  bench::print("B2.spawn_live_page_tables", impl, params, bench::median(pte), "KiB/fiber");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--live") == 0) return live_child(argv[2]);

  // --part=a or --part=b runs only that part.
  const bench::Filter run(argc, argv);
  const bool part_a = !run.has("--part=b");
  const bool part_b = !run.has("--part=a");
  const int n = bench::reps(5);
  const std::string params = "fibers=" + std::to_string(kFibers);
  if (part_a && run("boost-context")) {
    bench::print("B2.raw_switch", "boost-context", "switches=" + std::to_string(kRawSwitches),
                 bench::median_of(n, raw_context_switch), "ns/switch");
  }
  for (const auto& impl : bench::eio_impls) {
    if (!part_a || !run(impl.name)) continue;
    bench::print("B2.spawn_return", impl.name, params,
                 bench::median_of(n, [&] { return eio_spawn_return(impl.backend); }), "ns/fiber");
  }
  if (part_a && run("boost-fiber")) {
    bench::print("B2.spawn_return", "boost-fiber", params,
                 bench::median_of(n, boost_fiber_spawn_return), "ns/fiber");
  }

  if (!part_b) return 0;
  const int live_reps = bench::reps(3);
  for (const auto& impl : bench::eio_impls) {
    if (run(impl.name)) report_live(impl.name, live_reps);
  }
  if (run("boost-fiber")) report_live("boost-fiber", live_reps);
  return 0;
}
