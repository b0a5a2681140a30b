// Buf_read: Eio's buf_reader.md scenarios (EOF mid-token, buffer limits, CRLF, chunk
// boundaries) and the views, ranges and parse entry points of SPEC §5.

#include "eio/buf_read.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "support/eio_test.hpp"

namespace {

using eio::Buf_read;
using eio::test::Trace;

// A source that gives its data in chunks of the given sizes (the last size repeats), and
// counts the reads: a Buf_read refills exactly when `reads` goes up.
class Chunked_source : public eio::flow::Source {
 public:
  Chunked_source(std::string data, std::vector<std::size_t> chunks)
      : data_(std::move(data)), chunks_(std::move(chunks)) {}
  int reads = 0;

 protected:
  std::size_t do_read_some(std::span<char> buf) override {
    if (pos_ == data_.size()) throw eio::End_of_file();
    std::size_t chunk =
        chunks_[std::min<std::size_t>(static_cast<std::size_t>(reads), chunks_.size() - 1)];
    std::size_t n = std::min({chunk, buf.size(), data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    ++reads;
    return n;
  }

 private:
  std::string data_;
  std::vector<std::size_t> chunks_;
  std::size_t pos_ = 0;
};

// Lines end at "\n" or "\r\n"; the last one may have neither; a lone '\r' is data.
TEST(BufRead, LinesAcceptLfAndCrlfAndAFinalUnterminatedLine) {
  auto r = Buf_read::of_string("one\ntwo\r\n\nfour\rfour\nlast");
  std::vector<std::string> got;
  for (const std::string& line : r.lines()) got.push_back(line);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "", "four\rfour", "last"}));
  EXPECT_THROW(r.line(), eio::End_of_file);
  auto again = Buf_read::of_string("first line\r\nsecond");
  std::string into = "old contents";
  again.line_into(into);
  EXPECT_EQ(into, "first line");
  again.line_into(into);
  EXPECT_EQ(into, "second");
  EXPECT_THROW(again.line_into(into), eio::End_of_file);
}

// Every chunking of the input gives the same lines, including "\r" and "\n" in different
// reads.
TEST(BufRead, LinesSplitAcrossReadsAgreeForEveryChunkSize) {
  const std::string input = "alpha\r\nbeta\n\r\ngamma\r\n";
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    Chunked_source src(input, {chunk});
    Buf_read r(src, {.max_size = 64, .initial_size = 1});
    EXPECT_EQ(r.line(), "alpha");
    EXPECT_EQ(r.line(), "beta");
    EXPECT_EQ(r.line(), "");
    EXPECT_EQ(r.line(), "gamma");
    EXPECT_TRUE(r.at_end_of_input()) << "chunk " << chunk;
  }
}

// Eio's "minimising reads": each refill reads as much as the buffer has room for, and the
// buffer doubles (4, 8, then 10 = max_size) only when a parser needs more.
TEST(BufRead, RefillsFillTheBufferAndGrowItByDoubling) {
  Chunked_source src("hello world!", {100});
  Buf_read r(src, {.max_size = 10, .initial_size = 4});
  Trace trace;
  for (std::size_t n : {1, 4, 5, 9, 10}) {
    r.ensure(n);
    trace("ensure " + std::to_string(n) + ": " + std::string(r.peek()) + " after " +
          std::to_string(src.reads) + " reads");
  }
  EXPECT_THROW(r.ensure(11), eio::Buffer_limit_exceeded);
  r.consume(6);
  r.ensure(6);  // "world!" fits once "hello " is gone
  trace("after consume: " + std::string(r.peek()) + " after " + std::to_string(src.reads) +
        " reads");
  EXPECT_EQ(trace.str(),
            "ensure 1: hell after 1 reads\n"
            "ensure 4: hell after 1 reads\n"
            "ensure 5: hello wo after 2 reads\n"
            "ensure 9: hello worl after 3 reads\n"
            "ensure 10: hello worl after 3 reads\n"
            "after consume: world! after 4 reads");
}

// A source that fills every read (like a file) is read in growing pieces, up to 64 KiB, so
// 1 MiB costs a few dozen reads rather than 256 of 4 KiB.
TEST(BufRead, BulkInputIsReadInBiggerPieces) {
  Chunked_source src(std::string(std::size_t{1} << 20, 'x'), {std::size_t{1} << 30});
  Buf_read r(src);
  std::size_t n = 0;
  while (r.peek_char()) {
    r.any_char();
    ++n;
  }
  EXPECT_EQ(n, std::size_t{1} << 20);
  EXPECT_LT(src.reads, 32);
}

// A token cut short by end-of-file throws End_of_file and leaves what was read buffered.
TEST(BufRead, EofMidTokenKeepsTheBytes) {
  Chunked_source src("abc", {2});
  Buf_read r(src);
  EXPECT_THROW(r.take(5), eio::End_of_file);
  EXPECT_EQ(r.peek(), "abc");
  EXPECT_THROW(r.be32(), eio::End_of_file);
  EXPECT_EQ(r.take(3), "abc");
  EXPECT_FALSE(r.peek_char().has_value());
  EXPECT_THROW(r.any_char(), eio::End_of_file);
}

// max_size bounds every parser; take_all needs room for one byte past the end.
TEST(BufRead, MaxSizeBoundsEveryParser) {
  {
    Chunked_source src("abcdefgh\n", {3});
    Buf_read r(src, {.max_size = 4});
    EXPECT_THROW(r.line(), eio::Buffer_limit_exceeded);
  }
  {
    auto src = eio::flow::string_source("abcdefgh");
    Buf_read r(src, {.max_size = 4});
    EXPECT_THROW(r.take(5), eio::Buffer_limit_exceeded);
    EXPECT_EQ(r.take(4), "abcd");
    EXPECT_THROW(r.take_all(), eio::Buffer_limit_exceeded);  // 4 bytes left: no room for a 5th
  }
  {
    auto src = eio::flow::string_source("abc");
    Buf_read r(src, {.max_size = 4});
    EXPECT_EQ(r.take_all(), "abc");
  }
  {
    auto src = eio::flow::string_source("aaaaaaaaab");
    Buf_read r(src, {.max_size = 4});
    EXPECT_THROW(r.take_while([](char c) { return c == 'a'; }), eio::Buffer_limit_exceeded);
  }
}

// skip_while and skip discard as they go, so they are not limited by max_size.
TEST(BufRead, SkippingIsNotLimitedByMaxSize) {
  Chunked_source src(std::string(10000, ' ') + "x" + std::string(10000, 'y') + "z", {7});
  Buf_read r(src, {.max_size = 16});
  r.skip_while([](char c) { return c == ' '; });
  EXPECT_EQ(r.any_char(), 'x');
  r.skip(10000);
  EXPECT_EQ(r.any_char(), 'z');
  EXPECT_THROW(r.skip(1), eio::End_of_file);
  auto empty = Buf_read::of_string("");  // no buffer at all: skipping must still end
  EXPECT_THROW(empty.skip(1), eio::End_of_file);
  auto drained = Buf_read::of_string("ab");
  EXPECT_THROW(drained.skip(5), eio::End_of_file);
  EXPECT_EQ(drained.consumed_bytes(), 2u);
  auto short_src = eio::flow::string_source("abcdef");
  Buf_read short_read(short_src);
  EXPECT_THROW(short_read.skip(10), eio::End_of_file);
  EXPECT_EQ(short_read.consumed_bytes(), 6u) << "a failed skip discards everything it read";
  EXPECT_EQ(short_read.peek(), "");
}

// A 1 GB line against a 1 MiB limit: Buffer_limit_exceeded after reading about 1 MiB,
// with no more memory than that.
TEST(BufRead, HugeLineHitsLimitNotMemory) {
  class Endless_line : public eio::flow::Source {
   public:
    std::size_t given = 0;

   protected:
    std::size_t do_read_some(std::span<char> buf) override {
      const std::size_t total = std::size_t{1} << 30;
      if (given == total) throw eio::End_of_file();
      std::size_t n = std::min(buf.size(), total - given);
      std::fill_n(buf.data(), n, 'x');
      given += n;
      return n;
    }
  };
  auto peak_rss_kib = [] {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
    }
    return -1L;
  };
  long before = peak_rss_kib();
  Endless_line src;
  Buf_read r(src, {.max_size = std::size_t{1} << 20});
  EXPECT_THROW(r.line(), eio::Buffer_limit_exceeded);
  EXPECT_LE(src.given, std::size_t{1} << 20);
  EXPECT_LT(peak_rss_kib() - before, 32 * 1024) << "peak RSS grew by more than 32 MiB";
}

// Views point into the buffer: they stay valid (and unchanged) through every call that is
// answered from buffered bytes, and only a refill (a new read) may move them.
TEST(BufRead, ViewInvalidatedOnlyByRefill) {
  Chunked_source src("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nbody", {64, 4});
  Buf_read r(src, {.max_size = 64, .initial_size = 64});
  std::string_view method = r.take_while_view([](char c) { return c != ' '; });
  EXPECT_EQ(src.reads, 1);
  r.expect_char(' ');
  std::string_view path = r.take_while1_view([](char c) { return c != ' '; });
  r.skip(1);
  std::string_view version = r.line_view();
  std::string_view host = r.line_view();
  std::string_view blank = r.line_view();
  EXPECT_EQ(r.peek(), "body");
  r.consume(2);
  EXPECT_EQ(r.any_char(), 'd');
  EXPECT_EQ(r.peek_char(), 'y');
  EXPECT_EQ(src.reads, 1) << "everything so far came from the first read";
  EXPECT_EQ(method, "GET");
  EXPECT_EQ(path, "/index.html");
  EXPECT_EQ(version, "HTTP/1.1");
  EXPECT_EQ(host, "Host: x");
  EXPECT_EQ(blank, "");
  r.any_char();
  EXPECT_TRUE(r.at_end_of_input());  // this one had to read (and found end-of-file)
  EXPECT_EQ(src.reads, 1);
}

// A reader over a string never refills, so its views last as long as the reader.
TEST(BufRead, StringReaderViewsLastAsLongAsTheReader) {
  auto r = Buf_read::of_string(std::string(100, 'a') + "\n" + std::string(100, 'b'));
  std::string_view first = r.line_view();
  std::string_view rest = r.take_all_view();
  EXPECT_EQ(first, std::string(100, 'a'));
  EXPECT_EQ(rest, std::string(100, 'b'));
  Buf_read moved(std::move(r));
  EXPECT_TRUE(moved.at_end_of_input());
  auto small = Buf_read::of_string(std::string("hi\n"));  // short enough to live in the object
  Buf_read small_moved(std::move(small));
  EXPECT_EQ(small_moved.line(), "hi");
}

// Characters, strings and integers, with the offset of a mismatch.
TEST(BufRead, ExpectReportsWhatWasThereAndWhere) {
  auto r = Buf_read::of_string("ab\x01\x02\x03\x04\x05\x06\x07\x08xyz");
  r.expect_char('a');
  try {
    r.expect_char('c');
    ADD_FAILURE() << "no error";
  } catch (const eio::Parse_error& e) {
    EXPECT_STREQ(e.what(), "expected 'c' but got 'b' (at offset 1)");
    EXPECT_EQ(e.offset(), 1u);
  }
  EXPECT_EQ(r.any_char(), 'b');  // the failed expect_char consumed nothing
  EXPECT_EQ(r.be16(), 0x0102);
  EXPECT_EQ(r.le16(), 0x0403);
  EXPECT_EQ(r.be32(), 0x05060708u);
  try {
    r.expect_string("xyw");
    ADD_FAILURE() << "no error";
  } catch (const eio::Parse_error& e) {
    EXPECT_STREQ(e.what(), "expected \"xyw\" but got \"xyz\" (at offset 10)");
  }
  r.expect_string("xy");
  EXPECT_THROW(r.expect_string("zz"), eio::End_of_file);
  auto ints = Buf_read::of_string(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8) +
                                  std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(ints.be64(), 0x0102030405060708u);
  EXPECT_EQ(ints.le64(), 0x0807060504030201u);
}

TEST(BufRead, WhileParsersAndTheirOneOrMoreForms) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto space = [](char c) { return c == ' '; };
  Chunked_source src("12 345  x", {1});
  Buf_read r(src);
  EXPECT_EQ(r.take_while1(digit), "12");
  r.skip_while1(space);
  EXPECT_EQ(r.take_while(digit), "345");
  r.skip_while1(space);
  EXPECT_EQ(r.take_while(digit), "");
  EXPECT_THROW(r.take_while1(digit), eio::Parse_error);
  EXPECT_THROW(r.skip_while1(space), eio::Parse_error);
  EXPECT_EQ(r.take_while([](char) { return true; }), "x");  // stops at end of input
  EXPECT_THROW(r.skip_while1(space), eio::Parse_error);
}

TEST(BufRead, ConsumeAndOptionsAreChecked) {
  auto r = Buf_read::of_string("ab");
  EXPECT_THROW(r.consume(3), std::invalid_argument);
  r.ensure(2);
  r.consume(2);
  EXPECT_EQ(r.consumed_bytes(), 2u);
  auto src = eio::flow::string_source("x");
  EXPECT_THROW(Buf_read(src, {.max_size = 0}), std::invalid_argument);
}

// parse() runs a parser over a whole source and insists on end of input.
TEST(BufRead, ParseChecksEndOfInputAndNamesTheOffset) {
  auto key_value = [](Buf_read& r) {
    std::string key = r.take_while1([](char c) { return c != '='; });
    r.expect_char('=');
    return std::make_pair(key, r.line());
  };
  EXPECT_EQ(eio::parse_string(key_value, "name=eio\n"),
            std::make_pair(std::string("name"), std::string("eio")));
  try {
    eio::parse_string(key_value, "name=eio\nmore");
    ADD_FAILURE() << "no error";
  } catch (const eio::Parse_error& e) {
    EXPECT_STREQ(e.what(), "unexpected data after parsing (at offset 9)");
  }
  try {
    auto src = eio::flow::string_source("name");
    eio::parse(key_value, src, {.max_size = 100});
    ADD_FAILURE() << "no error";
  } catch (const eio::Parse_error& e) {
    EXPECT_STREQ(e.what(), "unexpected end of input (at offset 4)");
  }
  auto src = eio::flow::string_source("long_key=b");
  EXPECT_THROW(eio::parse(key_value, src, {.max_size = 4}), eio::Buffer_limit_exceeded);
}

// seq(parser) is an input range of parses; using it after other reads is an error.
TEST(BufRead, SeqParsesUntilEndOfInput) {
  auto r = Buf_read::of_string(std::string_view("\x01\x00\x02\x00\x03\x00", 6));
  std::vector<int> got;
  for (std::uint16_t v : r.seq([](Buf_read& b) { return b.le16(); })) got.push_back(v);
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  auto r2 = Buf_read::of_string("a\nb\nc\n");
  auto lines = r2.lines();
  auto it = lines.begin();
  EXPECT_EQ(*it, "a");
  r2.line();  // behind the range's back
  EXPECT_THROW(++it, std::logic_error);
}

class BufReadFlow : public eio::test::Backends {};

// A parser blocked on a pipe is a cancellation point; the bytes it read stay buffered.
TEST_P(BufReadFlow, CancelledRefillKeepsWhatWasRead) {
  run([](eio::Env&) {
    eio::Switch::run([](eio::Switch& sw) {
      auto [rd, wr] = eio::os::pipe(sw);
      Buf_read r(rd);
      wr.write("abc");
      EXPECT_EQ(eio::test::cancel_while_blocked([&] { r.line(); }), "cancelled");
      wr.write("d\nlast");
      wr.close();
      EXPECT_EQ(r.line(), "abcd");
      EXPECT_EQ(r.line(), "last");
      EXPECT_TRUE(r.at_end_of_input());
    });
  });
}

// Lines from a real pipe fed by another fiber in odd-sized pieces.
TEST_P(BufReadFlow, ReadsLinesFromAPipeFedByAnotherFiber) {
  run([](eio::Env&) {
    eio::Switch::run([](eio::Switch& sw) {
      auto pipe = eio::os::pipe(sw);
      std::string expected;
      for (int i = 0; i < 2000; ++i) expected += "line " + std::to_string(i) + "\r\n";
      int n = 0;
      eio::fiber::both(
          [&] {
            for (std::size_t i = 0; i < expected.size(); i += 777) {
              pipe.sink.write(std::string_view(expected).substr(i, 777));
            }
            pipe.sink.close();
          },
          [&] {
            Buf_read r(pipe.source, {.max_size = 256, .initial_size = 16});
            for (const std::string& line : r.lines()) {
              EXPECT_EQ(line, "line " + std::to_string(n));
              ++n;
            }
          });
      EXPECT_EQ(n, 2000);
    });
  });
}

EIO_TEST_ON_BOTH_BACKENDS(BufReadFlow);

}  // namespace
