#pragma once
// Shared helpers for the benchmarks: timing, medians, the result line and memory figures.
//
// Every figure is printed as one line,
//     bench=<id> impl=<impl> <params> value=<number> unit=<unit>
// and is the median of several repetitions measured in the same run.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "eio/run.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs `fn()` and returns its wall time in nanoseconds.
template <class F>
double time_ns(F&& fn) {
  auto t0 = Clock::now();
  fn();
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The number of repetitions: `fallback`, or BENCH_REPS from the environment (for a quick
// look; figures for the docs use the defaults).
inline int reps(int fallback) {
  if (const char* s = std::getenv("BENCH_REPS")) {
    int n = std::atoi(s);
    if (n > 0) return n;
  }
  return fallback;
}

// The median of `n` calls of `fn()`, each returning one measurement.
template <class F>
double median_of(int n, F&& fn) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(fn());
  return median(std::move(v));
}

inline std::string format_value(double v) {
  char buf[64];
  if (v >= 100) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else if (v >= 10) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", v);
  }
  return buf;
}

// Prints one result line and flushes it, so a slow run shows progress.
inline void print(const std::string& id, const std::string& impl, const std::string& params,
                  double value, const std::string& unit) {
  std::printf("bench=%s impl=%s %s value=%s unit=%s\n", id.c_str(), impl.c_str(), params.c_str(),
              format_value(value).c_str(), unit.c_str());
  std::fflush(stdout);
}

// A field of /proc/self/status in KiB (VmRSS, VmHWM, ...), or -1.
inline long proc_status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  std::size_t len = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, len, field) == 0 && line.size() > len && line[len] == ':') {
      return std::atol(line.c_str() + len + 1);
    }
  }
  return -1;
}

// Which implementations to run: all by default, or only those named on the command line
// (`switch_bench eio-uring boost-context`), to rerun one figure or profile one impl.
// Arguments starting with "--" are options, not names (has() looks them up).
class Filter {
 public:
  Filter(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      (a.rfind("--", 0) == 0 ? options_ : names_).push_back(a);
    }
  }
  bool operator()(const std::string& impl) const {
    return names_.empty() || std::find(names_.begin(), names_.end(), impl) != names_.end();
  }
  bool has(const std::string& option) const {
    return std::find(options_.begin(), options_.end(), option) != options_.end();
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::string> options_;
};

// The eio variants: every eio figure is measured on both backends.
struct Eio_impl {
  const char* name;
  eio::Backend backend;
};
inline constexpr std::array<Eio_impl, 2> eio_impls{{
    {"eio-uring", eio::Backend::uring},
    {"eio-posix", eio::Backend::posix},
}};

inline eio::Run_options run_options(eio::Backend b) {
  eio::Run_options o;
  o.backend = b;
  return o;
}

// Keeps the compiler from optimising a value away.
template <class T>
inline void keep(const T& v) {
  asm volatile("" : : "g"(&v) : "memory");
}

}  // namespace bench
