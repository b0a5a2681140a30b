// Child processes on both backends, after Eio's tests/process.md: output into sinks, input
// from sources, exit statuses and signals, the switch killing what it owns, environment,
// working directory and PATH lookup, and the errors each failure raises.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <set>

#include <cerrno>
#include <string>
#include <vector>

#include "fs/fs_fixture.hpp"

namespace eio::test {
namespace {

class Processes : public Backends {
 protected:
  Scratch_dir tmp;
};
EIO_TEST_ON_BOTH_BACKENDS(Processes);

// Whether `pid` names a process (a zombie counts): kill(pid, 0) fails with ESRCH once it
// has been reaped.
bool exists(int pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// Whether this process has no child at all, running or zombie (the test runner starts
// none of its own).
bool no_children_left() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
}

std::vector<std::string> all_lines(Buf_read& r) {
  std::vector<std::string> lines;
  while (!r.at_end_of_input()) lines.push_back(r.line());
  return lines;
}

TEST_P(Processes, EchoWritesIntoASink) {
  run([&](Env& env) {
    flow::Buffer_sink out;
    process::run(env.process_mgr(), {"echo", "hello", "world"}, {.stdout = out});
    EXPECT_EQ(out.str(), "hello world\n");
    Switch::run([&](Switch& sw) {
      process::Process p = spawn(sw, env.process_mgr(), {"echo", "again"}, {.stdout = out});
      EXPECT_GT(p.pid(), 0);
      EXPECT_EQ(p.await(), process::exited(0));
    });
    EXPECT_EQ(out.str(), "hello world\nagain\n");
  });
}

TEST_P(Processes, StdinComesFromAStringSource) {
  run([&](Env& env) {
    flow::Buffer_sink out;
    flow::String_source in("one two three");
    process::run(env.process_mgr(), {"tr", "a-z", "A-Z"}, {.stdin = in, .stdout = out});
    EXPECT_EQ(out.str(), "ONE TWO THREE");
  });
}

TEST_P(Processes, StderrGoesToItsOwnSink) {
  run([&](Env& env) {
    flow::Buffer_sink out;
    flow::Buffer_sink err;
    process::run(env.process_mgr(), {"sh", "-c", "echo to-out; echo to-err >&2"},
                 {.stdout = out, .stderr = err});
    EXPECT_EQ(out.str(), "to-out\n");
    EXPECT_EQ(err.str(), "to-err\n");
  });
}

// A child blocked reading its input finishes only once we close the pipe it reads.
TEST_P(Processes, ChildReadsUntilWeCloseItsInput) {
  run([&](Env& env) {
    flow::Buffer_sink out;
    Switch::run([&](Switch& sw) {
      os::Pipe in = os::pipe(sw);
      process::Process cat =
          spawn(sw, env.process_mgr(), {"cat"}, {.stdin = in.source, .stdout = out});
      in.sink.write("first ");
      in.sink.write("second");
      in.sink.close();
      EXPECT_EQ(cat.await(), process::exited(0));
    });
    EXPECT_EQ(out.str(), "first second");
  });
}

TEST_P(Processes, ExitCodesAndChildErrors) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      process::Process p = spawn(sw, env.process_mgr(), {"sh", "-c", "exit 3"});
      EXPECT_EQ(p.await(), process::exited(3));
      EXPECT_EQ(p.await(), process::exited(3));  // the same status again
      EXPECT_EQ(p.await().to_string(), "exited with code 3");
    });
    try {
      process::run(env.process_mgr(), {"sh", "-c", "exit 3"});
      ADD_FAILURE() << "no Child_error";
    } catch (const process::Child_error& e) {
      EXPECT_EQ(e.status(), process::exited(3));
      EXPECT_EQ(e.code(), std::error_code(3, process::exit_category()));
      EXPECT_EQ(std::string(e.what()), "exited with code 3\n  running \"sh\" \"-c\" \"exit 3\"");
    }
    process::run(env.process_mgr(), {"sh", "-c", "exit 0"});
  });
}

TEST_P(Processes, SignalEndsTheChild) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      process::Process p = spawn(sw, env.process_mgr(), {"sleep", "1000"});
      p.signal(SIGTERM);
      process::Exit_status st = p.await();
      EXPECT_EQ(st, process::signaled(SIGTERM));
      EXPECT_EQ(st.to_string(), "killed by signal 15 (SIGTERM)");
      EXPECT_FALSE(exists(p.pid()));  // reaped by await
      p.signal(SIGKILL);              // after the end: nothing happens
      EXPECT_EQ(p.await(), process::signaled(SIGTERM));
    });
  });
}

TEST_P(Processes, FinishingTheSwitchKillsAndReapsTheChild) {
  run([&](Env& env) {
    process::Process p;
    int pid = -1;
    Switch::run([&](Switch& sw) {
      p = spawn(sw, env.process_mgr(), {"sleep", "1000"});
      pid = p.pid();
      EXPECT_TRUE(exists(pid));
    });
    EXPECT_FALSE(exists(pid));
    EXPECT_TRUE(no_children_left());
    EXPECT_EQ(p.await(), process::signaled(SIGKILL));
  });
}

TEST_P(Processes, CancelledAwaitLeavesTheChildToTheSwitch) {
  run([&](Env& env) {
    int pid = -1;
    Switch::run([&](Switch& sw) {
      process::Process p = spawn(sw, env.process_mgr(), {"sleep", "1000"});
      pid = p.pid();
      EXPECT_EQ(cancel_while_blocked([&] { p.await(); }), "cancelled");
      EXPECT_TRUE(exists(pid));
    });
    EXPECT_FALSE(exists(pid));
  });
}

// Cancelling run() finishes its switch, which kills the child; its output copier is
// cancelled too, rather than waiting for output that never comes.
TEST_P(Processes, CancellingRunKillsTheChild) {
  run([&](Env& env) {
    flow::Buffer_sink out;
    EXPECT_EQ(cancel_while_blocked([&] {
                process::run(env.process_mgr(), {"sleep", "1000"}, {.stdout = out});
              }),
              "cancelled");
    EXPECT_TRUE(no_children_left());
  });
}

TEST_P(Processes, EnvReplacesTheEnvironment) {
  ::setenv("EIO_TEST_PARENT_VAR", "parent", 1);
  run([&](Env& env) {
    auto out = process::parse_out(env.process_mgr(), all_lines,
                                  {"sh", "-c", "echo \"$FOO/${EIO_TEST_PARENT_VAR-unset}\""},
                                  {.env = {"FOO=bar"}});
    EXPECT_EQ(out, std::vector<std::string>{"bar/unset"});
    out = process::parse_out(env.process_mgr(), all_lines,
                             {"sh", "-c", "echo \"${EIO_TEST_PARENT_VAR-unset}\""});
    EXPECT_EQ(out, std::vector<std::string>{"parent"});
    // An empty vector is an empty environment, not "inherit".
    out = process::parse_out(env.process_mgr(), all_lines, {"/usr/bin/env"},
                             {.env = std::vector<std::string>{}});
    EXPECT_EQ(out, std::vector<std::string>{});
  });
  ::unsetenv("EIO_TEST_PARENT_VAR");
}

TEST_P(Processes, CwdIsAConfinedPath) {
  tmp.mkdir("sub");
  char* real = ::realpath((tmp / "sub").c_str(), nullptr);
  std::string expected = std::string(real) + "\n";
  std::free(real);
  run([&](Env& env) {
    path::with_open_dir(env.fs() / tmp.path(), [&](Path& dir) {
      flow::Buffer_sink out;
      process::run(env.process_mgr(), {"pwd", "-P"}, {.stdout = out, .cwd = dir / "sub"});
      EXPECT_EQ(out.str(), expected);
      std::string what;
      EXPECT_EQ(io_error_of([&] { process::run(env.process_mgr(), {"pwd"}, {.cwd = dir / ".."}); },
                            &what),
                std::errc::permission_denied);
      EXPECT_NE(what.find("spawning \"pwd\""), std::string::npos) << what;
    });
  });
}

TEST_P(Processes, ProgramsAreLookedUpInPath) {
  tmp.write("eio-test-prog", "#!/bin/sh\necho found me\n");
  ::chmod((tmp / "eio-test-prog").c_str(), 0755);
  run([&](Env& env) {
    flow::Buffer_sink out;
    std::vector<std::string> path_env{"PATH=/nonexistent:" + tmp.path()};
    process::run(env.process_mgr(), {"eio-test-prog"}, {.stdout = out, .env = path_env});
    EXPECT_EQ(out.str(), "found me\n");
    // .executable names the program; args[0] is only its name.
    process::run(env.process_mgr(), {"argv0", "-c", "echo $0"},
                 {.stdout = out, .executable = "sh"});
    EXPECT_EQ(out.str(), "found me\nargv0\n");
    std::string what;
    EXPECT_EQ(io_error_of([&] { process::run(env.process_mgr(), {"eio-no-such-program"}); }, &what),
              std::errc::no_such_file_or_directory);
    EXPECT_NE(what.find("executable not found: \"eio-no-such-program\""), std::string::npos)
        << what;
    EXPECT_EQ(io_error_of([&] { process::run(env.process_mgr(), {tmp / "missing"}); }),
              std::errc::no_such_file_or_directory);
  });
}

TEST_P(Processes, NonExecutableFilesArePermissionDenied) {
  tmp.write("not-runnable", "#!/bin/sh\necho never\n");
  ::chmod((tmp / "not-runnable").c_str(), 0644);
  run([&](Env& env) {
    std::string what;
    EXPECT_EQ(io_error_of(
                  [&] {
                    process::run(env.process_mgr(), {"not-runnable"},
                                 {.env = std::vector<std::string>{"PATH=" + tmp.path()}});
                  },
                  &what),
              std::errc::permission_denied);
    EXPECT_NE(what.find("\"not-runnable\""), std::string::npos) << what;
    EXPECT_EQ(io_error_of([&] { process::run(env.process_mgr(), {tmp / "not-runnable"}); }, &what),
              std::errc::permission_denied);
    EXPECT_NE(what.find("spawning \"" + (tmp / "not-runnable") + "\""), std::string::npos) << what;
  });
}

TEST_P(Processes, ParseOutParsesTheOutputAndChecksTheStatus) {
  run([&](Env& env) {
    auto lines = process::parse_out(env.process_mgr(), all_lines, {"printf", "a\\nb\\nc\\n"});
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
    try {
      process::parse_out(env.process_mgr(), all_lines, {"sh", "-c", "echo partial; exit 2"});
      ADD_FAILURE() << "no Child_error";
    } catch (const process::Child_error& e) {
      EXPECT_EQ(e.status(), process::exited(2));
    }
  });
}

// The child exits without reading most of its input: the copier's broken pipe is not an
// error.
TEST_P(Processes, ChildMayIgnoreALargeInput) {
  run([&](Env& env) {
    flow::String_source big(std::string(4 << 20, 'x'));
    flow::Buffer_sink out;
    process::run(env.process_mgr(), {"head", "-c", "5"}, {.stdin = big, .stdout = out});
    EXPECT_EQ(out.str(), "xxxxx");
    EXPECT_GT(big.remaining().size(), 0u);
    flow::String_source big2(std::string(4 << 20, 'y'));
    process::run(env.process_mgr(), {"true"}, {.stdin = big2});
  });
}

// The descriptors of this process that a child inherits anyway (no close-on-exec: the
// standard ones, and whatever the test runner passed down), as /proc/self/fd names them.
std::set<std::string> inheritable_fds() {
  std::set<std::string> out;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) {
    int fd = std::atoi(e->d_name);
    if (e->d_name[0] != '.' && fd != ::dirfd(d) && !(::fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
      out.insert(e->d_name);
    }
  }
  ::closedir(d);
  return out;
}

// Descriptors given directly (a file) are used as they are; none of eio's own (the file,
// the event loop's, pipes, pidfds of other children) reaches the child.
TEST_P(Processes, FileOutputAndOnlyStandardDescriptorsReachTheChild) {
  std::set<std::string> inherited = inheritable_fds();
  run([&](Env& env) {
    path::with_open_dir(env.fs() / tmp.path(), [&](Path& dir) {
      Switch::run([&](Switch& sw) {
        File f = path::open_out(sw, dir / "out.txt", path::Create::exclusive(0644));
        process::Process other = process::spawn(sw, env.process_mgr(), {"sleep", "1000"});
        process::run(env.process_mgr(), {"ls", "/proc/self/fd"}, {.stdout = f});
        other.signal(SIGKILL);
      });
      std::vector<std::string> extra;
      for (auto& line : parse_string(all_lines, path::load(dir / "out.txt"))) {
        if (!inherited.contains(line)) extra.push_back(line);
      }
      // Only the directory ls itself opened.
      EXPECT_EQ(extra.size(), 1u) << ::testing::PrintToString(extra);
      EXPECT_TRUE(inherited.contains("1"));
    });
  });
}

TEST_P(Processes, ManyChildrenInParallel) {
  run([&](Env& env) {
    int succeeded = 0;
    Switch::run([&](Switch& sw) {
      for (int i = 0; i < 50; ++i) {
        fiber::fork(sw, [&] {
          process::run(env.process_mgr(), {"true"});
          ++succeeded;
        });
      }
    });
    EXPECT_EQ(succeeded, 50);
  });
}

TEST_P(Processes, NoArgumentsIsAnError) {
  run([&](Env& env) { EXPECT_THROW(process::run(env.process_mgr(), {}), std::invalid_argument); });
}

}  // namespace
}  // namespace eio::test
