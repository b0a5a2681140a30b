// B9 file read: read a 1 GiB file from a warm page cache in 64 KiB chunks, in GB/s (1e9
// bytes per second).
//
// The file is /tmp/eio-b9-1g.bin (made once, if missing or of the wrong size, with
// non-zero pseudo-random bytes; kept for later runs). Before measuring, the parent reads it
// once to warm the page cache. Each case opens the file, reads it to the end and closes it
// (all timed); each 64 KiB buffer is reused, so the copies land in cache.
//
//   eio-uring, eio-posix  eio::path::open_in(sw, env.fs() / path), then File::pread(offset,
//                         64 KiB) until eio::End_of_file. qd=1: one fiber reading in order;
//                         qd=8: 8 fibers on one switch, fiber k reading chunks k, k+8, ...
//   pread                 a plain pread(2) loop until it returns 0 (qd=1).
//   liburing-qd1, -qd8    raw liburing: 1 or 8 reads of 64 KiB in flight
//                         (io_uring_prep_read at offsets), each completion reaped and its
//                         buffer resubmitted at the next chunk until reads return 0;
//                         the ring set up as eio's (SINGLE_ISSUER | DEFER_TASKRUN).
//
// Each case checks the bytes it counted and an XOR of the first 8 bytes of every chunk
// against the warm-up's. Each figure is the median of 11 repetitions, the cases taking
// turns, every repetition in a fresh process (bench/turns.hpp); the range goes to
// stderr. Run with impl names to run only those; BENCH_REPS=n changes the repetitions.

#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eio/eio.hpp"
#include "file/file_bench.hpp"

namespace {

using bench::file::die;
using bench::file::fail;

constexpr const char* kPath = "/tmp/eio-b9-1g.bin";
constexpr std::uint64_t kSize = std::uint64_t{1} << 30;
constexpr std::size_t kChunk = 64 * 1024;
constexpr const char* kId = "B9-file-read";

// What a reader saw: the bytes, and the XOR of the first 8 bytes of each chunk-aligned read.
struct Seen {
  std::uint64_t bytes = 0;
  std::uint64_t mix = 0;
};
Seen g_expected;

std::uint64_t first8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void note(Seen& s, std::uint64_t offset, const char* buf, std::size_t n) {
  if (offset % kChunk == 0 && n >= 8) s.mix ^= first8(buf);
  s.bytes += n;
}

double gbps(const char* impl, const Seen& s, double seconds) {
  if (s.bytes != g_expected.bytes || s.mix != g_expected.mix) fail(impl, "read other bytes");
  return static_cast<double>(s.bytes) / seconds / 1e9;
}

int open_file() {
  int fd = ::open(kPath, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(kPath);
  return fd;
}

// Makes the file if it is missing or of the wrong size (written to a temporary name, then
// renamed, so an interrupted run leaves no short file behind).
void ensure_file() {
  struct stat st;
  if (::stat(kPath, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) == kSize) {
    return;
  }
  std::fprintf(stderr, "# %s: writing %s (1 GiB)\n", kId, kPath);
  std::string tmp = std::string(kPath) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die(tmp.c_str());
  constexpr std::size_t kBlock = 1 << 20;
  std::vector<char> block(kBlock);
  std::uint32_t x = 12345;
  for (std::uint64_t off = 0; off < kSize; off += kBlock) {
    for (char& c : block) {
      x = x * 1103515245u + 12345u;
      c = static_cast<char>((x >> 24) | 1);  // never zero
    }
    for (std::size_t done = 0; done < kBlock;) {
      ssize_t w = ::write(fd, block.data() + done, kBlock - done);
      if (w <= 0) die("write");
      done += static_cast<std::size_t>(w);
    }
  }
  if (::close(fd) != 0) die("close");
  if (::rename(tmp.c_str(), kPath) != 0) die("rename");
}

// Reads the file once with pread: warms the page cache and records what readers must see.
void warm_up() {
  int fd = open_file();
  auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
  for (std::uint64_t off = 0;;) {
    ssize_t n = ::pread(fd, buf.get(), kChunk, static_cast<off_t>(off));
    if (n < 0) die("pread");
    if (n == 0) break;
    note(g_expected, off, buf.get(), static_cast<std::size_t>(n));
    off += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  if (g_expected.bytes != kSize) fail("warm-up", "the file has the wrong size");
}

double plain_pread() {
  auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
  Seen s;
  auto t0 = bench::Clock::now();
  int fd = open_file();
  for (std::uint64_t off = 0;;) {
    ssize_t n = ::pread(fd, buf.get(), kChunk, static_cast<off_t>(off));
    if (n < 0) die("pread");
    if (n == 0) break;
    note(s, off, buf.get(), static_cast<std::size_t>(n));
    off += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return gbps("pread", s, bench::seconds_since(t0));
}

// `depth` reads in flight, slot k with its own buffer; a completed read is followed by the
// next chunk (a short read by the rest of its chunk), until reads return 0.
double raw_liburing(unsigned depth, const char* impl) {
  io_uring ring;
  bench::file::ring_init(ring, depth);
  struct Slot {
    std::unique_ptr<char[]> buf = std::make_unique_for_overwrite<char[]>(kChunk);
    std::uint64_t chunk_off = 0;  // where its chunk starts
    std::size_t done = 0;         // bytes of the chunk already read
  };
  std::vector<Slot> slots(depth);
  Seen s;
  std::uint64_t next = 0;
  unsigned in_flight = 0;
  auto t0 = bench::Clock::now();
  int fd = open_file();
  auto submit = [&](unsigned k) {
    Slot& sl = slots[k];
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, fd, sl.buf.get() + sl.done, static_cast<unsigned>(kChunk - sl.done),
                       sl.chunk_off + sl.done);
    io_uring_sqe_set_data64(sqe, k);
    ++in_flight;
  };
  for (unsigned k = 0; k < depth; ++k) {
    slots[k].chunk_off = next;
    next += kChunk;
    submit(k);
  }
  while (in_flight > 0) {
    if (int r = io_uring_submit_and_wait(&ring, 1); r < 0) {
      errno = -r;
      die("io_uring_submit_and_wait");
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      --in_flight;
      auto k = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
      int res = cqe->res;
      if (res < 0) {
        errno = -res;
        die("io_uring read");
      }
      if (res == 0) continue;  // past the end: this slot is done
      Slot& sl = slots[k];
      note(s, sl.chunk_off + sl.done, sl.buf.get() + sl.done, static_cast<std::size_t>(res));
      sl.done += static_cast<std::size_t>(res);
      if (sl.done == kChunk) {
        sl.chunk_off = next;
        next += kChunk;
        sl.done = 0;
      }
      submit(k);
    }
    io_uring_cq_advance(&ring, seen);
  }
  ::close(fd);
  double seconds = bench::seconds_since(t0);
  io_uring_queue_exit(&ring);
  return gbps(impl, s, seconds);
}

// Fiber `first` of `stride` reads chunks first, first + stride, ... with File::pread.
void eio_reader(eio::File& f, std::uint64_t first, std::uint64_t stride, Seen& s) {
  auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
  std::span<char> all(buf.get(), kChunk);
  for (std::uint64_t chunk = first;; chunk += stride) {
    std::uint64_t off = chunk * kChunk;
    try {
      for (std::size_t done = 0; done < kChunk;) {
        std::size_t n = f.pread(off + done, all.subspan(done));
        note(s, off + done, buf.get() + done, n);
        done += n;
      }
    } catch (const eio::End_of_file&) {
      return;
    }
  }
}

double eio_read(eio::Backend backend, unsigned fibers, const char* impl) {
  Seen s;
  double seconds = eio::run(
      [&](eio::Env& env) {
        auto t0 = bench::Clock::now();
        eio::Switch::run([&](eio::Switch& sw) {
          eio::File f = eio::path::open_in(sw, env.fs() / kPath);
          if (fibers == 1) {
            eio_reader(f, 0, 1, s);
            return;
          }
          eio::Switch::run([&](eio::Switch& readers) {
            for (unsigned k = 0; k < fibers; ++k) {
              eio::fiber::fork(readers, [&, k] { eio_reader(f, k, fibers, s); });
            }
          });
        });
        return bench::seconds_since(t0);
      },
      bench::run_options(backend));
  return gbps(impl, s, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  ensure_file();
  warm_up();
  bench::file::Turns group(want, kId, "GB/s");
  const std::string common = "file=1GiB chunk=64KiB ";
  for (const auto& impl : bench::eio_impls) {
    const char* name = impl.name;
    eio::Backend b = impl.backend;
    group.add(name, common + "qd=1", [=] { return eio_read(b, 1, name); });
  }
  group.add("pread", common + "qd=1", [] { return plain_pread(); });
  group.add("liburing-qd1", common + "qd=1", [] { return raw_liburing(1, "liburing-qd1"); });
  for (const auto& impl : bench::eio_impls) {
    const char* name = impl.name;
    eio::Backend b = impl.backend;
    group.add(name, common + "qd=8", [=] { return eio_read(b, 8, name); });
  }
  group.add("liburing-qd8", common + "qd=8", [] { return raw_liburing(8, "liburing-qd8"); });
  group.run(bench::reps(11));
  return 0;
}
