#pragma once
// bench::Turns: a group of figures measured in turns. Each repetition runs every case once
// (in order, then in reverse order on the next repetition), so that a change in the
// machine's speed during the run (this VM's drifts by up to 2x over minutes) weighs on all
// of them alike. Each repetition runs in a child process of its own (fork(2), no exec): on
// this VM the speed of a loop over freshly read bytes also depends on where a process's
// memory landed, by up to 2.5x between two processes of the same binary, so one process
// would decide the outcome for every repetition. Children share the parent's input and
// scratch files (see prepare()); the parent must not have started threads or an eio loop.
// run() prints each case's median on stdout (in the order they were added) and its range
// on stderr.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.hpp"

namespace bench {

class Turns {
 public:
  Turns(const Filter& want, std::string id, std::string unit)
      : want_(want), id_(std::move(id)), unit_(std::move(unit)) {}

  // Sets what each child runs before the cases, untimed (e.g. touching the input's pages:
  // after fork(2) the first access to each page costs a page-table fill).
  void prepare(std::function<void()> fn) { prepare_ = std::move(fn); }

  // Adds a case unless the command line names other impls. `fn` returns one measurement.
  void add(std::string impl, std::string params, std::function<double()> fn) {
    if (want_(impl)) cases_.push_back({std::move(impl), std::move(params), std::move(fn), {}});
  }

  // Runs `reps` repetitions, then prints each case's median (stdout) and range (stderr).
  void run(int reps) {
    for (int r = 0; r < reps; ++r) {
      std::vector<double> got = run_in_child(r % 2 == 1);
      for (std::size_t i = 0; i < cases_.size(); ++i) cases_[i].values.push_back(got[i]);
    }
    for (const Case& c : cases_) {
      auto [lo, hi] = std::minmax_element(c.values.begin(), c.values.end());
      std::fprintf(stderr, "# %s %s %s: median %s, range %s-%s over %zu\n", id_.c_str(),
                   c.impl.c_str(), c.params.c_str(), format_value(median(c.values)).c_str(),
                   format_value(*lo).c_str(), format_value(*hi).c_str(), c.values.size());
      std::fflush(stderr);
      print(id_, c.impl, c.params, median(c.values), unit_);
    }
    cases_.clear();
  }

 private:
  struct Case {
    std::string impl;
    std::string params;
    std::function<double()> fn;
    std::vector<double> values;
  };

  [[noreturn]] static void die(const char* what) {
    std::perror(what);
    std::exit(1);
  }

  // Runs every case once in a child process, in reverse order if `reverse`, and returns the
  // figures in the order of cases_.
  std::vector<double> run_in_child(bool reverse) {
    std::vector<double> got(cases_.size());
    if (got.empty()) return got;
    std::fflush(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) die("pipe");
    pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      ::close(fds[0]);
      if (prepare_) prepare_();
      for (std::size_t k = 0; k < cases_.size(); ++k) {
        std::size_t i = reverse ? cases_.size() - 1 - k : k;
        got[i] = cases_[i].fn();
      }
      const char* p = reinterpret_cast<const char*>(got.data());
      std::size_t n = got.size() * sizeof(double);
      while (n > 0) {
        ssize_t w = ::write(fds[1], p, n);
        if (w <= 0) die("write");
        p += w;
        n -= static_cast<std::size_t>(w);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::size_t want = got.size() * sizeof(double), have = 0;
    while (have < want) {
      ssize_t n = ::read(fds[0], reinterpret_cast<char*>(got.data()) + have, want - have);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (have != want || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "%s: a repetition failed (its process ended with status %d)\n",
                   id_.c_str(), status);
      std::exit(1);
    }
    return got;
  }

  const Filter& want_;
  std::string id_;
  std::string unit_;
  std::function<void()> prepare_;
  std::vector<Case> cases_;
};

}  // namespace bench
