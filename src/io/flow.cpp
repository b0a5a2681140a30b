// The generic parts of flows: argument checks, the copy loop and the helpers built on
// read_some / write.

#include "eio/flow.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "eio/errors.hpp"

namespace eio::flow {
namespace {
// Big enough that copying costs few system calls; on the heap, as fiber stacks are small.
constexpr std::size_t kCopyChunk = 64 * 1024;
}  // namespace

std::size_t Source::read_some(std::span<char> buf) {
  if (buf.empty()) throw std::invalid_argument("eio::flow::Source::read_some: empty buffer");
  return do_read_some(buf);
}

void Sink::write(std::string_view data) {
  if (data.empty()) return;
  do_write(std::span<const std::string_view>(&data, 1));
}

void Sink::write(std::span<const std::string_view> bufs) {
  for (std::string_view b : bufs) {
    if (!b.empty()) return do_write(bufs);
  }
}

void Sink::do_copy_from(Source& src) {
  auto chunk = std::make_unique_for_overwrite<char[]>(kCopyChunk);
  for (;;) {
    std::size_t n;
    try {
      n = src.read_some(std::span(chunk.get(), kCopyChunk));
    } catch (const End_of_file&) {
      return;
    }
    write(std::string_view(chunk.get(), n));
  }
}

void copy(Source& src, Sink& dst) {
  dst.copy_from(src);
}

void read_exact(Source& src, std::span<char> buf) {
  while (!buf.empty()) buf = buf.subspan(src.read_some(buf));
}

std::string read_all(Source& src) {
  std::string out;
  std::size_t used = 0;
  for (;;) {
    if (out.size() - used < 4096) out.resize(std::max<std::size_t>(8192, out.size() * 2));
    try {
      used += src.read_some(std::span(out.data() + used, out.size() - used));
    } catch (const End_of_file&) {
      out.resize(used);
      return out;
    }
  }
}

std::size_t String_source::do_read_some(std::span<char> buf) {
  if (pos_ == data_.size()) throw End_of_file();
  std::size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

void Buffer_sink::do_write(std::span<const std::string_view> bufs) {
  for (std::string_view b : bufs) data_.append(b);
}

std::size_t Null::do_read_some(std::span<char>) {
  throw End_of_file();
}
void Null::do_write(std::span<const std::string_view>) {}
void Null::do_shutdown(Shutdown) {}

}  // namespace eio::flow
