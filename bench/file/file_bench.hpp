#pragma once
// Shared parts of the B9 (file read) and B11 (stat) benchmarks: the cases of one figure
// take turns (bench/turns.hpp), and the ring setup of their raw liburing peers.

#include <liburing.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "turns.hpp"

namespace bench::file {

[[noreturn]] inline void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

[[noreturn]] inline void fail(const char* impl, const char* what) {
  std::fprintf(stderr, "%s: %s\n", impl, what);
  std::exit(1);
}

// A ring for the raw liburing peers, set up as eio's io_uring backend sets up its own
// (src/backends/uring/loop.cpp): SINGLE_ISSUER | DEFER_TASKRUN, plain on older kernels.
inline void ring_init(io_uring& ring, unsigned entries) {
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int r = io_uring_queue_init_params(entries, &ring, &p);
  if (r == -EINVAL) {
    p = io_uring_params{};
    r = io_uring_queue_init_params(entries, &ring, &p);
  }
  if (r < 0) {
    errno = -r;
    die("io_uring_queue_init_params");
  }
}

using bench::Turns;

}  // namespace bench::file
