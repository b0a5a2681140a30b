#pragma once
// Buffered reading and parsing (SPEC §5): eio::Buf_read wraps a flow::Source in a buffer and
// offers small parsers (a character, a line, a big-endian integer...) that users combine
// with ordinary C++.
//
//   eio::Buf_read r(socket, {.max_size = 64 * 1024});
//   std::string request_line = r.line();
//   for (const std::string& header : r.lines()) { if (header.empty()) break; ... }
//
// Views. Each owning parser has a `_view` twin returning a std::string_view into the buffer.
// A view stays valid until the next call that may *refill*: any call that needs more bytes
// than are buffered (ensure, any_char/peek_char/expect_char at the end of the buffer, line,
// take, take_all, take_while, skip, skip_while, at_end_of_input, the integer readers...).
// Calls answered from buffered bytes never move them, and peek(), consume(),
// buffered_bytes() and consumed_bytes() never refill. A reader over a string never refills,
// so its views live as long as the reader.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "eio/errors.hpp"
#include "eio/flow.hpp"

namespace eio {

/// Options for eio::Buf_read. `max_size` bounds how many bytes are ever buffered: a parser
/// that would need more (a line longer than that, take(n) with a bigger n) throws
/// eio::Buffer_limit_exceeded instead of allocating. The buffer starts at `initial_size`
/// bytes (0 means min(4096, max_size)) and doubles as needed up to `max_size`; while the
/// source fills every read (a file, a busy pipe) it also doubles, up to 64 KiB, so that bulk
/// input costs fewer system calls.
struct Buf_read_options {
  std::size_t max_size = std::size_t{1} << 20;
  std::size_t initial_size = 0;
};

class Buf_read;

/// A parser is any callable `T(Buf_read&)`; ranges over repeated parses are input ranges.
template <class P>
concept Buf_parser = std::is_invocable_v<P&, Buf_read&>;

namespace detail {
template <class P>
class Parsed_range;
}

/// A buffered reader over a flow::Source (or over a string), with parsers.
///
///   auto r = eio::Buf_read::of_string("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
///   r.line();                        // "GET / HTTP/1.1"
///   r.expect_string("Host: ");       // throws eio::Parse_error if something else is there
///
/// Every parser blocks only while it reads from the source, and is then a cancellation point
/// (eio::Cancelled leaves the bytes already read buffered). Parsers throw eio::End_of_file
/// when the input ends first, eio::Parse_error (with the stream offset) on unexpected input,
/// eio::Buffer_limit_exceeded past `max_size`, and what the source throws. A Buf_read is
/// domain-local and not safe for concurrent use; it keeps a reference to its source, which
/// must outlive it.
class Buf_read {
 public:
  /// A reader over `source`. Allocates the initial buffer; never blocks. Throws
  /// std::invalid_argument for a zero `max_size`.
  explicit Buf_read(flow::Source& source, Buf_read_options options = {});
  /// A reader over a copy of `data` (never blocks, never refills).
  static Buf_read of_string(std::string_view data);
  /// A reader that takes ownership of `data` without copying it.
  static Buf_read of_string(std::string&& data);
  /// Same as of_string(std::string_view), for a string literal.
  static Buf_read of_string(const char* data) { return of_string(std::string_view(data)); }
  /// A reader over `data` without copying it: the caller keeps the bytes alive and unchanged
  /// for as long as the reader (and any view it returned) is used.
  static Buf_read of_buffer(std::string_view data);

  Buf_read(Buf_read&& other) noexcept;
  Buf_read& operator=(Buf_read&&) = delete;
  ~Buf_read();

  // --- The raw buffer -------------------------------------------------------------------

  /// Makes at least `n` bytes available in peek(), reading as needed. Throws End_of_file if
  /// the input ends first (the bytes read stay buffered), Buffer_limit_exceeded if `n` >
  /// max_size.
  void ensure(std::size_t n) {
    if (buffered_bytes() < n) [[unlikely]]
      ensure_slow(n);
  }
  /// The bytes buffered now, without reading. Never blocks.
  std::string_view peek() const noexcept { return {pos_, buffered_bytes()}; }
  /// Drops the first `n` buffered bytes. Never blocks; throws std::invalid_argument if fewer
  /// than `n` are buffered.
  void consume(std::size_t n) {
    if (n > buffered_bytes()) [[unlikely]]
      throw_bad_consume(n);
    pos_ += n;
  }
  /// How many bytes are buffered (peek().size()).
  std::size_t buffered_bytes() const noexcept { return static_cast<std::size_t>(end_ - pos_); }
  /// How many bytes have been consumed since the start: the offset of peek() in the stream.
  std::size_t consumed_bytes() const noexcept {
    return base_offset_ + static_cast<std::size_t>(pos_ - data_);
  }

  // --- Characters and integers -----------------------------------------------------------

  /// Reads one byte. Throws End_of_file at the end of input.
  char any_char() {
    if (pos_ == end_) [[unlikely]]
      ensure_slow(1);
    return *pos_++;
  }
  /// The next byte without consuming it, or nullopt at the end of input.
  std::optional<char> peek_char() {
    if (pos_ == end_ && !fill_to(1)) [[unlikely]]
      return std::nullopt;
    return *pos_;
  }
  /// Consumes the byte `c`; throws Parse_error ("expected 'c' but got 'x'") if the next
  /// byte differs (it is not consumed) and End_of_file at the end of input.
  void expect_char(char c) {
    if (any_char() != c) [[unlikely]]
      throw_expected_char(c);
  }
  /// Consumes exactly the bytes of `s`; throws Parse_error naming what was there instead
  /// (nothing is consumed then), End_of_file if the input ends first.
  void expect_string(std::string_view s);
  /// Reads one byte as an unsigned number.
  std::uint8_t uint8() { return static_cast<std::uint8_t>(any_char()); }
  /// Big- and little-endian unsigned integers of 2, 4 and 8 bytes.
  std::uint16_t be16() { return read_int<std::uint16_t, true>(); }
  std::uint32_t be32() { return read_int<std::uint32_t, true>(); }
  std::uint64_t be64() { return read_int<std::uint64_t, true>(); }
  std::uint16_t le16() { return read_int<std::uint16_t, false>(); }
  std::uint32_t le32() { return read_int<std::uint32_t, false>(); }
  std::uint64_t le64() { return read_int<std::uint64_t, false>(); }

  // --- Strings: each owning parser has a view twin (see the top of this file) -------------

  /// Reads up to and including the next '\n' and returns the line without it (and without a
  /// '\r' before it). A final line without '\n' is returned as it is; at the end of input
  /// throws End_of_file. A line longer than max_size throws Buffer_limit_exceeded.
  std::string line() { return std::string(line_view()); }
  std::string_view line_view();
  /// Like line(), into `out` (replacing its contents and reusing its capacity, as
  /// std::getline does): no allocation per line once `out` is big enough.
  void line_into(std::string& out) { out.assign(line_view()); }
  /// Reads exactly `n` bytes. Throws End_of_file if fewer remain (they stay buffered).
  std::string take(std::size_t n) { return std::string(take_view(n)); }
  std::string_view take_view(std::size_t n) {
    ensure(n);
    return advance(n);
  }
  /// Reads everything up to the end of input. Needs room for one byte more than the input
  /// (input of exactly max_size bytes throws Buffer_limit_exceeded).
  std::string take_all() { return std::string(take_all_view()); }
  std::string_view take_all_view();
  /// Reads the longest run of bytes for which `pred(char)` holds (possibly empty).
  template <class Pred>
  std::string take_while(Pred pred) {
    return std::string(take_while_view(pred));
  }
  template <class Pred>
  std::string_view take_while_view(Pred pred) {
    return advance(count_while(pred));
  }
  /// As take_while, but throws Parse_error if the run is empty.
  template <class Pred>
  std::string take_while1(Pred pred) {
    return std::string(take_while1_view(pred));
  }
  template <class Pred>
  std::string_view take_while1_view(Pred pred) {
    std::size_t n = count_while(pred);
    if (n == 0) throw_expected("take_while1: no matching byte");
    return advance(n);
  }

  // --- Skipping ---------------------------------------------------------------------------

  /// Discards bytes while `pred(char)` holds. Buffers at most one buffer's worth at a time,
  /// so a long run never hits max_size.
  template <class Pred>
  void skip_while(Pred pred) {
    for (;;) {
      while (pos_ != end_) {
        if (!pred(*pos_)) return;
        ++pos_;
      }
      if (!fill_to(1)) return;
    }
  }
  /// As skip_while, but throws Parse_error if not even one byte matched.
  template <class Pred>
  void skip_while1(Pred pred) {
    if (pos_ == end_ && !fill_to(1)) throw_expected("skip_while1: end of input");
    if (!pred(*pos_)) throw_expected("skip_while1: no matching byte");
    skip_while(pred);
  }
  /// Discards exactly `n` bytes (any number: not limited by max_size). Throws End_of_file
  /// if the input ends first, having discarded everything.
  void skip(std::size_t n);

  // --- End of input -----------------------------------------------------------------------

  /// Whether the input has ended with nothing left buffered (reads to find out).
  bool at_end_of_input() { return pos_ == end_ && !fill_to(1); }
  /// Throws Parse_error ("unexpected data after parsing") unless at the end of input.
  void end_of_input() {
    if (!at_end_of_input()) throw_expected("unexpected data after parsing");
  }

  // --- Ranges -----------------------------------------------------------------------------

  /// An input range that applies `parser` until at_end_of_input(); each element is what one
  /// call returned. Iterating blocks as the parser does. Using the range after other reads
  /// from this reader throws std::logic_error (it would be stale).
  template <Buf_parser P>
  detail::Parsed_range<std::decay_t<P>> seq(P&& parser);
  /// The range of line()s up to the end of input.
  auto lines();

 private:
  Buf_read() = default;
  void ensure_slow(std::size_t n);
  // Reads until `n` bytes are buffered; false (not an exception) at the end of input.
  bool fill_to(std::size_t n);
  void make_room(std::size_t n);
  template <class Pred>
  std::size_t count_while(Pred& pred) {
    std::size_t i = 0;
    for (;;) {
      for (; pos_ + i != end_; ++i) {
        if (!pred(pos_[i])) return i;
      }
      if (!fill_to(i + 1)) return i;
    }
  }
  std::string_view advance(std::size_t n) noexcept {
    std::string_view v(pos_, n);
    pos_ += n;
    return v;
  }
  template <class T, bool big_endian>
  T read_int() {
    ensure(sizeof(T));
    T v;
    std::memcpy(&v, pos_, sizeof(T));
    pos_ += sizeof(T);
    if constexpr (big_endian != (std::endian::native == std::endian::big)) {
      if constexpr (sizeof(T) == 2) v = __builtin_bswap16(v);
      if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
      if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
    }
    return v;
  }
  [[noreturn]] void throw_bad_consume(std::size_t n) const;
  [[noreturn]] void throw_expected_char(char c);
  [[noreturn]] void throw_expected(const char* what) const;

  // Invariant: data_ <= pos_ <= end_ <= data_ + capacity_. The stream offset of data_[0] is
  // base_offset_. source_ is null once end of input was seen (or for a string).
  char* data_ = nullptr;
  char* pos_ = nullptr;
  char* end_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t base_offset_ = 0;
  std::size_t max_size_ = 0;
  unsigned full_reads_ = 0;  // reads in a row that filled all the space they were given
  flow::Source* source_ = nullptr;
  std::unique_ptr<char[]> storage_;
  std::string owned_;
};

namespace detail {

// The range behind Buf_read::seq and lines(): parses lazily, one element per increment.
template <class P>
class Parsed_range {
 public:
  using value_type = std::decay_t<std::invoke_result_t<P&, Buf_read&>>;

  Parsed_range(Buf_read& r, P parser) : r_(&r), parser_(std::move(parser)) {}

  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using value_type = Parsed_range::value_type;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    explicit iterator(Parsed_range* range) : range_(range) { range_->advance(); }
    const value_type& operator*() const { return *range_->current_; }
    const value_type* operator->() const { return &*range_->current_; }
    iterator& operator++() {
      range_->advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    bool at_end() const noexcept { return range_ == nullptr || !range_->current_.has_value(); }
    Parsed_range* range_ = nullptr;
  };

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  void advance() {
    if (started_ && r_->consumed_bytes() != offset_) throw_stale();
    started_ = true;
    current_.reset();
    if (r_->at_end_of_input()) return;
    current_.emplace(parser_(*r_));
    offset_ = r_->consumed_bytes();
  }
  [[noreturn]] static void throw_stale();

  Buf_read* r_;
  P parser_;
  std::optional<value_type> current_;
  std::size_t offset_ = 0;
  bool started_ = false;
};

// Runs `parser` on `r` and checks that the input ended; End_of_file becomes Parse_error.
template <class P>
auto parse_to_end(P& parser, Buf_read& r) -> std::invoke_result_t<P&, Buf_read&> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<P&, Buf_read&>>) {
      parser(r);
      r.end_of_input();
    } else {
      auto value = parser(r);
      r.end_of_input();
      return value;
    }
  } catch (const End_of_file&) {
    throw Parse_error("unexpected end of input", r.consumed_bytes() + r.buffered_bytes());
  }
}

}  // namespace detail

template <class P>
[[noreturn]] void detail::Parsed_range<P>::throw_stale() {
  throw std::logic_error("eio::Buf_read: range used after other reads from its reader");
}

template <Buf_parser P>
detail::Parsed_range<std::decay_t<P>> Buf_read::seq(P&& parser) {
  return detail::Parsed_range<std::decay_t<P>>(*this, std::forward<P>(parser));
}

inline auto Buf_read::lines() {
  return seq([](Buf_read& r) { return r.line(); });
}

/// Parses all of `source` with `parser` and returns its result, checking that nothing is
/// left over. Throws eio::Parse_error (with the offset and what was expected) on malformed
/// input, including input that ends early or has trailing bytes; eio::Buffer_limit_exceeded
/// past `options.max_size`; and what the source throws. Blocks as the source does.
template <Buf_parser P>
auto parse(P&& parser, flow::Source& source, Buf_read_options options = {}) {
  Buf_read r(source, options);
  return detail::parse_to_end(parser, r);
}

/// parse() over the bytes of `data` (never blocks).
template <Buf_parser P>
auto parse_string(P&& parser, std::string_view data) {
  auto r = Buf_read::of_buffer(data);
  return detail::parse_to_end(parser, r);
}

}  // namespace eio
