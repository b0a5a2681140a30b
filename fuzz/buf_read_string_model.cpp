// The plain-string model of Buf_read. The max_size rules follow from "a parser that would
// need more than max_size buffered bytes throws": to return a line a reader must hold it and
// its '\n'; to know a run or the input ended it must hold one byte past it.

#include "buf_read_string_model.hpp"

#include <stdexcept>

#include "eio/errors.hpp"
#include "fuzz_input.hpp"

namespace eio::fuzz {
namespace {

const char* const kKindNames[] = {"ensure",        "peek",
                                  "consume",       "any_char",
                                  "peek_char",     "expect_char",
                                  "expect_string", "uint8",
                                  "be16",          "be32",
                                  "be64",          "le16",
                                  "le32",          "le64",
                                  "line",          "line_view",
                                  "take",          "take_view",
                                  "take_all",      "take_all_view",
                                  "take_while",    "take_while_view",
                                  "take_while1",   "take_while1_view",
                                  "skip_while",    "skip_while1",
                                  "skip",          "at_end_of_input",
                                  "end_of_input",  "lines",
                                  "seq_take",      "lines_stale",
                                  "move"};
static_assert(std::size(kKindNames) == static_cast<std::size_t>(Read_kind::count));

const char* const kPredNames[] = {"digit", "is_a", "not_newline", "any", "none"};

// A byte inside '...' as Buf_read's messages show it.
std::string char_text(char c) {
  std::string q = quoted(std::string_view(&c, 1));
  return q.substr(1, q.size() - 2);
}

// Lists are shown with lengths, so that ["a", "b"] and ["ab"] differ.
void append_item(std::string& out, std::string_view item) {
  out += std::to_string(item.size());
  out += ':';
  out += item;
  out += ';';
}

}  // namespace

bool read_pred(int which, char c) {
  switch (which) {
    case 0:
      return c >= '0' && c <= '9';
    case 1:
      return c == 'a';
    case 2:
      return c != '\n';
    case 3:
      return true;
    default:
      return false;
  }
}

std::string describe(const Read_op& op) {
  std::string out = kKindNames[static_cast<std::size_t>(op.kind)];
  switch (op.kind) {
    case Read_kind::ensure:
    case Read_kind::consume:
    case Read_kind::take:
    case Read_kind::take_view:
    case Read_kind::skip:
    case Read_kind::seq_take:
      return out + "(" + std::to_string(op.n) + ")";
    case Read_kind::expect_char:
      return out + "(" + quoted(std::string_view(&op.c, 1)) + ")";
    case Read_kind::expect_string:
      return out + "(" + quoted(op.s) + ")";
    case Read_kind::take_while:
    case Read_kind::take_while_view:
    case Read_kind::take_while1:
    case Read_kind::take_while1_view:
    case Read_kind::skip_while:
    case Read_kind::skip_while1:
      return out + "(" + kPredNames[op.pred] + ")";
    default:
      return out;
  }
}

void String_model::end_of_file() {
  saw_end_ = true;
  throw End_of_file();
}

std::string String_model::take(std::size_t n) {
  if (n > max_) throw Buffer_limit_exceeded();
  if (n > rest().size()) end_of_file();  // nothing is consumed
  std::string out(rest().substr(0, n));
  pos_ += n;
  return out;
}

std::uint64_t String_model::integer(std::size_t size, bool big_endian) {
  std::string bytes = take(size);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) {
    auto b = static_cast<unsigned char>(bytes[big_endian ? i : size - 1 - i]);
    v = (v << 8) | b;
  }
  return v;
}

char String_model::any_char() {
  if (rest().empty()) end_of_file();
  return input_[pos_++];
}

void String_model::expect_char(char c) {
  if (rest().empty()) end_of_file();
  if (rest()[0] != c) {
    throw Parse_error("expected '" + char_text(c) + "' but got '" + char_text(rest()[0]) + "'",
                      pos_);
  }
  ++pos_;
}

// Byte i of `s` can only be compared once i + 1 bytes fit in the buffer.
void String_model::expect_string(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i >= max_) throw Buffer_limit_exceeded();
    if (i >= rest().size()) end_of_file();
    if (rest()[i] != s[i]) throw Parse_error("", pos_);
  }
  pos_ += s.size();
}

std::string String_model::line() {
  std::string_view r = rest();
  std::size_t nl = r.find('\n');
  if (nl != std::string_view::npos) {
    if (nl >= max_) throw Buffer_limit_exceeded();  // the line and its '\n' must fit
    std::string_view text = r.substr(0, nl);
    if (text.ends_with('\r')) text.remove_suffix(1);
    pos_ += nl + 1;
    return std::string(text);
  }
  if (r.size() >= max_) throw Buffer_limit_exceeded();  // no room to see the end
  if (r.empty()) end_of_file();
  saw_end_ = true;
  pos_ += r.size();
  return std::string(r);  // the last line, as it is ('\r' included)
}

std::string String_model::take_all() {
  if (rest().size() >= max_) throw Buffer_limit_exceeded();
  saw_end_ = true;
  std::string out(rest());
  pos_ = input_.size();
  return out;
}

std::size_t String_model::run_length(int pred) const {
  std::string_view r = rest();
  std::size_t i = 0;
  while (i < r.size() && read_pred(pred, r[i])) ++i;
  return i;
}

std::string String_model::take_while(int pred, bool at_least_one) {
  std::size_t i = run_length(pred);
  if (i >= max_) throw Buffer_limit_exceeded();  // the byte after the run must fit too
  if (i == rest().size()) saw_end_ = true;
  if (at_least_one && i == 0) throw Parse_error("", pos_);
  std::string out(rest().substr(0, i));
  pos_ += i;
  return out;
}

void String_model::skip_while(int pred, bool at_least_one) {
  if (at_least_one) {
    if (rest().empty()) saw_end_ = true;
    if (rest().empty() || !read_pred(pred, rest()[0])) throw Parse_error("", pos_);
  }
  std::size_t i = run_length(pred);
  if (i == rest().size()) saw_end_ = true;
  pos_ += i;
}

void String_model::skip(std::size_t n) {
  if (n > rest().size()) {
    pos_ = input_.size();  // "having discarded everything"
    end_of_file();
  }
  pos_ += n;
}

void String_model::end_of_input() {
  if (!rest().empty()) throw Parse_error("unexpected data after parsing", pos_);
  saw_end_ = true;
}

std::string String_model::lines() {
  std::string out;
  while (!rest().empty()) append_item(out, line());
  saw_end_ = true;
  return out;
}

std::string String_model::seq_take(std::size_t n) {
  std::string out;
  while (!rest().empty()) append_item(out, take(n));
  saw_end_ = true;
  return out;
}

// The range parses its first line, then any_char() reads behind its back.
std::string String_model::lines_stale() {
  if (rest().empty()) {
    saw_end_ = true;
    return "end";
  }
  line();
  any_char();
  throw std::logic_error("stale range");
}

std::string String_model::apply(const Read_op& op, std::size_t real_buffered) {
  switch (op.kind) {
    case Read_kind::ensure:
      if (op.n > max_) throw Buffer_limit_exceeded();
      if (op.n > rest().size()) end_of_file();
      return "ok";
    case Read_kind::peek:
    case Read_kind::move:
      return "ok";
    case Read_kind::consume:
      if (op.n > real_buffered) throw std::invalid_argument("consume");
      pos_ += op.n;
      return "ok";
    case Read_kind::any_char:
      return std::string(1, any_char());
    case Read_kind::peek_char:
      if (rest().empty()) {
        saw_end_ = true;
        return "none";
      }
      return "some " + std::string(1, rest()[0]);
    case Read_kind::expect_char:
      expect_char(op.c);
      return "ok";
    case Read_kind::expect_string:
      expect_string(op.s);
      return "ok";
    case Read_kind::uint8:
      return std::to_string(integer(1, true));
    case Read_kind::be16:
      return std::to_string(integer(2, true));
    case Read_kind::be32:
      return std::to_string(integer(4, true));
    case Read_kind::be64:
      return std::to_string(integer(8, true));
    case Read_kind::le16:
      return std::to_string(integer(2, false));
    case Read_kind::le32:
      return std::to_string(integer(4, false));
    case Read_kind::le64:
      return std::to_string(integer(8, false));
    case Read_kind::line:
    case Read_kind::line_view:
      return line();
    case Read_kind::take:
    case Read_kind::take_view:
      return take(op.n);
    case Read_kind::take_all:
    case Read_kind::take_all_view:
      return take_all();
    case Read_kind::take_while:
    case Read_kind::take_while_view:
      return take_while(op.pred, false);
    case Read_kind::take_while1:
    case Read_kind::take_while1_view:
      return take_while(op.pred, true);
    case Read_kind::skip_while:
      skip_while(op.pred, false);
      return "ok";
    case Read_kind::skip_while1:
      skip_while(op.pred, true);
      return "ok";
    case Read_kind::skip:
      skip(op.n);
      return "ok";
    case Read_kind::at_end_of_input:
      if (!rest().empty()) return "false";
      saw_end_ = true;
      return "true";
    case Read_kind::end_of_input:
      end_of_input();
      return "ok";
    case Read_kind::lines:
      return lines();
    case Read_kind::seq_take:
      return seq_take(op.n);
    case Read_kind::lines_stale:
      return lines_stale();
    case Read_kind::count:
      break;
  }
  throw std::logic_error("bad op");
}

}  // namespace eio::fuzz
