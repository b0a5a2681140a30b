#pragma once
// A scratch directory per test, removed afterwards, and helpers to set up trees with plain
// system calls (independent of the code under test).

#include <gtest/gtest.h>

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {

// Each test gets a fresh directory under /tmp; `forced_walk` runs confined lookups through
// the user-space walk instead of openat2.
class Scratch_dir {
 public:
  Scratch_dir();
  ~Scratch_dir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  // Plain-syscall helpers on paths relative to the scratch directory.
  void write(const std::string& rel, const std::string& data) const;
  std::string read(const std::string& rel) const;
  void mkdir(const std::string& rel) const;
  void symlink(const std::string& rel, const std::string& target) const;
  bool exists(const std::string& rel) const;  // lstat succeeds

 private:
  std::string path_;
};

// A test body on both backends with a fresh scratch directory, handed to the test as a
// confined capability (Paths, Files).
class Scratch_backends : public Backends {
 protected:
  Scratch_dir tmp;
  template <class F>
  void with_dir(F&& body) {
    run([&](Env& env) {
      path::with_open_dir(env.fs() / tmp.path(), [&](Path& dir) { body(dir); });
    });
  }
};

// The code of the Io_error `fn` throws (or a failure if it throws nothing or another type).
template <class F>
std::error_code io_error_of(F&& fn, std::string* what = nullptr) {
  try {
    fn();
  } catch (const Io_error& e) {
    if (what != nullptr) *what = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no eio::Io_error was thrown";
  return {};
}

}  // namespace eio::test
