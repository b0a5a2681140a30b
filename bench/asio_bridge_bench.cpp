// B13: round trips across the Boost.Asio bridge (eio/interop/asio.hpp), in ns per round
// trip, against the same round trip in plain Asio. Every io_context is made with a
// concurrency hint of 1, as a single-threaded Asio program is written.
//
//   B13.fiber_post    eio-uring, eio-posix: inside eio::asio::with_event_loop, one fiber
//                     calls `asio::post(io, eio::asio::use_fiber)` n times (each call posts
//                     a handler to io, the fiber waits, the handler wakes it).
//                     asio: a handler that re-posts itself n times, on its own io.run().
//   B13.coro_run_eio  eio-uring, eio-posix: inside with_event_loop, an Asio coroutine
//                     loops `co_await eio::asio::run_eio([] { return 1; },
//                     asio::use_awaitable)` n times (each starts an eio fiber and resumes
//                     the coroutine through io); a fiber waits for it with
//                     `asio::co_spawn(io, coro, eio::asio::use_fiber)`.
//                     asio: a coroutine looping `co_await asio::post(io,
//                     asio::use_awaitable)` n times, on its own io.run().
//   asio-reactor      for both: the asio peer with a steady_timer (never started) on its
//                     io_context. Like any socket or timer, it starts Asio's epoll reactor,
//                     which io.run() and io.poll() then poll (epoll_wait, timeout 0) on each
//                     pass through the ready handlers: what an Asio program with any IO
//                     object pays. The bridge's own descriptor starts it in the eio cases.
//
// Only the loop is timed (not eio::run, the io_context or with_event_loop's start). Each
// figure is the median of 5 repetitions, the cases of a figure taking turns, each
// repetition in a fresh process (bench/turns.hpp); the range goes to stderr.
//   asio_bridge_bench [--n=1000000] [--bench=fiber_post|coro_run_eio] [impl...]
// BENCH_REPS=n changes the repetitions.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "bench_util.hpp"
#include "eio/eio.hpp"
#include "eio/interop/asio.hpp"
#include "turns.hpp"

namespace {

namespace net = boost::asio;

[[noreturn]] void wrong(const char* what, long got, long want) {
  std::fprintf(stderr, "asio_bridge_bench: %s counted %ld round trips, not %ld\n", what, got, want);
  std::exit(1);
}

double per_trip(bench::Clock::time_point t0, long n) {
  return std::chrono::duration<double, std::nano>(bench::Clock::now() - t0).count() /
         static_cast<double>(n);
}

// Runs `fn(io)` on a fiber inside with_event_loop, on `backend`.
template <class F>
double on_eio(eio::Backend backend, F fn) {
  return eio::run(
      [&](eio::Env&) {
        net::io_context io(1);
        return eio::asio::with_event_loop(io, [&] { return fn(io); });
      },
      bench::run_options(backend));
}

double eio_fiber_post(eio::Backend backend, long n) {
  return on_eio(backend, [n](net::io_context& io) {
    auto t0 = bench::Clock::now();
    for (long i = 0; i < n; ++i) net::post(io, eio::asio::use_fiber);
    return per_trip(t0, n);
  });
}

// The peer: a handler that posts itself again until `left` reaches 0.
struct Repost {
  net::io_context* io;
  long* left;
  void operator()() const {
    if (--*left > 0) net::post(*io, *this);
  }
};

// With `reactor`, the io_context also holds a timer, which starts Asio's reactor (see the
// top of the file).
double asio_post(long n, bool reactor) {
  net::io_context io(1);
  std::optional<net::steady_timer> timer;
  if (reactor) timer.emplace(io);
  long left = n;
  auto t0 = bench::Clock::now();
  net::post(io, Repost{&io, &left});
  io.run();
  double ns = per_trip(t0, n);
  if (left != 0) wrong("asio post", n - left, n);
  return ns;
}

net::awaitable<long> run_eio_loop(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i)
    sum += co_await eio::asio::run_eio([] { return 1; }, net::use_awaitable);
  co_return sum;
}

double eio_coro_run_eio(eio::Backend backend, long n) {
  return on_eio(backend, [n](net::io_context& io) {
    auto t0 = bench::Clock::now();
    long sum = net::co_spawn(io, run_eio_loop(n), eio::asio::use_fiber);
    double ns = per_trip(t0, n);
    if (sum != n) wrong("eio coro_run_eio", sum, n);
    return ns;
  });
}

net::awaitable<void> post_loop(net::io_context& io, long n, long* count) {
  for (long i = 0; i < n; ++i) {
    co_await net::post(io, net::use_awaitable);
    ++*count;
  }
}

double asio_coro_post(long n, bool reactor) {
  net::io_context io(1);
  std::optional<net::steady_timer> timer;
  if (reactor) timer.emplace(io);
  long count = 0;
  auto t0 = bench::Clock::now();
  net::co_spawn(io, post_loop(io, n, &count), net::detached);
  io.run();
  double ns = per_trip(t0, n);
  if (count != n) wrong("asio coro post", count, n);
  return ns;
}

// The value of `--name=<value>` on the command line, or `fallback`.
std::string option(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  const int reps = bench::reps(5);
  const long n = std::atol(option(argc, argv, "n", "1000000").c_str());
  const std::string only = option(argc, argv, "bench", "");
  if (n <= 0) {
    std::fprintf(stderr,
                 "usage: %s [--n=<round trips>] [--bench=fiber_post|coro_run_eio] "
                 "[impl...]\n",
                 argv[0]);
    return 2;
  }
  const std::string params = "n=" + std::to_string(n);

  if (only.empty() || only == "fiber_post") {
    bench::Turns post(want, "B13.fiber_post", "ns");
    for (const auto& impl : bench::eio_impls) {
      post.add(impl.name, params, [b = impl.backend, n] { return eio_fiber_post(b, n); });
    }
    post.add("asio", params, [n] { return asio_post(n, false); });
    post.add("asio-reactor", params, [n] { return asio_post(n, true); });
    post.run(reps);
  }
  if (only.empty() || only == "coro_run_eio") {
    bench::Turns coro(want, "B13.coro_run_eio", "ns");
    for (const auto& impl : bench::eio_impls) {
      coro.add(impl.name, params, [b = impl.backend, n] { return eio_coro_run_eio(b, n); });
    }
    coro.add("asio", params, [n] { return asio_coro_post(n, false); });
    coro.add("asio-reactor", params, [n] { return asio_coro_post(n, true); });
    coro.run(reps);
  }
  return 0;
}
