// env.std_in(), std_out(), std_err() and secure_random(). The standard descriptors are
// swapped for pipes around each test (each test runs in a process of its own).

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Stdio : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Stdio);

// Makes descriptor `target` one end of a fresh blocking pipe (like a shell's) until
// restore(); `other` is the opposite end, for the test.
struct Redirect {
  Redirect(int target, bool read_end) : target(target), saved(::dup(target)) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    ::dup2(read_end ? fds[0] : fds[1], target);
    ::close(read_end ? fds[0] : fds[1]);
    other = read_end ? fds[1] : fds[0];
  }
  void restore() {
    ::dup2(saved, target);
    ::close(saved);
  }
  int target;
  int saved;
  int other;
};

std::string drain(int fd) {
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST_P(Stdio, StdinIsASourceOverDescriptorZero) {
  Redirect in(0, true);
  ASSERT_EQ(::write(in.other, "typed input", 11), 11);
  ::close(in.other);
  run([&](Env& env) { EXPECT_EQ(flow::read_all(env.std_in()), "typed input"); });
  in.restore();
}

TEST_P(Stdio, StdoutAndStderrAreUnbufferedSinks) {
  Redirect out(1, false);
  Redirect err(2, false);
  run([&](Env& env) {
    env.std_out().write("to stdout");
    std::string_view parts[] = {"to ", "stderr"};
    env.std_err().write(parts);
  });
  out.restore();  // the pipes' last write ends close: the reads below reach end-of-file
  err.restore();
  EXPECT_EQ(drain(out.other), "to stdout");
  EXPECT_EQ(drain(err.other), "to stderr");
}

TEST_P(Stdio, SecureRandomNeverEnds) {
  run([&](Env& env) {
    char a[64] = {}, b[64] = {};
    flow::read_exact(env.secure_random(), a);
    flow::read_exact(env.secure_random(), b);
    EXPECT_NE(std::string(a, 64), std::string(b, 64));
    EXPECT_NE(std::string(a, 64), std::string(64, '\0'));
  });
}

}  // namespace
}  // namespace eio::test
