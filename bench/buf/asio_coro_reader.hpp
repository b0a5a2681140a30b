#pragma once
// The B5 "asio-coro" peer: the Lwt-style design of a per-byte reader, on Boost.Asio 1.81
// C++20 coroutines. Every byte is `co_await read_char(reader)`, where read_char is itself an
// asio::awaitable<char> coroutine that returns a byte from an in-memory buffer and, when
// that is empty, refills it with `co_await fd.async_read_some(...)` on a
// posix::stream_descriptor (Asio's default epoll reactor; a regular file, which epoll
// refuses, is read directly). Over a string it never refills.

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string_view>

#include <boost/asio.hpp>

#include "buf/buf_bench.hpp"

namespace bench::buf {

namespace asio = boost::asio;

struct Coro_reader {
  asio::posix::stream_descriptor* fd = nullptr;  // null: a string, never refilled
  const char* pos = nullptr;
  const char* end = nullptr;
  std::unique_ptr<char[]> buf;
};

inline asio::awaitable<char> read_char(Coro_reader& r) {
  if (r.pos == r.end) {
    if (r.fd == nullptr) throw std::runtime_error("asio-coro: past the end of the string");
    std::size_t n =
        co_await r.fd->async_read_some(asio::buffer(r.buf.get(), kChunk), asio::use_awaitable);
    r.pos = r.buf.get();
    r.end = r.pos + n;
  }
  co_return *r.pos++;
}

inline asio::awaitable<void> sum_chars(Coro_reader& r, std::size_t n, std::uint64_t& out) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(co_await read_char(r));
  out = sum;
}

// Sums `n` bytes read through `r` on `ctx`, one co_await per byte.
inline std::uint64_t asio_sum(asio::io_context& ctx, Coro_reader& r, std::size_t n) {
  std::uint64_t sum = 0;
  std::exception_ptr failed;
  asio::co_spawn(ctx, sum_chars(r, n, sum), [&](std::exception_ptr e) { failed = e; });
  ctx.run();
  if (failed) std::rethrow_exception(failed);
  return sum;
}

}  // namespace bench::buf
