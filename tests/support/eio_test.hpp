#pragma once
// Shared test support: transcripts, and a fixture that runs each test body on both
// backends and checks that nothing leaked.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "eio/eio.hpp"

namespace eio {
// So that test names read "…/uring # GetParam() = uring".
inline void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::uring ? "uring" : "posix");
}
}  // namespace eio

namespace eio::test {

// Collects what a scenario did, for one EXPECT_EQ on the whole transcript.
class Trace {
 public:
  void operator()(std::string line) { lines_.push_back(std::move(line)); }
  std::string str() const;
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

std::size_t open_fd_count();
std::size_t stranded_fiber_count();

// A test body runs on each backend through eio::run(fn, {.backend}); teardown fails the
// test if a file descriptor or a fiber outlived it.
class Backends : public ::testing::TestWithParam<eio::Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  template <class F>
  auto run(F&& fn) {
    return eio::run(std::forward<F>(fn), {.backend = GetParam(), .report_uncaught = false});
  }

 private:
  std::size_t fds_before_ = 0;
  std::size_t stranded_before_ = 0;
};

std::string backend_label(const ::testing::TestParamInfo<eio::Backend>& info);

// Runs `blocking` in a fiber of a new switch, cancels that fiber once it has blocked (fork
// returns when the child suspends), and says how it ended: "cancelled" or "returned".
template <class F>
std::string cancel_while_blocked(F&& blocking) {
  std::string outcome = "not started";
  Switch::run([&](Switch& sw) {
    cancel::Context* ctx = nullptr;
    fiber::fork(sw, [&] {
      try {
        cancel::sub([&](cancel::Context& cc) {
          ctx = &cc;
          outcome = "blocked";
          blocking();
          outcome = "returned";
        });
      } catch (const Cancelled&) {
        outcome = "cancelled";
      }
    });
    EXPECT_EQ(outcome, "blocked");
    if (ctx != nullptr) ctx->cancel(std::make_exception_ptr(std::runtime_error("stop")));
  });
  return outcome;
}

// The "what" of an exception_ptr, or "Cancelled".
std::string what(const std::exception_ptr& e);

}  // namespace eio::test

#define EIO_TEST_ON_BOTH_BACKENDS(Suite)                                                         \
  INSTANTIATE_TEST_SUITE_P(, Suite, ::testing::Values(eio::Backend::uring, eio::Backend::posix), \
                           ::eio::test::backend_label)
