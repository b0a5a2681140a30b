// Streams: bounded queues, rendezvous, fairness, and cancellation that neither loses nor
// duplicates an item. Scenarios follow Eio's tests/stream.md.

#include <memory>
#include <stdexcept>
#include <string>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

class StreamTest : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(StreamTest);

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stop") {}
};

// A stream of ints whose every operation is narrated on the transcript, before and after,
// so a transcript shows where each fiber waited.
struct Narrated {
  Trace& trace;
  Stream<int>& s;

  void add(int v) {
    trace("add " + std::to_string(v));
    s.add(v);
    trace("added " + std::to_string(v));
  }
  void take() {
    trace("take");
    trace("took " + std::to_string(s.take()));
  }
  void take_nonblocking() {
    trace("take_nonblocking");
    auto v = s.take_nonblocking();
    trace(v ? "took " + std::to_string(*v) : std::string("nothing"));
  }
};

// Within capacity nothing waits.
TEST_P(StreamTest, AddAddTakeTakeWithinCapacity) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(2);
    Narrated t{trace, s};
    t.add(1);
    t.add(2);
    trace("length " + std::to_string(s.length()));
    t.take();
    t.take();
    trace(s.is_empty() ? "empty" : "not empty");
  });
  EXPECT_EQ(trace.str(),
            "add 1\nadded 1\nadd 2\nadded 2\nlength 2\ntake\ntook 1\ntake\ntook 2\nempty");
}

// A reader of an empty stream waits for the next add.
TEST_P(StreamTest, ReaderWaitsWhileEmpty) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(2);
    Narrated t{trace, s};
    t.add(1);
    fiber::both(
        [&] {
          t.take();
          t.take();
        },
        [&] { t.add(2); });
  });
  EXPECT_EQ(trace.str(), "add 1\nadded 1\ntake\ntook 1\ntake\nadd 2\nadded 2\ntook 2");
}

// A writer to a full stream waits until a reader makes room; its item then follows the
// ones already queued.
TEST_P(StreamTest, WriterWaitsWhileFull) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(3);
    Narrated t{trace, s};
    t.add(1);
    fiber::both(
        [&] {
          for (int i = 2; i <= 4; ++i) t.add(i);
        },
        [&] {
          for (int i = 0; i < 4; ++i) t.take();
        });
  });
  EXPECT_EQ(trace.str(),
            "add 1\nadded 1\nadd 2\nadded 2\nadd 3\nadded 3\nadd 4\n"
            "take\ntook 1\ntake\ntook 2\ntake\ntook 3\ntake\ntook 4\nadded 4");
}

// With capacity 0 an add completes only when a reader has taken the item.
TEST_P(StreamTest, ZeroCapacityIsARendezvous) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    fiber::both(
        [&] {
          t.add(1);
          t.add(2);
        },
        [&] {
          t.take();
          t.take();
        });
  });
  EXPECT_EQ(trace.str(), "add 1\ntake\ntook 1\ntake\nadded 1\nadd 2\nadded 2\ntook 2");
}

// take_nonblocking returns what is there, or nothing, without waiting.
TEST_P(StreamTest, TakeNonblocking) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(1);
    Narrated t{trace, s};
    t.take_nonblocking();
    t.add(0);
    t.take_nonblocking();
  });
  EXPECT_EQ(trace.str(), "take_nonblocking\nnothing\nadd 0\nadded 0\ntake_nonblocking\ntook 0");
}

// On a rendezvous stream take_nonblocking takes straight from a waiting writer.
TEST_P(StreamTest, TakeNonblockingFromAWaitingWriter) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    t.take_nonblocking();
    fiber::both([&] { t.add(0); }, [&] { t.take_nonblocking(); });
    t.take_nonblocking();
  });
  EXPECT_EQ(trace.str(),
            "take_nonblocking\nnothing\nadd 0\ntake_nonblocking\ntook 0\nadded 0\n"
            "take_nonblocking\nnothing");
}

// Waiting readers are served first come, first served.
TEST_P(StreamTest, WaitingReadersAreServedInOrder) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    Switch::run([&](Switch& sw) {
      for (const char* name : {"a", "b", "c"}) {
        fiber::fork(sw, [&t, &trace, name] {
          t.take();
          trace(std::string(name) + " done");
        });
      }
      for (int i = 1; i <= 3; ++i) t.add(i);
    });
  });
  EXPECT_EQ(trace.str(),
            "take\ntake\ntake\nadd 1\nadded 1\nadd 2\nadded 2\nadd 3\nadded 3\n"
            "took 1\na done\ntook 2\nb done\ntook 3\nc done");
}

// Waiting writers are served in order too.
TEST_P(StreamTest, WaitingWritersAreServedInOrder) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    Switch::run([&](Switch& sw) {
      for (int i = 1; i <= 3; ++i) fiber::fork(sw, [&t, i] { t.add(i); });
      for (int i = 1; i <= 3; ++i) t.take();
    });
  });
  EXPECT_EQ(trace.str(),
            "add 1\nadd 2\nadd 3\ntake\ntook 1\ntake\ntook 2\ntake\ntook 3\n"
            "added 1\nadded 2\nadded 3");
}

// A reader cancelled while waiting consumes nothing: the next item goes to the reader
// queued behind it.
TEST_P(StreamTest, CancelledTakeConsumesNothing) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(1);
    Narrated t{trace, s};
    Switch::run([&](Switch& sw) {
      cancel::Context* a_cc = nullptr;
      fiber::fork(sw, [&] {
        cancel::sub([&](cancel::Context& cc) {
          a_cc = &cc;
          try {
            t.take();
          } catch (const Cancelled&) {
            trace("a cancelled");
          }
        });
      });
      fiber::fork(sw, [&] {
        t.take();
        trace("b done");
      });
      a_cc->cancel(std::make_exception_ptr(Stop()));
      fiber::yield();  // let a leave the queue
      t.add(1);
    });
    trace("left: " + std::to_string(s.length()));
  });
  EXPECT_EQ(trace.str(), "take\ntake\na cancelled\nadd 1\nadded 1\ntook 1\nb done\nleft: 0");
}

// A writer cancelled while waiting for room adds nothing; the items before it are intact.
TEST_P(StreamTest, CancelledAddNeverAppears) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(1);
    Narrated t{trace, s};
    t.add(0);
    try {
      fiber::both([&] { t.add(1); }, [&] { throw Stop(); });
    } catch (const Stop&) {
      trace("cancelled");
    }
    t.take();
    t.add(2);
    t.take();
    trace("left: " + std::to_string(s.length()));
  });
  EXPECT_EQ(trace.str(),
            "add 0\nadded 0\nadd 1\ncancelled\ntake\ntook 0\nadd 2\nadded 2\ntake\ntook 2\n"
            "left: 0");
}

// The same on a rendezvous stream: the cancelled writer's item is never taken.
TEST_P(StreamTest, CancelledRendezvousAddNeverAppears) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    try {
      fiber::both([&] { t.add(1); }, [&] { throw Stop(); });
    } catch (const Stop&) {
      trace("cancelled");
    }
    fiber::both([&] { t.add(2); }, [&] { t.take(); });
  });
  EXPECT_EQ(trace.str(), "add 1\ncancelled\nadd 2\ntake\ntook 2\nadded 2");
}

// In a context that is already cancelled, an add or take that would wait throws
// eio::Cancelled at once and leaves the stream as it was; it still works afterwards.
TEST_P(StreamTest, CancelledContextThrowsAtOnceWithoutSideEffects) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(0);
    Narrated t{trace, s};
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      try {
        t.add(1);
      } catch (const Cancelled& c) {
        trace("add: Cancelled (" + what(c.reason()) + ")");
      }
      try {
        t.take();
      } catch (const Cancelled& c) {
        trace("take: Cancelled (" + what(c.reason()) + ")");
      }
      trace("left: " + std::to_string(s.length()));
      cancel::protect([&] { fiber::both([&] { t.add(3); }, [&] { t.take(); }); });
    });
  });
  EXPECT_EQ(trace.str(),
            "add 1\nadd: Cancelled (stop)\ntake\ntake: Cancelled (stop)\nleft: 0\n"
            "add 3\ntake\ntook 3\nadded 3");
}

// The same on a full buffered stream and an empty one.
TEST_P(StreamTest, CancelledContextOnFullOrEmptyBufferedStream) {
  Trace trace;
  run([&](Env&) {
    Stream<int> full(1);
    full.add(1);
    Stream<int> empty(1);
    cancel::sub([&](cancel::Context& cc) {
      cc.cancel(std::make_exception_ptr(Stop()));
      try {
        full.add(2);
      } catch (const Cancelled&) {
        trace("add to full stream: Cancelled");
      }
      try {
        empty.take();
      } catch (const Cancelled&) {
        trace("take from empty stream: Cancelled");
      }
    });
    empty.add(5);
    int head = full.take();
    trace("full holds " + std::to_string(head) + ", then " + std::to_string(full.length()) +
          " more");
    trace("empty now gives " + std::to_string(empty.take()));
  });
  EXPECT_EQ(trace.str(),
            "add to full stream: Cancelled\n"
            "take from empty stream: Cancelled\n"
            "full holds 1, then 0 more\n"
            "empty now gives 5");
}

TEST_P(StreamTest, NegativeCapacityIsRejected) {
  Trace trace;
  run([&](Env&) {
    try {
      Stream<int> s(-1);
      trace("created");
    } catch (const std::invalid_argument& e) {
      trace(e.what());
    }
  });
  EXPECT_EQ(trace.str(), "eio::Stream: negative capacity");
}

// An unbounded stream never makes a writer wait, and keeps its items in order.
TEST_P(StreamTest, UnboundedNeverBlocksTheWriter) {
  Trace trace;
  run([&](Env&) {
    Stream<int> s(Stream<int>::unbounded);
    for (int i = 0; i < 1000; ++i) s.add(i);
    trace("length " + std::to_string(s.length()));
    bool in_order = true;
    for (int i = 0; i < 1000; ++i) in_order = in_order && s.take() == i;
    trace(in_order ? "in order" : "out of order");
  });
  EXPECT_EQ(trace.str(), "length 1000\nin order");
}

// Items need only be movable: a unique_ptr passes through a buffer and a rendezvous.
TEST_P(StreamTest, MoveOnlyItems) {
  Trace trace;
  run([&](Env&) {
    Stream<std::unique_ptr<std::string>> buffered(1);
    buffered.add(std::make_unique<std::string>("buffered"));
    trace(*buffered.take());
    Stream<std::unique_ptr<std::string>> rendezvous(0);
    fiber::both([&] { rendezvous.add(std::make_unique<std::string>("handed over")); },
                [&] { trace(*rendezvous.take()); });
  });
  EXPECT_EQ(trace.str(), "buffered\nhanded over");
}

}  // namespace
}  // namespace eio::test
