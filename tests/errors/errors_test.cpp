// Errors: Io_error's context, combined errors, backtraces of any exception type, and the
// backend selection's errors.

#include <cstdlib>
#include <stdexcept>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Errors : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Errors);

TEST(IoError, WhatShowsCodeMessageAndEveryContextLine) {
  Io_error e(std::errc::connection_refused, "connecting to tcp:127.0.0.1:8080");
  e.add_context("fetching the index");
  EXPECT_EQ(e.code(), std::errc::connection_refused);
  EXPECT_EQ(e.context(),
            (std::vector<std::string>{"connecting to tcp:127.0.0.1:8080", "fetching the index"}));
  EXPECT_EQ(std::string(e.what()),
            "Connection refused\n  connecting to tcp:127.0.0.1:8080\n  fetching the index");
  const std::system_error& as_system = e;  // catchable as std::system_error
  EXPECT_EQ(as_system.code(), std::errc::connection_refused);
}

TEST(MultipleErrors, ListsEachErrorInOrder) {
  Multiple_errors e(
      {std::make_exception_ptr(std::runtime_error("first")), std::make_exception_ptr(Timeout())});
  EXPECT_EQ(e.errors().size(), 2u);
  EXPECT_EQ(std::string(e.what()), "2 errors:\n- first\n- timeout");
}

TEST(Describe, NamesExceptionsOfAnyType) {
  EXPECT_EQ(describe(std::make_exception_ptr(Cancelled(nullptr))), "Cancelled");
  EXPECT_EQ(describe(std::make_exception_ptr(42)), "exception of type int");
  EXPECT_EQ(describe(std::make_exception_ptr(Parse_error("expected ':'", 12))),
            "expected ':' (at offset 12)");
}

[[gnu::noinline]] void throw_from_deep_inside() {
  throw std::out_of_range("index 9 of 3");
}

// The backtrace is recorded where the exception was thrown, even though it is examined in
// another fiber after crossing a switch.
TEST_P(Errors, BacktraceOfNamesTheThrowingFunction) {
  std::exception_ptr error;
  run([&](Env&) {
    try {
      Switch::run([](Switch& sw) { fiber::fork(sw, [] { throw_from_deep_inside(); }); });
    } catch (...) {
      error = std::current_exception();
    }
  });
  auto bt = backtrace_of(error);
  ASSERT_TRUE(bt.has_value());
  EXPECT_NE(bt->find("throw_from_deep_inside"), std::string::npos) << *bt;
  EXPECT_NE(bt->find("errors_test.cpp"), std::string::npos) << *bt;
}

TEST(Backtrace, ForAnyTypeButNotForCancelled) {
  std::exception_ptr int_error, cancelled;
  try {
    throw 7;
  } catch (...) {
    int_error = std::current_exception();
  }
  try {
    throw Cancelled(nullptr);
  } catch (...) {
    cancelled = std::current_exception();
  }
  EXPECT_TRUE(backtrace_of(int_error).has_value());
  EXPECT_FALSE(backtrace_of(cancelled).has_value());
  EXPECT_FALSE(backtrace_of(nullptr).has_value());
}

// eio::run reports an uncaught exception on stderr with its backtrace, then rethrows it.
TEST(Run, ReportsUncaughtExceptionWithBacktrace) {
  testing::internal::CaptureStderr();
  EXPECT_THROW(eio::run([](Env&) { throw_from_deep_inside(); }), std::out_of_range);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("eio: uncaught exception: index 9 of 3"), std::string::npos) << err;
  EXPECT_NE(err.find("throw_from_deep_inside"), std::string::npos) << err;
}

TEST_P(Errors, BackendNameSaysWhichRuns) {
  auto name = run([](Env&) { return std::string(backend_name()); });
  EXPECT_EQ(name, GetParam() == Backend::uring ? "uring" : "posix");
  EXPECT_EQ(backend_name(), "");  // outside eio::run
}

TEST(BackendSelection, UnknownEioBackendIsAClearError) {
  ::setenv("EIO_BACKEND", "bogus", 1);
  try {
    eio::run([](Env&) {});
    ADD_FAILURE() << "eio::run accepted EIO_BACKEND=bogus";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "EIO_BACKEND=bogus: unknown backend (expected \"uring\" or \"posix\")");
  }
  ::setenv("EIO_BACKEND", "posix", 1);
  EXPECT_EQ(eio::run([](Env&) { return std::string(backend_name()); }), "posix");
  ::unsetenv("EIO_BACKEND");
}

TEST(Run, NestedRunIsRejected) {
  eio::run([](Env&) { EXPECT_THROW(eio::run([](Env&) {}), std::logic_error); });
}

}  // namespace
}  // namespace eio::test
