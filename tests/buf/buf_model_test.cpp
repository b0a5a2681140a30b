// Replays the fuzz checks of fuzz/ (Buf_read and Buf_write against plain string models) on
// inputs from a fixed-seed PRNG and on hand-written scenarios at the limits, so that every
// ctest run covers what `make fuzz` explores. A disagreement aborts with the scenario.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "../../fuzz/buf_read_model.hpp"
#include "../../fuzz/buf_write_model.hpp"

namespace {

using eio::fuzz::Read_kind;
using eio::fuzz::Read_op;
using eio::fuzz::Read_scenario;

// These checks throw thousands of exceptions; recording a backtrace for each (a documented
// knob, read at the first throw) would double their time.
void record_no_backtraces() {
  ::setenv("EIO_BACKTRACE", "0", 1);
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t max_len) {
  std::vector<std::uint8_t> bytes(rng() % (max_len + 1));
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

Read_op op(Read_kind kind, std::size_t n = 0) {
  return {.kind = kind, .n = n};
}
Read_op expect_char(char c) {
  return {.kind = Read_kind::expect_char, .c = c};
}
Read_op expect_string(std::string s) {
  return {.kind = Read_kind::expect_string, .s = std::move(s)};
}
Read_op while_op(Read_kind kind, int pred) {
  return {.kind = kind, .pred = pred};
}

// Hand-written scenarios at the edges of max_size, each over 1-byte reads and over one read
// (the checks also run them through of_string and parse).
std::vector<Read_scenario> limit_scenarios() {
  constexpr std::size_t kHuge = std::numeric_limits<std::size_t>::max();
  constexpr int kDigit = 0, kAny = 3, kNone = 4;
  std::vector<Read_scenario> all = {
      // A line and its '\n' must fit: "abcd\n" does not in 4 bytes, "ab\r\n" does.
      {.max_size = 4,
       .initial_size = 1,
       .input = "abc\nabcd\nab\r\nxyz",
       .ops = {op(Read_kind::line), op(Read_kind::line), op(Read_kind::take_view, 4),
               expect_char('\n'), op(Read_kind::line_view), op(Read_kind::line),
               op(Read_kind::at_end_of_input), op(Read_kind::line)}},
      // take_all needs room for one byte past the end: 4 bytes fail, 3 fit.
      {.max_size = 4,
       .input = "abcd",
       .ops = {op(Read_kind::take_all), op(Read_kind::any_char), op(Read_kind::take_all_view)}},
      // expect_string compares what fits: a mismatch past max_size is not seen.
      {.max_size = 4,
       .input = "abcdefgh",
       .ops = {expect_string("abcdefgh"), expect_string("abcX"), expect_string("abcdeX"),
               expect_string("abcd"), expect_string("efghi"), op(Read_kind::take, 4)}},
      // skip and skip_while discard as they go, past max_size and past the end.
      {.max_size = 3,
       .input = std::string(40, '1') + "a" + std::string(40, 'a'),
       .ops = {op(Read_kind::skip, 20), while_op(Read_kind::take_while, kDigit),
               while_op(Read_kind::skip_while, kDigit), while_op(Read_kind::skip_while1, kAny),
               while_op(Read_kind::skip_while1, kAny), op(Read_kind::skip, kHuge)}},
      // Runs: the byte after a run must fit; take_while1 and skip_while1 need one match.
      {.max_size = 5,
       .input = "11112222211111a",
       .ops = {while_op(Read_kind::take_while1, kNone),
               while_op(Read_kind::take_while1_view, kDigit), op(Read_kind::take, 5),
               while_op(Read_kind::take_while_view, kDigit),
               while_op(Read_kind::take_while1, kDigit), op(Read_kind::end_of_input)}},
      // Integers wider than max_size cannot be read; ensure and take past it neither.
      {.max_size = 3,
       .input = "\x01\x02\x03\x04\x05",
       .ops = {op(Read_kind::be32), op(Read_kind::le16), op(Read_kind::ensure, 4),
               op(Read_kind::ensure, 3), op(Read_kind::consume, 2), op(Read_kind::take, kHuge),
               op(Read_kind::uint8), op(Read_kind::be16), op(Read_kind::peek_char)}},
      // Views survive peek and consume; ranges stop at the end or when used stale.
      {.max_size = 64,
       .initial_size = 2,
       .input = "hello world\nab\ncd",
       .ops = {op(Read_kind::take_view, 5), op(Read_kind::peek), op(Read_kind::consume, 1),
               op(Read_kind::take_view, 5), op(Read_kind::move), op(Read_kind::lines_stale),
               op(Read_kind::seq_take, 2), op(Read_kind::lines)}},
      // A max_size of 0 is refused.
      {.max_size = 0, .input = "x", .ops = {op(Read_kind::any_char)}},
  };
  std::vector<Read_scenario> out;
  for (Read_scenario s : all) {
    for (std::vector<std::size_t> chunks :
         {std::vector<std::size_t>{1}, std::vector<std::size_t>{}}) {
      for (int string_reader = 0; string_reader < 3; ++string_reader) {
        s.chunks = chunks;
        s.string_reader = string_reader;
        out.push_back(s);
      }
    }
  }
  return out;
}

// Every parser call on every chunking of the input agrees with the string model: results,
// exceptions, consumed_bytes() and what stays buffered.
TEST(BufReadModel, EveryChunkingAgrees) {
  record_no_backtraces();
  for (const Read_scenario& s : limit_scenarios()) eio::fuzz::check_buf_read(s);
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 2500; ++i) {
    std::vector<std::uint8_t> input = random_bytes(rng, 256);
    // Bytes 3 and 4 size the input (see decode): keep some room for calls after it.
    if (input.size() > 4) {
      input[3] = static_cast<std::uint8_t>(input[3] % 96);
      input[4] = static_cast<std::uint8_t>(input[4] % 128);
    }
    eio::fuzz::check_buf_read(input.data(), input.size());
  }
}

// Whatever the interleaving of writes, flushes, pauses and yields, and however the sink
// splits and delays its writes, the sink receives exactly the concatenation of the writes.
TEST(BufWriteModel, AnyInterleavingIsTheConcatenation) {
  record_no_backtraces();
  std::mt19937_64 rng(19700101);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> input = random_bytes(rng, 400);
    eio::fuzz::check_buf_write(input.data(), input.size());
  }
}

}  // namespace
