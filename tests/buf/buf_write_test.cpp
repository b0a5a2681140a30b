// Buf_write: Eio's buf_write.md scenarios: batching, flush ordering, pause, close, abort,
// cancellation during a flush, and a sink that fails.

#include "eio/buf_write.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/eio_test.hpp"

namespace {

using eio::Buf_write;
using eio::test::Trace;

// A sink that logs each vectored write and, while its gate is closed, blocks inside the
// write until open_gate(): the bytes count as written only when do_write returns.
class Gated_sink : public eio::flow::Sink {
 public:
  explicit Gated_sink(Trace& trace, bool open = true) : trace_(trace), open_(open) {}
  std::string data;
  int writes = 0;

  void open_gate() {
    open_ = true;
    if (waiting_ != nullptr) waiting_->signal();
  }
  void close_gate() { open_ = false; }

 protected:
  void do_write(std::span<const std::string_view> bufs) override {
    std::string bytes;
    for (std::string_view b : bufs) bytes += b;
    ++writes;
    if (!open_) {
      trace_("sink: blocked writing " + bytes);
      eio::Trigger gate;
      waiting_ = &gate;
      gate.await();
      waiting_ = nullptr;
    }
    data += bytes;
    trace_("sink: wrote " + bytes);
  }

 private:
  Trace& trace_;
  bool open_;
  eio::Trigger* waiting_ = nullptr;
};

class BufWrite : public eio::test::Backends {};

// Small writes are copied and go out together, in one vectored write, once the writer
// blocks; with_flow returns what its function returned, after everything was written.
TEST_P(BufWrite, SmallWritesBatchIntoOneSinkWrite) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    int answer = Buf_write::with_flow(sink, [](Buf_write& w) {
      w.write("hello ");
      w.write_char('w');
      w.printf("%s %d", "orld", 42);
      w.uint8('!');
      return 42;
    });
    EXPECT_EQ(answer, 42);
    EXPECT_EQ(trace.str(), "sink: wrote hello world 42!");
  });
}

// flush() returns only once the sink's write has returned (Eio #528/#539 was the reverse).
TEST_P(BufWrite, FlushReturnsAfterSinkCompleted) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace, false);
    eio::Switch::run([&](eio::Switch& sw) {
      Buf_write::with_flow(sink, [&](Buf_write& w) {
        w.write("abc");
        eio::fiber::fork(sw, [&] {
          trace("opener: opening the gate");
          sink.open_gate();
        });
        trace("flushing");
        w.flush();
        trace("flushed");
      });
    });
    EXPECT_EQ(trace.str(),
              "opener: opening the gate\n"
              "flushing\n"
              "sink: wrote abc\n"
              "flushed");
  });
}

// A flush cancelled while its bytes are being written abandons only the wait: those bytes
// and later ones all reach the sink, in order.
TEST_P(BufWrite, CancelDuringFlushLosesNothingWritten) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace, false);
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      std::string outcome = eio::test::cancel_while_blocked([&] {
        w.write("abc");
        w.flush();
      });
      trace("flush " + outcome);
      w.write("def");
      w.printf("%d", 123);
      sink.open_gate();
      w.flush();
      trace("flushed");
    });
    EXPECT_EQ(sink.data, "abcdef123");
    EXPECT_EQ(trace.str(),
              "sink: blocked writing abc\n"
              "flush cancelled\n"
              "sink: wrote abc\n"
              "sink: wrote def123\n"
              "flushed");
  });
}

// Several fibers writing and flushing: every flush waits for its own bytes and the output
// keeps the order of the writes.
TEST_P(BufWrite, FlushesFromSeveralFibersKeepWriteOrder) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      eio::Switch::run([&](eio::Switch& sw) {
        for (char name : std::string("ABC")) {
          eio::fiber::fork(sw, [&, name] {
            for (int i = 0; i < 3; ++i) {
              w.write_char(name);
              w.flush();
              trace(std::string(1, name) + " flushed, sink has " + sink.data);
            }
          });
        }
      });
    });
    EXPECT_EQ(sink.data, "ABCABCABC");
    EXPECT_EQ(trace.lines().size(), 12u);  // 3 sink writes and 9 flushes
    for (const std::string& line : trace.lines()) {
      if (line.size() > 1 && line[1] == ' ') {
        // A flush of the i-th round returns after that round's bytes are in the sink.
        EXPECT_NE(line.find("sink has ABC"), std::string::npos) << line;
      }
    }
  });
}

// While paused, writes pile up; unpause (or flush) lets them out.
TEST_P(BufWrite, PauseHoldsWritesUntilUnpause) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      w.pause();
      w.write("held");
      eio::fiber::yield();
      eio::fiber::yield();
      trace("paused, pending " + std::to_string(w.pending_bytes()));
      w.unpause();
      eio::fiber::yield();
      trace("unpaused, pending " + std::to_string(w.pending_bytes()));
      w.pause();
      w.write(" again");
      w.flush();  // unpauses
      trace("flushed");
    });
    EXPECT_EQ(trace.str(),
              "paused, pending 4\n"
              "sink: wrote held\n"
              "unpaused, pending 0\n"
              "sink: wrote  again\n"
              "flushed");
  });
}

// After close, writes throw Closed; what was buffered is still written.
TEST_P(BufWrite, CloseFlushesButRefusesNewWrites) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      w.write("last words");
      w.close();
      EXPECT_TRUE(w.is_closed());
      EXPECT_THROW(w.write("more"), eio::Closed);
      EXPECT_THROW(w.write(""), eio::Closed);
      EXPECT_THROW(w.write_char('x'), eio::Closed);
      EXPECT_THROW(w.write_view("x"), eio::Closed);
      EXPECT_THROW(w.printf("x"), eio::Closed);
      EXPECT_THROW(w.be32(1), eio::Closed);
      w.flush();
      trace("flushed");
    });
    EXPECT_EQ(trace.str(), "sink: wrote last words\nflushed");
  });
}

// abort() fails pending flushes with Flush_aborted and drops what the sink has not taken;
// the write already in progress completes.
TEST_P(BufWrite, AbortFailsPendingFlushes) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace, false);
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      eio::Switch::run([&](eio::Switch& sw) {
        eio::fiber::fork(sw, [&] {
          w.write("in flight");
          try {
            w.flush();
          } catch (const eio::Flush_aborted&) {
            trace("flush aborted");
          }
        });
        eio::fiber::yield();  // the background fiber starts writing "in flight"
        w.write("dropped");
        w.abort();
        EXPECT_THROW(w.flush(), eio::Flush_aborted);
        EXPECT_THROW(w.write("x"), eio::Closed);
        sink.open_gate();
      });
    });
    EXPECT_EQ(sink.data, "in flight");
    EXPECT_EQ(trace.str(),
              "sink: blocked writing in flight\n"
              "flush aborted\n"
              "sink: wrote in flight");
  });
}

// If the sink fails, with_flow throws its error; the writer's blocked flush is cancelled
// rather than reported as a second error.
TEST_P(BufWrite, SinkFailureIsWithFlowsError) {
  class Failing_sink : public eio::flow::Sink {
    void do_write(std::span<const std::string_view>) override {
      throw eio::Io_error(std::make_error_code(std::errc::broken_pipe), "writing to peer");
    }
  };
  run([](eio::Env&) {
    Failing_sink sink;
    std::string after_flush = "not reached";
    try {
      Buf_write::with_flow(sink, [&](Buf_write& w) {
        w.write("x");
        try {
          w.flush();
        } catch (const eio::Cancelled&) {
          after_flush = "flush cancelled";
          EXPECT_THROW(w.write(std::string(10000, 'y')), eio::Cancelled);
          throw;
        }
      });
      ADD_FAILURE() << "no error";
    } catch (const eio::Io_error& e) {
      EXPECT_EQ(e.code(), std::errc::broken_pipe);
    }
    EXPECT_EQ(after_flush, "flush cancelled");
  });
}

// If the function throws, what it wrote first is still written, then its error is raised.
TEST_P(BufWrite, FunctionErrorStillFlushesWhatWasWritten) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    EXPECT_THROW(Buf_write::with_flow(sink,
                                      [](Buf_write& w) {
                                        w.write("partial");
                                        throw std::runtime_error("bad record");
                                      }),
                 std::runtime_error);
    EXPECT_EQ(sink.data, "partial");
  });
}

// write_view queues the caller's bytes without copying them, in order with copies.
TEST_P(BufWrite, WriteViewKeepsOrderWithoutCopying) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    std::string body(100000, 'b');
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      w.write("head ");
      w.write_view(body);
      w.write(" tail");
      w.flush();
      body.assign(body.size(), 'X');  // written now, so changing it is allowed
      w.write_view("");
    });
    EXPECT_EQ(sink.data, "head " + std::string(100000, 'b') + " tail");
    EXPECT_EQ(sink.writes, 1);
  });
}

TEST_P(BufWrite, IntegersAndLongFormattedText) {
  run([](eio::Env&) {
    Trace trace;
    Gated_sink sink(trace);
    std::string long_text(10000, 'z');
    Buf_write::with_flow(sink, [&](Buf_write& w) {
      w.be16(0x0102);
      w.le16(0x0102);
      w.be32(0x01020304);
      w.le32(0x01020304);
      w.be64(0x0102030405060708);
      w.le64(0x0102030405060708);
      w.printf("[%s]", long_text.c_str());
    });
    EXPECT_EQ(sink.data, std::string("\x01\x02\x02\x01\x01\x02\x03\x04\x04\x03\x02\x01"
                                     "\x01\x02\x03\x04\x05\x06\x07\x08"
                                     "\x08\x07\x06\x05\x04\x03\x02\x01",
                                     28) +
                             "[" + long_text + "]");
  });
}

// Many small writes into a pipe drained by another fiber: the buffer keeps up with a
// backlog (bigger chunks) and reuses memory once the sink catches up.
TEST_P(BufWrite, StreamsThroughAPipe) {
  run([](eio::Env&) {
    std::string received;
    std::string expected;
    eio::Switch::run([&](eio::Switch& sw) {
      auto pipe = eio::os::pipe(sw);
      eio::fiber::both([&] { received = eio::flow::read_all(pipe.source); },
                       [&] {
                         Buf_write::with_flow(pipe.sink, [&](Buf_write& w) {
                           for (int i = 0; i < 100000; ++i) {
                             std::string item = std::to_string(i) + ",";
                             expected += item;
                             w.write(item);
                             if (i % 10000 == 0) w.flush();
                           }
                         });
                         pipe.sink.close();
                       });
    });
    EXPECT_EQ(received, expected);
  });
}

EIO_TEST_ON_BOTH_BACKENDS(BufWrite);

}  // namespace
