// B5 any_char: read 100,000,000 bytes one call per byte and sum them, in ns/byte.
//
// Sources:
//   source=string  eio::Buf_read::of_string(std::move(data)) (its construction is timed);
//   source=file    a 100 MB file in /tmp (made once, removed at exit), through a real
//                  descriptor: eio::os::Fd_source over open(2)'s fd, Buf_read over that;
//   source=pipe    a pipe fed with 64 KiB writes, by another eio fiber for eio and by a
//                  plain thread for the peers; Buf_read over the read end.
// eio runs each source on both backends, with Buf_read's default options
// (initial_size=default: a 4 KiB buffer that doubles after two full reads in a row, up to
// 64 KiB) and with {.initial_size = 65536} (64 KiB from the start, the size every fd peer
// below reads).
//
// Peers, in the same binary:
//   plain-loop      a summing loop over a std::string (vectorised): the upper bound;
//   minimal-reader  a hand-written buffered reader, everything inline (char* pos, char* end,
//                   refill() = one read(2) of 64 KiB): the floor for a per-byte API; over the
//                   string (no refill), the same file, and a pipe fed by a plain thread;
//   getc-unlocked   getc_unlocked(3) on a FILE* of the file (stdio's own buffer);
//   istream-get     std::ifstream::get() on the file (libstdc++'s own buffer);
//   asio-coro       a Boost.Asio 1.81 C++20-coroutine reader where every byte is
//                   `co_await read_char(reader)` (bench/buf/asio_coro_reader.hpp), over the
//                   string, the file and a pipe fed by a plain thread. It is slow, so it
//                   reads only the first 10,000,000 bytes (its bytes= says so); still ns/byte.
//
// Every loop is a counted loop of one call per byte; each sum is checked against the sum
// of the data (a mismatch exits with an error), so no loop can be optimised away.
// Each figure is the median of 5 repetitions, the cases of one source taking turns
// (bench::buf::Group). Run with impl names to run only those, and
// --source=string|file|pipe to run only one source.

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "bench_util.hpp"
#include "buf/asio_coro_reader.hpp"
#include "buf/buf_bench.hpp"
#include "eio/eio.hpp"

namespace {

using namespace bench::buf;

constexpr std::size_t kBytes = 100'000'000;
constexpr std::size_t kAsioBytes = 10'000'000;
constexpr const char* kId = "B5-any-char";

struct Input {
  std::string bytes = make_bytes(kBytes);
  std::uint64_t sum = byte_sum(bytes);
  std::uint64_t asio_sum = byte_sum(std::string_view(bytes).substr(0, kAsioBytes));
  Temp_file file{bytes};
};

void check(const char* impl, std::uint64_t got, std::uint64_t want) {
  if (got != want) wrong(impl, got, want);
  bench::keep(got);
}

double per_byte(bench::Clock::time_point t0, std::size_t n) {
  return std::chrono::duration<double, std::nano>(bench::Clock::now() - t0).count() /
         static_cast<double>(n);
}

eio::Buf_read_options eio_options(std::size_t buf) {
  eio::Buf_read_options o;
  o.initial_size = buf;  // 0: Buf_read's default
  return o;
}

// --- eio -------------------------------------------------------------------------------

double eio_string(eio::Backend backend, const Input& in) {
  return eio::run(
      [&](eio::Env&) {
        std::string data = in.bytes;  // a fresh copy, made before the clock starts
        auto t0 = bench::Clock::now();
        auto r = eio::Buf_read::of_string(std::move(data));
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < kBytes; ++i) sum += static_cast<unsigned char>(r.any_char());
        double ns = per_byte(t0, kBytes);
        check("eio string", sum, in.sum);
        return ns;
      },
      bench::run_options(backend));
}

double eio_file(eio::Backend backend, const Input& in, std::size_t buf) {
  return eio::run(
      [&](eio::Env&) {
        return eio::Switch::run([&](eio::Switch& sw) {
          auto t0 = bench::Clock::now();
          eio::os::Fd_source src(eio::os::Fd(sw, in.file.open_read()));
          eio::Buf_read r(src, eio_options(buf));
          std::uint64_t sum = 0;
          for (std::size_t i = 0; i < kBytes; ++i) {
            sum += static_cast<unsigned char>(r.any_char());
          }
          double ns = per_byte(t0, kBytes);
          check("eio file", sum, in.sum);
          return ns;
        });
      },
      bench::run_options(backend));
}

double eio_pipe(eio::Backend backend, const Input& in, std::size_t buf) {
  return eio::run(
      [&](eio::Env&) {
        return eio::Switch::run([&](eio::Switch& sw) {
          auto t0 = bench::Clock::now();
          auto p = eio::os::pipe(sw);
          std::uint64_t sum = 0;
          // The inner switch waits for the feeding fiber, so the pipe outlives it.
          eio::Switch::run([&](eio::Switch& inner) {
            eio::fiber::fork(inner, [&] {
              std::string_view data = in.bytes;
              for (std::size_t off = 0; off < data.size(); off += kChunk) {
                p.sink.write(data.substr(off, kChunk));
              }
              p.sink.close();
            });
            eio::Buf_read r(p.source, eio_options(buf));
            for (std::size_t i = 0; i < kBytes; ++i) {
              sum += static_cast<unsigned char>(r.any_char());
            }
          });
          double ns = per_byte(t0, kBytes);
          check("eio pipe", sum, in.sum);
          return ns;
        });
      },
      bench::run_options(backend));
}

// --- peers -----------------------------------------------------------------------------

double plain_loop(const Input& in) {
  std::string data = in.bytes;
  auto t0 = bench::Clock::now();
  std::uint64_t sum = byte_sum(data);
  double ns = per_byte(t0, kBytes);
  check("plain-loop", sum, in.sum);
  return ns;
}

std::uint64_t minimal_sum(Minimal_reader& r, std::size_t n) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += r.get();
  return sum;
}

double minimal_string(const Input& in) {
  std::string data = in.bytes;
  auto t0 = bench::Clock::now();
  Minimal_reader r{std::string_view(data)};
  std::uint64_t sum = minimal_sum(r, kBytes);
  double ns = per_byte(t0, kBytes);
  check("minimal-reader string", sum, in.sum);
  return ns;
}

double minimal_file(const Input& in) {
  auto t0 = bench::Clock::now();
  int fd = in.file.open_read();
  Minimal_reader r(fd);
  std::uint64_t sum = minimal_sum(r, kBytes);
  double ns = per_byte(t0, kBytes);
  ::close(fd);
  check("minimal-reader file", sum, in.sum);
  return ns;
}

double minimal_pipe(const Input& in) {
  auto t0 = bench::Clock::now();
  Raw_pipe p = raw_pipe();
  std::thread feeder = feed_thread(p.wr, in.bytes);
  Minimal_reader r(p.rd);
  std::uint64_t sum = minimal_sum(r, kBytes);
  feeder.join();
  double ns = per_byte(t0, kBytes);
  ::close(p.rd);
  check("minimal-reader pipe", sum, in.sum);
  return ns;
}

double getc_file(const Input& in) {
  auto t0 = bench::Clock::now();
  std::FILE* f = std::fopen(in.file.path(), "rb");
  if (f == nullptr) die("fopen");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBytes; ++i) sum += static_cast<unsigned>(getc_unlocked(f));
  double ns = per_byte(t0, kBytes);
  std::fclose(f);
  check("getc-unlocked", sum, in.sum);
  return ns;
}

double istream_file(const Input& in) {
  auto t0 = bench::Clock::now();
  std::ifstream f(in.file.path(), std::ios::binary);
  if (!f) die("ifstream");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBytes; ++i) sum += static_cast<unsigned>(f.get());
  double ns = per_byte(t0, kBytes);
  check("istream-get", sum, in.sum);
  return ns;
}

double asio_string(const Input& in) {
  std::string data = in.bytes.substr(0, kAsioBytes);
  auto t0 = bench::Clock::now();
  asio::io_context ctx(1);
  Coro_reader r;
  r.pos = data.data();
  r.end = data.data() + data.size();
  std::uint64_t sum = asio_sum(ctx, r, kAsioBytes);
  double ns = per_byte(t0, kAsioBytes);
  check("asio-coro string", sum, in.asio_sum);
  return ns;
}

double asio_file(const Input& in) {
  auto t0 = bench::Clock::now();
  asio::io_context ctx(1);
  asio::posix::stream_descriptor fd(ctx, in.file.open_read());
  Coro_reader r;
  r.fd = &fd;
  r.buf = std::make_unique_for_overwrite<char[]>(kChunk);
  std::uint64_t sum = asio_sum(ctx, r, kAsioBytes);
  double ns = per_byte(t0, kAsioBytes);
  check("asio-coro file", sum, in.asio_sum);
  return ns;
}

double asio_pipe(const Input& in) {
  auto t0 = bench::Clock::now();
  asio::io_context ctx(1);
  Raw_pipe p = raw_pipe();
  std::thread feeder = feed_thread(p.wr, std::string_view(in.bytes).substr(0, kAsioBytes));
  asio::posix::stream_descriptor fd(ctx, p.rd);
  Coro_reader r;
  r.fd = &fd;
  r.buf = std::make_unique_for_overwrite<char[]>(kChunk);
  std::uint64_t sum = asio_sum(ctx, r, kAsioBytes);
  feeder.join();
  double ns = per_byte(t0, kAsioBytes);
  check("asio-coro pipe", sum, in.asio_sum);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  const int reps = bench::reps(5);
  static Input in;  // static: its file is removed on exit() too
  const std::string all = "bytes=" + std::to_string(kBytes);
  const std::string asio_bytes = "bytes=" + std::to_string(kAsioBytes);
  auto source = [&](const char* s) {
    bool any =
        want.has("--source=string") || want.has("--source=file") || want.has("--source=pipe");
    return !any || want.has(std::string("--source=") + s);
  };
  auto buf_param = [](std::size_t buf) {
    return " initial_size=" + (buf ? std::to_string(buf) : std::string("default"));
  };
  Group g(want, kId, "ns/byte");
  g.prepare([] { touch_pages(in.bytes); });  // the pipe feeders read it while timed

  if (source("string")) {
    const std::string p = "source=string " + all;
    for (const auto& impl : bench::eio_impls) {
      g.add(impl.name, p, [&, impl] { return eio_string(impl.backend, in); });
    }
    g.add("plain-loop", p, [&] { return plain_loop(in); });
    g.add("minimal-reader", p, [&] { return minimal_string(in); });
    g.add("asio-coro", "source=string " + asio_bytes, [&] { return asio_string(in); });
    g.run(reps);
  }
  if (source("file")) {
    const std::string p = "source=file " + all;
    for (std::size_t buf : {std::size_t{0}, kChunk}) {
      for (const auto& impl : bench::eio_impls) {
        g.add(impl.name, p + buf_param(buf),
              [&, impl, buf] { return eio_file(impl.backend, in, buf); });
      }
    }
    g.add("minimal-reader", p, [&] { return minimal_file(in); });
    g.add("getc-unlocked", p, [&] { return getc_file(in); });
    g.add("istream-get", p, [&] { return istream_file(in); });
    g.add("asio-coro", "source=file " + asio_bytes, [&] { return asio_file(in); });
    g.run(reps);
  }
  if (source("pipe")) {
    const std::string p = "source=pipe " + all;
    for (std::size_t buf : {std::size_t{0}, kChunk}) {
      for (const auto& impl : bench::eio_impls) {
        g.add(impl.name, p + buf_param(buf),
              [&, impl, buf] { return eio_pipe(impl.backend, in, buf); });
      }
    }
    g.add("minimal-reader", p, [&] { return minimal_pipe(in); });
    g.add("asio-coro", "source=pipe " + asio_bytes, [&] { return asio_pipe(in); });
    g.run(reps);
  }
  return 0;
}
