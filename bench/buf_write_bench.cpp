// B5-write: 10,000,000 writes of 8 bytes (the write's index) through a buffered writer to
// the write end of a pipe, in ns/write, timed until the reader has drained every byte.
//
// eio: eio::Buf_write::with_flow over eio::os::pipe's sink, the read end drained by another
// eio fiber reading 64 KiB at a time (both fibers on the one thread), on both backends:
//   flush_every=0     no intermediate flush: the writes, then with_flow returns;
//   flush_every=8192  w.flush() after every 8192 writes (64 KiB, the pipe's capacity).
// Peers, in the same binary, each with the read end drained by a plain thread (64 KiB reads):
//   fwrite    fwrite(3) on fdopen(3) of the write end (stdio's own buffer);
//   ofstream  std::ofstream::write on /proc/self/fd/N of the write end (libstdc++'s buffer).
// Each run checks that the reader got all 80,000,000 bytes. Each figure is the median of 5
// repetitions, all the cases taking turns (bench::buf::Group). Run with impl names to run
// only those, and --flush-every=0 or --flush-every=8192 for only that eio variant.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "bench_util.hpp"
#include "buf/buf_bench.hpp"
#include "eio/eio.hpp"

namespace {

using namespace bench::buf;

constexpr std::uint64_t kWrites = 10'000'000;
constexpr std::size_t kSize = 8;
constexpr const char* kId = "B5-write";

double per_write(bench::Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(bench::Clock::now() - t0).count() /
         static_cast<double>(kWrites);
}

void check(const char* impl, std::uint64_t got) {
  if (got != kWrites * kSize) wrong(impl, got, kWrites * kSize);
}

double eio_write(eio::Backend backend, std::uint64_t flush_every) {
  return eio::run(
      [&](eio::Env&) {
        std::uint64_t drained = 0;
        auto t0 = bench::Clock::now();
        eio::Switch::run([&](eio::Switch& sw) {
          auto p = eio::os::pipe(sw);
          // The inner switch waits for the drain fiber, so the pipe outlives it.
          eio::Switch::run([&](eio::Switch& inner) {
            eio::fiber::fork(inner, [&] {
              auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
              try {
                for (;;) drained += p.source.read_some(std::span(buf.get(), kChunk));
              } catch (const eio::End_of_file&) {
              }
            });
            eio::Buf_write::with_flow(p.sink, [&](eio::Buf_write& w) {
              char rec[kSize];
              for (std::uint64_t i = 0; i < kWrites; ++i) {
                std::memcpy(rec, &i, kSize);
                w.write(std::string_view(rec, kSize));
                if (flush_every != 0 && (i + 1) % flush_every == 0) w.flush();
              }
            });
            p.sink.close();
          });
        });
        double ns = per_write(t0);
        check("eio", drained);
        return ns;
      },
      bench::run_options(backend));
}

double fwrite_pipe() {
  auto t0 = bench::Clock::now();
  Raw_pipe p = raw_pipe();
  std::uint64_t drained = 0;
  std::thread drainer = drain_thread(p.rd, &drained);
  std::FILE* f = ::fdopen(p.wr, "w");
  if (f == nullptr) die("fdopen");
  char rec[kSize];
  for (std::uint64_t i = 0; i < kWrites; ++i) {
    std::memcpy(rec, &i, kSize);
    std::fwrite(rec, 1, kSize, f);
  }
  std::fclose(f);
  drainer.join();
  double ns = per_write(t0);
  check("fwrite", drained);
  return ns;
}

double ofstream_pipe() {
  auto t0 = bench::Clock::now();
  Raw_pipe p = raw_pipe();
  std::uint64_t drained = 0;
  std::thread drainer = drain_thread(p.rd, &drained);
  {
    std::ofstream out("/proc/self/fd/" + std::to_string(p.wr), std::ios::binary);
    if (!out) die("ofstream");
    ::close(p.wr);  // the stream has its own descriptor on the pipe
    char rec[kSize];
    for (std::uint64_t i = 0; i < kWrites; ++i) {
      std::memcpy(rec, &i, kSize);
      out.write(rec, kSize);
    }
  }
  drainer.join();
  double ns = per_write(t0);
  check("ofstream", drained);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Filter want(argc, argv);
  const int reps = bench::reps(5);
  const std::string p = "writes=" + std::to_string(kWrites) + " size=" + std::to_string(kSize);
  Group g(want, kId, "ns/write");
  for (std::uint64_t flush_every : {std::uint64_t{0}, std::uint64_t{8192}}) {
    bool only_one = want.has("--flush-every=0") || want.has("--flush-every=8192");
    if (only_one && !want.has("--flush-every=" + std::to_string(flush_every))) continue;
    const std::string pf = p + " flush_every=" + std::to_string(flush_every);
    for (const auto& impl : bench::eio_impls) {
      g.add(impl.name, pf, [impl, flush_every] { return eio_write(impl.backend, flush_every); });
    }
  }
  g.add("fwrite", p, [] { return fwrite_pipe(); });
  g.add("ofstream", p, [] { return ofstream_pipe(); });
  g.run(reps);
  return 0;
}
