// Pipes and descriptors on both backends: blocking reads and writes, vectored and large
// writes, cancellation and closing while an operation is in flight.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class Pipes : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Pipes);

bool fd_is_open(int fd) {
  return ::fcntl(fd, F_GETFD) >= 0;
}

TEST_P(Pipes, ReaderWaitsForTheWriterThenSeesEndOfFile) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      fiber::both(
          [&] {
            trace("reader waits");
            trace("read: " + flow::read_all(src));
          },
          [&] {
            trace("writer writes");
            sink.write("hello ");
            sink.write("world");
            sink.close();
          });
    });
  });
  EXPECT_EQ(trace.str(), "reader waits\nwriter writes\nread: hello world");
}

TEST_P(Pipes, VectoredWriteSplitsPastIovMax) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      std::vector<std::string> parts;
      for (int i = 0; i < 3000; ++i) parts.push_back(std::to_string(i) + ",");
      std::vector<std::string_view> views(parts.begin(), parts.end());
      std::string expected;
      for (auto& p : parts) expected += p;
      std::string got;
      fiber::both([&] { got = flow::read_all(src); },
                  [&] {
                    sink.write(views);
                    sink.close();
                  });
      EXPECT_EQ(got, expected);
    });
  });
}

TEST_P(Pipes, WriteLargerThanThePipeCompletesAcrossShortWrites) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      std::string big(1 << 20, 'x');
      for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
      std::string got;
      fiber::both(
          [&] {
            sink.write(big);
            sink.close();
          },
          [&] { got = flow::read_all(src); });
      EXPECT_EQ(got, big);
    });
  });
}

TEST_P(Pipes, CopyBetweenPipes) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto a = os::pipe(sw);
      auto b = os::pipe(sw);
      std::string data(200'000, 'q');
      std::string got;
      fiber::all(
          [&] {
            a.sink.write(data);
            a.sink.close();
          },
          [&] {
            flow::copy(a.source, b.sink);
            b.sink.close();
          },
          [&] { got = flow::read_all(b.source); });
      EXPECT_EQ(got, data);
    });
  });
}

// The copy starts on an empty pipe and must wait for the input, however it trickles in
// (io_uring's SPLICE may answer EAGAIN for a non-blocking pipe rather than wait).
TEST_P(Pipes, CopyWaitsForInputThatComesLater) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto a = os::pipe(sw);
      auto b = os::pipe(sw);
      std::string got;
      fiber::all(
          [&] {
            flow::copy(a.source, b.sink);
            b.sink.close();
          },
          [&] {
            for (int i = 0; i < 3; ++i) {
              // Enough switches for the scheduler to submit the splice meanwhile.
              for (int y = 0; y < 200; ++y) fiber::yield();
              a.sink.write("piece ");
            }
            a.sink.close();
          },
          [&] { got = flow::read_all(b.source); });
      EXPECT_EQ(got, "piece piece piece ");
    });
  });
}

// The read is cancelled while the kernel may be filling its buffer, which lives on the
// cancelled fiber's stack: the fiber must not return until the kernel is done with it.
// Data written afterwards is all still there for the next reader.
// A socket into a pipe: the kernel moves the bytes (splice), in order, until end-of-file.
TEST_P(Pipes, CopyFromASocketIntoAPipe) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [a, b] = os::socketpair_stream(sw);
      auto p = os::pipe(sw);
      std::string data;
      for (int i = 0; i < 50'000; ++i) data += std::to_string(i);
      std::string got;
      fiber::all(
          [&] {
            a.write(data);
            a.close();
          },
          [&] {
            flow::copy(b, p.sink);
            p.sink.close();
          },
          [&] { got = flow::read_all(p.source); });
      EXPECT_EQ(got, data);
    });
  });
}

// A copy waiting for input is ended by cancellation, or by closing either descriptor.
TEST_P(Pipes, BlockedCopyEndsOnCancelOrClose) {
  run([&](Env&) {
    for (const char* how : {"cancel", "close source", "close sink"}) {
      Switch::run([&](Switch& sw) {
        auto in = os::pipe(sw);
        auto out = os::pipe(sw);
        std::string outcome;
        cancel::Context* ctx = nullptr;
        Switch::run([&](Switch& inner) {
          fiber::fork(inner, [&] {
            try {
              cancel::sub([&](cancel::Context& cc) {
                ctx = &cc;
                flow::copy(in.source, out.sink);
                outcome = "returned";
              });
            } catch (const Cancelled&) {
              outcome = "cancelled";
            } catch (const Closed&) {
              outcome = "closed";
            }
          });
          if (std::string(how) == "cancel") {
            ctx->cancel(std::make_exception_ptr(std::runtime_error("stop")));
          } else if (std::string(how) == "close source") {
            in.source.close();
          } else {
            out.sink.close();
          }
        });
        EXPECT_EQ(outcome, std::string(how) == "cancel" ? "cancelled" : "closed") << how;
      });
    }
  });
}

TEST_P(Pipes, CancelledReadKeepsBufferUntilCompletion) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      EXPECT_EQ(cancel_while_blocked([&] {
                  char on_stack[64];
                  src.read_some(on_stack);
                }),
                "cancelled");
      sink.write("after");
      char buf[16];
      std::size_t n = src.read_some(buf);
      EXPECT_EQ(std::string(buf, n), "after");
    });
  });
}

TEST_P(Pipes, CloseWithOperationInFlight) {
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      int raw = src.fd().get();
      std::string outcome;
      Switch::run([&](Switch& inner) {
        fiber::fork(inner, [&] {
          char buf[8];
          try {
            src.read_some(buf);
            outcome = "read";
          } catch (const Closed&) {
            outcome = "closed";
          }
        });
        src.close();
        // The reader has not finished with the descriptor yet: it stays open until then.
        EXPECT_TRUE(fd_is_open(raw));
        EXPECT_THROW(src.fd().get(), Closed);
        char c;
        EXPECT_THROW(src.read_some(std::span(&c, 1)), Closed);
      });
      EXPECT_EQ(outcome, "closed");
      EXPECT_FALSE(fd_is_open(raw));
    });
  });
}

TEST_P(Pipes, SwitchClosesItsDescriptorsAndLaterUseIsClosed) {
  run([&](Env&) {
    std::optional<os::Pipe> kept;
    int raw = -1;
    Switch::run([&](Switch& sw) {
      kept.emplace(os::pipe(sw));
      raw = kept->source.fd().get();
    });
    EXPECT_FALSE(fd_is_open(raw));
    EXPECT_THROW(kept->sink.write("x"), Closed);
  });
}

TEST_P(Pipes, WritingToAPipeWithoutReaderIsBrokenPipeNotSigpipe) {
  run([&](Env&) {
    struct sigaction sa {};
    ::sigaction(SIGPIPE, nullptr, &sa);
    EXPECT_EQ(sa.sa_handler, SIG_IGN) << "eio::run ignores SIGPIPE";
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      src.close();
      try {
        sink.write("nobody listens");
        ADD_FAILURE() << "write succeeded";
      } catch (const Io_error& e) {
        EXPECT_EQ(e.code(), std::errc::broken_pipe);
      }
    });
  });
}

TEST_P(Pipes, AwaitReadableWakesWhenDataArrives) {
  Trace trace;
  run([&](Env&) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      fiber::both(
          [&] {
            os::await_readable(src.fd());
            trace("readable");
          },
          [&] {
            trace("writing");
            os::await_writable(sink.fd());
            sink.write("!");
          });
    });
  });
  EXPECT_EQ(trace.str(), "writing\nreadable");
}

TEST_P(Pipes, FdHandleMovesAndClosesOnce) {
  run([&](Env&) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    Switch::run([&](Switch& sw) {
      os::Fd a(sw, fds[0]);
      EXPECT_TRUE(a.is_open());
      EXPECT_EQ(a.get(), fds[0]);
      os::Fd moved = std::move(a);
      EXPECT_FALSE(a.is_open());
      moved.close();
      moved.close();
      EXPECT_FALSE(fd_is_open(fds[0]));
    });
    ::close(fds[1]);
  });
}

TEST_P(Pipes, ResourceFromAnotherDomainIsRejected) {
  run([&](Env& env) {
    Switch::run([&](Switch& sw) {
      auto [src, sink] = os::pipe(sw);
      env.domain_mgr().run([&] { EXPECT_THROW(sink.write("x"), std::logic_error); });
    });
  });
}

}  // namespace
}  // namespace eio::test

namespace eio::test {
namespace {

// io_uring only: the kernel completes a read, and the fiber is cancelled before it runs
// again. The read's data must come back to it, not vanish. Once A's read is armed, fiber
// B writes to A's pipe with a plain system call, then reads from a second pipe that
// already has data: both completions arrive in the same batch, B's first (it completes
// as it is submitted, A's when the kernel runs its deferred work), so B runs and cancels
// A after A's read completed. A sees its data, then Cancelled at its next check.
TEST(Pipes_uring, CancelledReadReturnsDataThatArrivedAnyway) {
  std::string got;
  std::string then;
  eio::run(
      [&](Env&) {
        Switch::run([&](Switch& sw) {
          auto a = os::pipe(sw);
          auto b = os::pipe(sw);
          b.sink.write("ab");
          cancel::Context* a_ctx = nullptr;
          Switch::run([&](Switch& inner) {
            fiber::fork(inner, [&] {
              try {
                cancel::sub([&](cancel::Context& cc) {
                  a_ctx = &cc;
                  char buf[32];
                  got = std::string(buf, a.source.read_some(buf));
                  fiber::check();
                  then = "not cancelled";
                });
              } catch (const Cancelled&) {
                then = "cancelled after the read";
              }
            });
            fiber::fork(inner, [&] {
              char c;
              b.source.read_some(std::span(&c, 1));  // submitted with A's read: A is now armed
              ASSERT_EQ(::write(a.sink.fd().get(), "arrived anyway", 14), 14);
              b.source.read_some(std::span(&c, 1));  // completes in the same batch as A's read
              a_ctx->cancel(std::make_exception_ptr(std::runtime_error("too late")));
            });
          });
        });
      },
      {.backend = Backend::uring, .report_uncaught = false});
  EXPECT_EQ(got, "arrived anyway");
  EXPECT_EQ(then, "cancelled after the read");
}

}  // namespace
}  // namespace eio::test
