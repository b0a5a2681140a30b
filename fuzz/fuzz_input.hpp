#pragma once
// Reads a fuzz input as a stream of small decisions (FuzzedDataProvider's idea, without its
// tail-first layout): each call takes the next byte, and an exhausted input reads as zeros,
// so every byte string, however short, decodes to some valid scenario.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace eio::fuzz {

class Fuzz_input {
 public:
  Fuzz_input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const noexcept { return pos_ == size_; }
  std::uint8_t byte() noexcept { return empty() ? 0 : data_[pos_++]; }
  // Little-endian, from up to `bytes` bytes.
  std::uint64_t number(int bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Bytes as a C string literal would show them, for failure reports.
inline std::string quoted(std::string_view bytes) {
  std::string out = "\"";
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
  return out + "\"";
}

// A disagreement between eio and the model: report it and stop, so that libFuzzer saves the
// input and a CTest replay fails.
[[noreturn]] inline void fail(const std::string& report) {
  std::fprintf(stderr, "\n*** model check failed ***\n%s\n", report.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace eio::fuzz
