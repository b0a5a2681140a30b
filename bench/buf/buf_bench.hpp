#pragma once
// Shared parts of the B5 benchmarks (buffered reading and writing): the test data, a
// scratch file in /tmp that is removed at exit, plain threads feeding and draining pipes,
// and the hand-written buffered reader that is the floor for a per-byte API.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "turns.hpp"

namespace bench::buf {

constexpr std::size_t kChunk = 64 * 1024;  // pipe feeds, drains and refills

[[noreturn]] inline void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

[[noreturn]] inline void wrong(const char* impl, std::uint64_t got, std::uint64_t want) {
  std::fprintf(stderr, "%s: checksum %llu, expected %llu\n", impl,
               static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
  std::exit(1);
}

// `n` bytes that are not all alike (a sum over them checks that every byte was read).
inline std::string make_bytes(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// `n` bytes of lines of `width` bytes each: width - 1 printable characters and '\n'.
inline std::string make_lines(std::size_t n, std::size_t width) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t col = i % width;
    s[i] = col == width - 1 ? '\n' : static_cast<char>('!' + (i / width + col) % 90);
  }
  return s;
}

// The sum of the bytes of `s`: the plain-loop peer. Summed in blocks of 4096 bytes into a
// 32-bit total (which cannot overflow there), the form g++ -O2 vectorises (SSE2); a single
// loop into a 64-bit total is not vectorised at -O2.
inline std::uint64_t byte_sum(std::string_view s) {
  constexpr std::size_t kBlock = 4096;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + kBlock <= s.size(); i += kBlock) {
    std::uint32_t block = 0;
    for (std::size_t j = 0; j < kBlock; ++j) block += p[i + j];
    sum += block;
  }
  for (; i < s.size(); ++i) sum += p[i];
  return sum;
}

// A file in /tmp holding `data`, removed when this object goes (normal exit included).
class Temp_file {
 public:
  explicit Temp_file(std::string_view data) {
    char name[] = "/tmp/eio_b5_XXXXXX";
    int fd = ::mkstemp(name);
    if (fd < 0) die("mkstemp");
    path_ = name;
    for (std::size_t off = 0; off < data.size();) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n <= 0) die("write to the temporary file");
      off += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
  Temp_file(const Temp_file&) = delete;
  Temp_file& operator=(const Temp_file&) = delete;
  // Only the process that made it removes it (not a child of Group::run that exits).
  ~Temp_file() {
    if (::getpid() == owner_) ::unlink(path_.c_str());
  }
  const char* path() const { return path_.c_str(); }
  int open_read() const {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open");
    return fd;
  }

 private:
  std::string path_;
  pid_t owner_ = ::getpid();
};

struct Raw_pipe {
  int rd = -1;
  int wr = -1;
};

inline Raw_pipe raw_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) die("pipe2");
  return {fds[0], fds[1]};
}

inline void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) die("write");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// A plain thread writing `data` to `fd` in 64 KiB chunks, then closing it.
inline std::thread feed_thread(int fd, std::string_view data) {
  return std::thread([fd, data] {
    for (std::size_t off = 0; off < data.size(); off += kChunk) {
      write_all(fd, data.data() + off, std::min(kChunk, data.size() - off));
    }
    ::close(fd);
  });
}

// A plain thread reading `fd` in 64 KiB chunks until end-of-file, counting the bytes into
// `*total`, then closing it.
inline std::thread drain_thread(int fd, std::uint64_t* total) {
  return std::thread([fd, total] {
    auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
    std::uint64_t n = 0;
    for (;;) {
      ssize_t r = ::read(fd, buf.get(), kChunk);
      if (r < 0) die("read");
      if (r == 0) break;
      n += static_cast<std::uint64_t>(r);
    }
    *total = n;
    ::close(fd);
  });
}

// The floor for a per-byte API: a buffered reader with everything inline, a position and
// an end pointer, refilled with one read(2) of 64 KiB. Over a string it never refills.
class Minimal_reader {
 public:
  explicit Minimal_reader(int fd) : fd_(fd), buf_(std::make_unique_for_overwrite<char[]>(kChunk)) {}
  explicit Minimal_reader(std::string_view s) : pos_(s.data()), end_(s.data() + s.size()) {}

  unsigned char get() {
    if (pos_ == end_) [[unlikely]]
      refill();
    return static_cast<unsigned char>(*pos_++);
  }

 private:
  void refill() {
    if (fd_ < 0) die("Minimal_reader: past the end of the string");
    ssize_t n = ::read(fd_, buf_.get(), kChunk);
    if (n <= 0) die("Minimal_reader: read");
    pos_ = buf_.get();
    end_ = pos_ + n;
  }

  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  int fd_ = -1;
  std::unique_ptr<char[]> buf_;
};

// The cases of one figure take turns, each repetition in a child process (bench/turns.hpp).
using Group = bench::Turns;

// Makes later reads of `s` cost no page-table fill, for this process and for the kernel:
// reads one byte of every page, then passes all of it through a pipe (on this VM the
// kernel's first copy from a user page, as in a pipe write, costs about 2 us more, apart
// from the process's own first access).
inline void touch_pages(std::string_view s) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < s.size(); i += 4096) sum += static_cast<unsigned char>(s[i]);
  bench::keep(sum);
  Raw_pipe p = raw_pipe();
  auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
  for (std::size_t off = 0; off < s.size(); off += kChunk) {
    std::size_t n = std::min(kChunk, s.size() - off);  // fits in an empty pipe (64 KiB)
    write_all(p.wr, s.data() + off, n);
    for (std::size_t got = 0; got < n;) {
      ssize_t r = ::read(p.rd, buf.get(), n - got);
      if (r <= 0) die("read");
      got += static_cast<std::size_t>(r);
    }
  }
  ::close(p.rd);
  ::close(p.wr);
}

}  // namespace bench::buf
