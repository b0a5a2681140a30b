// The scripted mock flow, and the flow helpers tested precisely with it: short reads,
// partial writes, end-of-file mid-frame, a peer hanging up, a slow peer.

#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

using mock::Action;

class Mock_flow : public Backends {};
EIO_TEST_ON_BOTH_BACKENDS(Mock_flow);

TEST_P(Mock_flow, ShortReadsAreStitchedByReadExact) {
  run([&](Env&) {
    mock::Flow peer("peer");
    peer.on_read({Action::give("he"), Action::give("l"), Action::give("lo!")});
    char buf[5];
    flow::read_exact(peer, buf);
    EXPECT_EQ(std::string(buf, 5), "hello");
    EXPECT_EQ(peer.log(), (std::vector<std::string>{"peer: read \"he\"", "peer: read \"l\"",
                                                    "peer: read \"lo\""}));
    char rest;
    EXPECT_EQ(peer.read_some(std::span(&rest, 1)), 1u);
    EXPECT_EQ(rest, '!');
  });
}

TEST_P(Mock_flow, EndOfFileMidFrame) {
  run([&](Env&) {
    mock::Flow peer("peer");
    peer.on_read({Action::give("abc"), Action::end_of_file()});
    char buf[8];
    EXPECT_THROW(flow::read_exact(peer, buf), End_of_file);
    EXPECT_EQ(std::string(buf, 3), "abc");
  });
}

TEST_P(Mock_flow, PartialWritesAreContinued) {
  run([&](Env&) {
    mock::Flow peer("peer");
    peer.on_write({Action::take(2), Action::take(3), Action::take_all()});
    std::string_view parts[] = {"abc", "defg"};
    peer.write(parts);
    EXPECT_EQ(peer.written(), "abcdefg");
    EXPECT_EQ(peer.log(), (std::vector<std::string>{"peer: wrote \"ab\"", "peer: wrote \"cde\"",
                                                    "peer: wrote \"fg\""}));
  });
}

TEST_P(Mock_flow, HangUpMidWriteIsTheScriptedError) {
  run([&](Env&) {
    mock::Flow peer("peer");
    peer.on_write({Action::take(4), Action::fail(std::make_exception_ptr(
                                        Io_error(std::errc::connection_reset, "writing")))});
    try {
      peer.write("0123456789");
      ADD_FAILURE() << "the write survived a reset";
    } catch (const Io_error& e) {
      EXPECT_EQ(e.code(), std::errc::connection_reset);
    }
    EXPECT_EQ(peer.written(), "0123");
  });
}

TEST_P(Mock_flow, SlowPeerBlocksUntilReleasedAndLogsInOrder) {
  run([&](Env&) {
    std::vector<std::string> log;
    mock::Flow a("a", &log);
    mock::Flow b("b", &log);
    auto [released, release] = Promise<void>::create();
    a.on_read({Action::wait_for(released), Action::give("late")});
    b.on_read({Action::yield_then(Action::give("early"))});
    fiber::both(
        [&] {
          char buf[8];
          a.read_some(buf);
        },
        [&] {
          char buf[8];
          b.read_some(buf);
          release.resolve();
        });
    EXPECT_EQ(log,
              (std::vector<std::string>{"a: waiting", "b: read \"early\"", "a: read \"late\""}));
  });
}

TEST_P(Mock_flow, CopyStopsAtEndOfFileAndShutdownIsLogged) {
  run([&](Env&) {
    mock::Flow src("src");
    src.on_read({Action::give("one "), Action::give("two")});
    flow::Buffer_sink out;
    flow::copy(src, out);
    EXPECT_EQ(out.str(), "one two");
    src.shutdown(flow::Shutdown::send);
    EXPECT_EQ(src.log().back(), "src: shutdown send");
    src.on_write({Action::give("x")});
    EXPECT_THROW(src.write("y"), std::logic_error);
  });
}

}  // namespace
}  // namespace eio::test
