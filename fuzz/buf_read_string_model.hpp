#pragma once
// The plain-string model of eio::Buf_read that the fuzz check compares against: the whole
// input in one string, a position, and the max_size rules of include/eio/buf_read.hpp
// stated directly (no buffer, no chunks). Every parser here is written from the header's
// doc comments, so that a disagreement points at either the code or the documentation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eio::fuzz {

/// The Buf_read calls the fuzz check makes. `_view` kinds run the view twin.
enum class Read_kind : std::uint8_t {
  ensure,
  peek,
  consume,
  any_char,
  peek_char,
  expect_char,
  expect_string,
  uint8,
  be16,
  be32,
  be64,
  le16,
  le32,
  le64,
  line,
  line_view,
  take,
  take_view,
  take_all,
  take_all_view,
  take_while,
  take_while_view,
  take_while1,
  take_while1_view,
  skip_while,
  skip_while1,
  skip,
  at_end_of_input,
  end_of_input,
  lines,
  seq_take,     // seq() of take(n), collected
  lines_stale,  // a lines() range used after another read: std::logic_error
  move,         // move-constructs a new reader from the current one
  count
};

/// One call with its arguments (`n` for sizes, `c`/`s` for expected bytes, `pred` picks a
/// predicate for the *_while kinds).
struct Read_op {
  Read_kind kind = Read_kind::peek;
  std::size_t n = 0;
  char c = 0;
  std::string s{};
  int pred = 0;
};

/// The predicates the *_while kinds use; `which` is Read_op::pred.
bool read_pred(int which, char c);
/// A readable form of an op, for failure reports.
std::string describe(const Read_op& op);

/// The model: results as strings, failures as the same exceptions eio throws.
class String_model {
 public:
  String_model(std::string_view input, std::size_t max_size) : input_(input), max_(max_size) {}

  /// Runs `op`. `real_buffered` is what the real reader had buffered before the call (only
  /// consume() depends on it, and the harness checks buffering separately).
  std::string apply(const Read_op& op, std::size_t real_buffered);

  std::size_t consumed() const noexcept { return pos_; }
  std::string_view rest() const noexcept { return input_.substr(pos_); }
  /// True once some call had to find the end of input, so a real reader has read it all:
  /// from then on everything left is buffered.
  bool saw_end() const noexcept { return saw_end_; }
  /// Moves the position to `pos`: only to follow a known bug that the harness tolerates.

  // Single parsers, also used by the harness's end-of-parse rules.
  std::string take(std::size_t n);
  std::string line();
  void end_of_input();

 private:
  [[noreturn]] void end_of_file();
  std::uint64_t integer(std::size_t size, bool big_endian);
  char any_char();
  void expect_char(char c);
  void expect_string(std::string_view s);
  std::string take_all();
  std::size_t run_length(int pred) const;
  std::string take_while(int pred, bool at_least_one);
  void skip_while(int pred, bool at_least_one);
  void skip(std::size_t n);
  std::string lines();
  std::string seq_take(std::size_t n);
  std::string lines_stale();

  std::string_view input_;
  std::size_t pos_ = 0;
  std::size_t max_;
  bool saw_end_ = false;
};

}  // namespace eio::fuzz
