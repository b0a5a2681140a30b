// The out-of-line half of Buf_read: refilling (growth up to max_size, compaction), the
// parsers that scan, and the error messages. The per-byte paths are inline in the header.

#include "eio/buf_read.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace eio {
namespace {

constexpr std::size_t kDefaultInitialSize = 4096;
// A source that fills every read has more waiting (a file, a busy pipe), and reading it in
// bigger pieces saves system calls: after two full reads in a row the buffer doubles, up to
// this size (or max_size), at the next refill that moves the bytes anyway.
constexpr std::size_t kReadAhead = 64 * 1024;

// A byte as it would appear in a C string literal, so errors show binary input legibly.
std::string quote_bytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

Buf_read::Buf_read(flow::Source& source, Buf_read_options options)
    : max_size_(options.max_size), source_(&source) {
  if (max_size_ == 0) throw std::invalid_argument("eio::Buf_read: max_size must be positive");
  capacity_ =
      std::min(options.initial_size ? options.initial_size : kDefaultInitialSize, max_size_);
  storage_ = std::make_unique_for_overwrite<char[]>(capacity_);
  data_ = pos_ = end_ = storage_.get();
}

Buf_read Buf_read::of_buffer(std::string_view data) {
  Buf_read r;
  // Nothing is ever read, so the limit only matters to the checks in fill_to.
  r.max_size_ = std::numeric_limits<std::size_t>::max();
  r.capacity_ = data.size();
  r.data_ = r.pos_ = const_cast<char*>(data.data());
  r.end_ = r.data_ + data.size();
  return r;
}

Buf_read Buf_read::of_string(std::string&& data) {
  Buf_read r = of_buffer({});
  r.owned_ = std::move(data);
  r.capacity_ = r.owned_.size();
  r.data_ = r.pos_ = r.owned_.data();
  r.end_ = r.data_ + r.owned_.size();
  return r;
}

Buf_read Buf_read::of_string(std::string_view data) {
  return of_string(std::string(data));
}

Buf_read::Buf_read(Buf_read&& other) noexcept
    : capacity_(other.capacity_),
      base_offset_(other.base_offset_),
      max_size_(other.max_size_),
      full_reads_(other.full_reads_),
      source_(other.source_),
      storage_(std::move(other.storage_)) {
  // A short owned string lives inside the std::string object, so moving it moves the bytes:
  // rebase the pointers on wherever they now are.
  bool in_owned = other.data_ == other.owned_.data();
  std::size_t pos = static_cast<std::size_t>(other.pos_ - other.data_);
  std::size_t end = static_cast<std::size_t>(other.end_ - other.data_);
  owned_ = std::move(other.owned_);
  data_ = in_owned ? owned_.data() : other.data_;
  pos_ = data_ + pos;
  end_ = data_ + end;
  other.data_ = other.pos_ = other.end_ = nullptr;
  other.capacity_ = 0;
  other.source_ = nullptr;
}

Buf_read::~Buf_read() = default;

void Buf_read::ensure_slow(std::size_t n) {
  if (!fill_to(n)) throw End_of_file();
}

bool Buf_read::fill_to(std::size_t n) {
  if (buffered_bytes() >= n) return true;
  if (n > max_size_) throw Buffer_limit_exceeded();
  if (source_ == nullptr) return false;
  make_room(n);
  while (buffered_bytes() < n) {
    std::size_t space = static_cast<std::size_t>(data_ + capacity_ - end_);
    std::size_t got;
    try {
      got = source_->read_some(std::span(end_, space));
    } catch (const End_of_file&) {
      source_ = nullptr;
      return false;
    }
    end_ += got;
    full_reads_ = got == space ? full_reads_ + 1 : 0;
  }
  return true;
}

// Makes room for `n` buffered bytes from pos_. This is the only place buffered bytes move,
// which is what invalidates views.
void Buf_read::make_room(std::size_t n) {
  std::size_t len = buffered_bytes();
  std::size_t start = static_cast<std::size_t>(pos_ - data_);
  if (len != 0 && start + n <= capacity_) return;  // fits after the bytes as they are
  base_offset_ += start;
  std::size_t new_capacity = capacity_;
  if (n > capacity_) {
    // Grow geometrically so that a long line costs O(n) copying, never past max_size.
    new_capacity = std::max(n, std::min(max_size_, capacity_ * 2));
  } else if (full_reads_ >= 2 && capacity_ < kReadAhead) {
    new_capacity = std::min({max_size_, capacity_ * 2, kReadAhead});
  }
  if (new_capacity > capacity_) {
    auto bigger = std::make_unique_for_overwrite<char[]>(new_capacity);
    std::memcpy(bigger.get(), pos_, len);
    storage_ = std::move(bigger);
    capacity_ = new_capacity;
    data_ = storage_.get();
    full_reads_ = 0;
  } else {
    std::memmove(data_, pos_, len);
  }
  pos_ = data_;
  end_ = data_ + len;
}

std::string_view Buf_read::line_view() {
  std::size_t scanned = 0;
  for (;;) {
    std::size_t len = buffered_bytes();
    if (const void* nl = std::memchr(pos_ + scanned, '\n', len - scanned)) {
      std::size_t line_len = static_cast<std::size_t>(static_cast<const char*>(nl) - pos_);
      std::string_view line(pos_, line_len);
      if (line.ends_with('\r')) line.remove_suffix(1);
      pos_ += line_len + 1;
      return line;
    }
    scanned = len;
    if (!fill_to(len + 1)) {
      if (len == 0) throw End_of_file();
      return advance(len);  // the last line, without a '\n'
    }
  }
}

std::string_view Buf_read::take_all_view() {
  while (fill_to(buffered_bytes() + 1)) {
  }
  return advance(buffered_bytes());
}

void Buf_read::expect_string(std::string_view s) {
  std::size_t i = 0;
  for (;;) {
    std::size_t available = std::min(buffered_bytes(), s.size());
    for (; i < available; ++i) {
      if (pos_[i] != s[i]) {
        throw Parse_error("expected \"" + quote_bytes(s) + "\" but got \"" +
                              quote_bytes(peek().substr(0, s.size())) + "\"",
                          consumed_bytes());
      }
    }
    if (i == s.size()) {
      pos_ += i;
      return;
    }
    if (!fill_to(i + 1)) throw End_of_file();
  }
}

void Buf_read::skip(std::size_t n) {
  while (n > buffered_bytes()) {
    n -= buffered_bytes();
    pos_ = end_;
    // Reads at most a buffer's worth at a time, whatever n is (and at least one byte: a
    // reader over an empty string has no capacity at all).
    if (!fill_to(std::max<std::size_t>(1, std::min(n, capacity_)))) {
      pos_ = end_;  // not atomic: discard everything, like Eio
      throw End_of_file();
    }
  }
  pos_ += n;
}

void Buf_read::throw_bad_consume(std::size_t n) const {
  throw std::invalid_argument("eio::Buf_read::consume: " + std::to_string(n) +
                              " bytes asked for but only " + std::to_string(buffered_bytes()) +
                              " buffered");
}

void Buf_read::throw_expected_char(char c) {
  --pos_;  // the byte just read by any_char is still in the buffer: leave it unconsumed
  throw Parse_error(
      "expected '" + quote_bytes({&c, 1}) + "' but got '" + quote_bytes({pos_, 1}) + "'",
      consumed_bytes());
}

void Buf_read::throw_expected(const char* what) const {
  throw Parse_error(what, consumed_bytes());
}

}  // namespace eio
