// The generic flow helpers over in-memory flows (Eio's tests/flow.md). They never touch
// the event loop, so they run as plain tests.

#include <stdexcept>
#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace eio::test {
namespace {

// A source that hands out its chunks one per read_some, to show helpers cope with short reads.
class Chunked_source final : public flow::Source {
 public:
  explicit Chunked_source(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}
  int reads = 0;

 protected:
  std::size_t do_read_some(std::span<char> buf) override {
    ++reads;
    if (next_ == chunks_.size()) throw End_of_file();
    std::string& c = chunks_[next_];
    std::size_t n = std::min(buf.size(), c.size());
    std::copy_n(c.data(), n, buf.data());
    c.erase(0, n);
    if (c.empty()) ++next_;
    return n;
  }

 private:
  std::vector<std::string> chunks_;
  std::size_t next_ = 0;
};

TEST(Flow, StringSourceGivesItsBytesThenEndOfFile) {
  auto src = flow::string_source("hello");
  char buf[3];
  EXPECT_EQ(src.read_some(buf), 3u);
  EXPECT_EQ(std::string(buf, 3), "hel");
  EXPECT_EQ(src.remaining(), "lo");
  EXPECT_EQ(src.read_some(buf), 2u);
  EXPECT_THROW(src.read_some(buf), End_of_file);
}

TEST(Flow, ReadSomeRejectsAnEmptyBuffer) {
  auto src = flow::string_source("x");
  EXPECT_THROW(src.read_some(std::span<char>()), std::invalid_argument);
}

TEST(Flow, CopyMovesEverythingAcrossShortReads) {
  Chunked_source src({"a", "bc", "def"});
  flow::Buffer_sink out;
  flow::copy(src, out);
  EXPECT_EQ(out.str(), "abcdef");
}

TEST(Flow, ReadExactSpansSeveralReads) {
  Chunked_source src({"ab", "cd", "ef"});
  char buf[5];
  flow::read_exact(src, buf);
  EXPECT_EQ(std::string(buf, 5), "abcde");
  EXPECT_EQ(src.reads, 3);
}

TEST(Flow, ReadExactThrowsEndOfFileWhenTheSourceEndsFirst) {
  Chunked_source src({"ab"});
  char buf[5];
  EXPECT_THROW(flow::read_exact(src, buf), End_of_file);
}

TEST(Flow, ReadAllCollectsALongSource) {
  std::string big(100'000, 'z');
  big[77'777] = 'q';
  EXPECT_EQ(flow::read_all(flow::string_source(big)), big);
  EXPECT_EQ(flow::read_all(flow::string_source("")), "");
}

TEST(Flow, VectoredWriteKeepsOrderAndSkipsEmptyBuffers) {
  flow::Buffer_sink out;
  std::string_view parts[] = {"", "ab", "", "c"};
  out.write(parts);
  out.write("");
  out.write("d");
  EXPECT_EQ(out.str(), "abcd");
  EXPECT_EQ(out.take(), "abcd");
  EXPECT_EQ(out.str(), "");
}

TEST(Flow, NullFlowIsAtEndOfFileAndSwallowsWrites) {
  flow::Null null;
  null.write("gone");
  null.shutdown(flow::Shutdown::all);
  char c;
  EXPECT_THROW(null.read_some(std::span(&c, 1)), End_of_file);
  flow::Buffer_sink out;
  flow::copy(null, out);
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace eio::test
